/**
 * NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods
 * that tolerate the node.kubernetes.io/unschedulable:NoSchedule taint.
 */
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { tolerationsTolerate } from '../framework/tolerations.js';
import { Code, frozenStatus, success, type Status } from '../framework/status.js';
import type { CycleState, FilterPlugin } from '../framework/types.js';

export const nodeUnschedulableReason = 'node(s) were unschedulable';
const rejected = frozenStatus(Code.UnschedulableAndUnresolvable, nodeUnschedulableReason);
const unschedulableTaint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export const nodeUnschedulable = {
  name: 'NodeUnschedulable',
  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (!node.unschedulable) return success;
    return tolerationsTolerate(pod.pod.spec?.tolerations, unschedulableTaint) ? success : rejected;
  },
} satisfies FilterPlugin;

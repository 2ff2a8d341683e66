/** NodeName: a pod that names its node fits only there. */
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Code, frozenStatus, success, type Status } from '../framework/status.js';
import type { CycleState, FilterPlugin } from '../framework/types.js';

export const nodeNameReason = "node(s) didn't match the requested node name";
const rejected = frozenStatus(Code.UnschedulableAndUnresolvable, nodeNameReason);

export const nodeName = {
  name: 'NodeName',
  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const want = pod.pod.spec?.nodeName;
    return !want || want === node.name ? success : rejected;
  },
} satisfies FilterPlugin;

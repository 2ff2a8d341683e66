/** NodePorts: a hostPort (protocol, port) may be taken once per node IP; 0.0.0.0 claims every IP. */
import type { NodeInfo } from '../framework/node-info.js';
import type { HostPort, PodInfo } from '../framework/pod-info.js';
import { Code, frozenStatus, skip, success, type Status } from '../framework/status.js';
import type { CycleState, FilterPlugin, PreFilterPlugin } from '../framework/types.js';

export const nodePortsReason = "node(s) didn't have free ports for the requested pod ports";
const rejected = frozenStatus(Code.Unschedulable, nodePortsReason);

function conflicts(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0';
}

export const nodePorts = {
  name: 'NodePorts',
  preFilter(_state: CycleState, pod: PodInfo): Status {
    return pod.hostPorts.length ? success : skip;
  },
  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    for (const want of pod.hostPorts) for (const used of node.usedPorts) if (conflicts(want, used)) return rejected;
    return success;
  },
} satisfies PreFilterPlugin & FilterPlugin;

/**
 * The FailedScheduling message, worded as kube-scheduler 1.30 words it:
 *
 *   0/5 nodes are available: 2 node(s) had untolerated taint {k: v}, 3 node(s)
 *   didn't match Pod's node affinity/selector. preemption: 0/5 nodes are
 *   available: 5 Preemption is not helpful for scheduling.
 *
 * Reasons are counted over nodes, printed as "<count> <reason>" and sorted as
 * strings (Go's sort.Strings), which is why "2 ..." precedes "3 ...". skiff
 * does not preempt; the preemption clause says what kube-scheduler's
 * DefaultPreemption says when it finds no victims: nodes rejected for
 * unresolvable reasons are "not helpful", the others have no lower-priority
 * victims.
 */
import { Code, type Status } from './status.js';

export const noNodesAvailableMessage = 'no nodes available to schedule pods';

function histogram(counts: Map<string, number>): string {
  const parts: string[] = [];
  for (const [reason, n] of counts) parts.push(`${n} ${reason}`);
  // Go's sort.Strings is a byte-wise sort; JS default sort on ASCII matches it.
  parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return parts.join(', ');
}

export interface FitDiagnosis {
  numAllNodes: number;
  /** The status of each rejected node. */
  nodeStatuses: Iterable<Status>;
  /** Set when a PreFilter rejected the pod outright (its reasons replace the per-node histogram). */
  preFilterMessage?: string;
}

export function fitErrorMessage(d: FitDiagnosis): string {
  if (d.numAllNodes === 0) return noNodesAvailableMessage;
  let msg = `0/${d.numAllNodes} nodes are available:`;
  const reasons = new Map<string, number>();
  const preemption = new Map<string, number>();
  for (const s of d.nodeStatuses) {
    for (const r of s.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
    const p = s.code === Code.Unschedulable ? 'No preemption victims found for incoming pod' : 'Preemption is not helpful for scheduling';
    preemption.set(p, (preemption.get(p) ?? 0) + 1);
  }
  if (d.preFilterMessage) msg += ` ${d.preFilterMessage}.`;
  else if (reasons.size > 0) msg += ` ${histogram(reasons)}.`;
  if (preemption.size > 0) msg += ` preemption: 0/${d.numAllNodes} nodes are available: ${histogram(preemption)}.`;
  return msg;
}

/** Pod status predicates and the "least valuable first" ordering controllers share (k8s.io/kubernetes/pkg/controller, podutil). */
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';

export function podReadyCondition(pod: Readonly<Pod>): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Readonly<Pod>): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** Ready for at least minReadySeconds (podutil.IsPodAvailable). */
export function isPodAvailable(pod: Readonly<Pod>, minReadySeconds: number, now: number): boolean {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  if (!c.lastTransitionTime) return false;
  return Date.parse(c.lastTransitionTime) + minReadySeconds * 1000 <= now;
}

/** Not finished and not being deleted (controller.IsPodActive). */
export function isPodActive(pod: Readonly<Pod>): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export function isPodTerminating(pod: Readonly<Pod>): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !!pod.metadata?.deletionTimestamp;
}

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function maxRestarts(p: Readonly<Pod>): number {
  let m = 0;
  for (const s of p.status?.containerStatuses ?? []) m = Math.max(m, s.restartCount ?? 0);
  return m;
}

function deletionCost(p: Readonly<Pod>): number {
  const v = p.metadata?.annotations?.['controller.kubernetes.io/pod-deletion-cost'];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

function time(s: string | undefined): number | undefined {
  return s ? Date.parse(s) : undefined;
}

/** Compares optional times: empty first, then later (newer) first. */
function newerFirst(a: number | undefined, b: number | undefined): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  // Kubernetes buckets by log2 of the age (LogarithmicScaleDown) so pods of
  // a similar age are treated as equal and the next rules decide.
  return b - a;
}

/**
 * ActivePodsWithRanks.Less: negative when `a` should be deleted before `b`.
 * `rank` counts the controller's pods on the same node (more colocated
 * pods: delete first, spreading what remains).
 *  1. unassigned < assigned
 *  2. Pending < Unknown < Running
 *  3. not ready < ready
 *  4. lower pod-deletion-cost < higher
 *  5. higher rank (doubled up) < lower
 *  6. ready for a shorter time < longer
 *  7. more restarts < fewer
 *  8. newer < older (no creation time first)
 */
export function compareForDeletion(a: Readonly<Pod>, b: Readonly<Pod>, rankA = 0, rankB = 0): number {
  const an = a.spec?.nodeName ? 1 : 0;
  const bn = b.spec?.nodeName ? 1 : 0;
  if (an !== bn) return an - bn;
  const ap = phaseRank[a.status?.phase ?? 'Pending'] ?? 0;
  const bp = phaseRank[b.status?.phase ?? 'Pending'] ?? 0;
  if (ap !== bp) return ap - bp;
  const ar = isPodReady(a) ? 1 : 0;
  const br = isPodReady(b) ? 1 : 0;
  if (ar !== br) return ar - br;
  const ac = deletionCost(a);
  const bc = deletionCost(b);
  if (ac !== bc) return ac - bc;
  if (rankA !== rankB) return rankB - rankA;
  if (ar === 1 && br === 1) {
    const d = newerFirst(time(podReadyCondition(a)?.lastTransitionTime), time(podReadyCondition(b)?.lastTransitionTime));
    if (d !== 0) return d;
  }
  const arc = maxRestarts(a);
  const brc = maxRestarts(b);
  if (arc !== brc) return brc - arc;
  const d = newerFirst(time(a.metadata?.creationTimestamp), time(b.metadata?.creationTimestamp));
  if (d !== 0) return d;
  // Stable and deterministic across syncs: by name.
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/**
 * The `count` pods to delete first among `pods`; ranks count how many of
 * `related` (pods of sibling ReplicaSets too) share each pod's node.
 */
export function podsToDelete<P extends Readonly<Pod>>(pods: readonly P[], related: readonly Readonly<Pod>[], count: number): P[] {
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) {
    const n = p.spec?.nodeName;
    if (n && isPodActive(p)) onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  const rank = (p: Readonly<Pod>) => (p.spec?.nodeName ? (onNode.get(p.spec.nodeName) ?? 0) : 0);
  return [...pods].sort((a, b) => compareForDeletion(a, b, rank(a), rank(b))).slice(0, count);
}

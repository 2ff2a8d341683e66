/** Pure rules of the node lifecycle controller, separate from the API plumbing so tests can table them. */
import type { Node, NodeCondition, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { toleratesTaint } from '../../scheduler/framework/tolerations.js';

export const unreachableTaintKey = 'node.kubernetes.io/unreachable';
export const notReadyTaintKey = 'node.kubernetes.io/not-ready';
/** Added while spec.unschedulable is set (kubectl cordon), as Kubernetes' controller does. */
export const unschedulableTaintKey = 'node.kubernetes.io/unschedulable';
const ownKeys = new Set([unreachableTaintKey, notReadyTaintKey, unschedulableTaintKey]);

export function readyCondition(node: Readonly<Node>): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

/** The condition-driven taints a node should carry: none when Ready, else NoSchedule + NoExecute for its state. */
export function desiredTaints(node: Readonly<Node>, now: string): Taint[] {
  const ready = readyCondition(node);
  const key = ready?.status === 'Unknown' ? unreachableTaintKey : ready?.status === 'False' ? notReadyTaintKey : undefined;
  const others = (node.spec?.taints ?? []).filter((t) => !ownKeys.has(t.key));
  if (node.spec?.unschedulable) {
    others.push((node.spec.taints ?? []).find((t) => t.key === unschedulableTaintKey && t.effect === 'NoSchedule') ?? { key: unschedulableTaintKey, effect: 'NoSchedule', timeAdded: now });
  }
  if (!key) return others;
  const kept = (node.spec?.taints ?? []).filter((t) => t.key === key);
  const noExec = kept.find((t) => t.effect === 'NoExecute') ?? { key, effect: 'NoExecute', timeAdded: now };
  const noSched = kept.find((t) => t.effect === 'NoSchedule') ?? { key, effect: 'NoSchedule' };
  return [...others, noSched, noExec];
}

export function sameTaints(a: readonly Taint[] | undefined, b: readonly Taint[] | undefined): boolean {
  const s = (ts: readonly Taint[] | undefined) =>
    (ts ?? [])
      .map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`)
      .sort()
      .join(',');
  return s(a) === s(b);
}

/**
 * When the taint manager evicts a pod from a node with NoExecute taints
 * (ms since epoch): now for an untolerated taint, taint.timeAdded + the
 * smallest tolerationSeconds among the tolerations used, or never
 * (undefined) when every toleration is unbounded.
 */
export function evictionTime(pod: Readonly<Pod>, taints: readonly Taint[], now: number): number | undefined {
  let at: number | undefined;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const tols = (pod.spec?.tolerations ?? []).filter((t) => toleratesTaint(t, taint));
    if (tols.length === 0) return now;
    let minSeconds: number | undefined;
    for (const t of tols) {
      if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
      const s = Math.max(0, t.tolerationSeconds);
      if (minSeconds === undefined || s < minSeconds) minSeconds = s;
    }
    if (minSeconds === undefined) continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : now;
    const when = (Number.isNaN(added) ? now : added) + minSeconds * 1000;
    if (at === undefined || when < at) at = when;
  }
  return at;
}

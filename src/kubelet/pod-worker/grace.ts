/**
 * How long a container gets to stop, in seconds: the numbers the kubelet
 * uses when a pod is deleted, when a probe fails, and after a preStop hook.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

/** What a pod removed from the API without us (grace 0 --force) still gets, like the kubelet. */
export const FORCED_GRACE_SECONDS = 1;
/** The kubelet's floor for what is left of a grace period after preStop. */
export const MIN_GRACE_SECONDS = 2;
const DEFAULT_GRACE_SECONDS = 30;

/** The pod's own grace period (spec.terminationGracePeriodSeconds, default 30). */
export const podGrace = (pod: Pod) => pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;

/**
 * The grace period for stopping a pod being deleted: the deletion's, else the
 * pod's. A pod already gone from the API (forced) gets at most 1 s; a static
 * pod whose file went away stops with its full grace period.
 */
export function deletionGrace(pod: Pod, gone: boolean, isStatic: boolean): number {
  const g = Math.max(0, pod.metadata?.deletionGracePeriodSeconds ?? podGrace(pod));
  return gone && !isStatic ? Math.min(g, FORCED_GRACE_SECONDS) : g;
}

/** The grace period for killing a container whose liveness or startup probe failed: the probe's own, else the pod's. */
export function probeKillGrace(pod: Pod, container: string, type: 'liveness' | 'startup'): number {
  const spec = pod.spec?.containers?.find((c) => c.name === container);
  const probe = type === 'liveness' ? spec?.livenessProbe : spec?.startupProbe;
  return probe?.terminationGracePeriodSeconds ?? podGrace(pod);
}

/** What is left of `grace` once a preStop hook took `elapsedMs`: whole seconds, never under the kubelet's 2 s floor. */
export function graceAfterHook(grace: number, elapsedMs: number): number {
  return Math.max(MIN_GRACE_SECONDS, grace - Math.floor(elapsedMs / 1000));
}

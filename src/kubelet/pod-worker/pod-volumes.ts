/**
 * A pod's volumes on this node: set up once its sandbox exists, then
 * configMap/secret/downwardAPI/projected volumes rewritten when their
 * refresh period has passed, or at once for downward API when the pod's
 * labels or annotations changed.
 */
import type { Pod, Volume } from 'kubernetes-types/core/v1.js';
import { isProjection, setUpVolumes } from '../volumes.js';
import type { WorkerContext } from './context.js';
import { volumeSources } from './sources.js';
import { podKey, type Worker } from './worker.js';

const DEFAULT_REFRESH_MS = 10_000;

const downwardKeyOf = (pod: Pod) => JSON.stringify([pod.metadata?.labels ?? {}, pod.metadata?.annotations ?? {}]);
const hasDownward = (v: Volume) => !!(v.downwardAPI || v.projected?.sources?.some((s) => s.downwardAPI));

export const refreshMs = (ctx: WorkerContext) => ctx.d.volumeRefreshMs ?? DEFAULT_REFRESH_MS;

/** Whether the pod has volumes that follow their sources (and so wants a periodic sync). */
export const hasRefreshedVolumes = (pod: Pod) => !!pod.spec?.volumes?.some(isProjection);

/** Volumes bound to read-only claims, mounted read-only in every container. */
export function readOnlyVolumes(pod: Pod): Set<string> {
  return new Set((pod.spec?.volumes ?? []).filter((v) => v.persistentVolumeClaim?.readOnly).map((v) => v.name));
}

/**
 * Sets up the pod's volumes the first time, refreshes them afterwards. A
 * failed set-up records a FailedMount event and returns false (nothing may
 * start yet); a failed refresh keeps the old content.
 */
export async function mountVolumes(ctx: WorkerContext, w: Worker, pod: Pod, podIP: string | undefined): Promise<boolean> {
  if (w.volumes) {
    await refreshVolumes(ctx, w, podIP);
    return true;
  }
  try {
    const sources = volumeSources(ctx, pod, podIP);
    await sources.ready;
    w.volumes = setUpVolumes(ctx.d.dataDir, pod, sources);
    w.volumesAt = Date.now();
    w.downwardKey = downwardKeyOf(pod);
    return true;
  } catch (err) {
    ctx.event(pod, { type: 'Warning', reason: 'FailedMount', message: `MountVolume.SetUp failed: ${(err as Error).message}` });
    return false;
  }
}

async function refreshVolumes(ctx: WorkerContext, w: Worker, podIP: string | undefined): Promise<void> {
  const pod = w.pod;
  const vols = pod.spec?.volumes ?? [];
  if (!vols.some(isProjection)) return;
  const labelsChanged = vols.some(hasDownward) && downwardKeyOf(pod) !== w.downwardKey;
  if (!labelsChanged && Date.now() - w.volumesAt < refreshMs(ctx)) return;
  w.volumesAt = Date.now();
  try {
    const sources = volumeSources(ctx, pod, podIP, isProjection);
    await sources.ready;
    setUpVolumes(ctx.d.dataDir, pod, sources, isProjection);
    w.downwardKey = downwardKeyOf(pod);
  } catch (err) {
    ctx.d.log.debug({ pod: podKey(pod), err: (err as Error).message }, 'volume refresh failed; keeping the old content');
  }
}

/**
 * Ending a pod on this node: the graceful deletion (TERM, wait up to the
 * grace period, KILL, confirm with a delete at grace 0), shortening a
 * pending graceful kill when the pod is forced away, giving back the sandbox
 * of a pod that finished, and removing what the runtime holds for a pod.
 */
import { isStatusError } from '../../api/errors.js';
import { resources } from '../../client/index.js';
import { isCriNotFound } from '../../cri/index.js';
import type { PodRuntime } from '../pod-status.js';
import { removePodDir } from '../volumes.js';
import type { WorkerContext } from './context.js';
import { deletionGrace, FORCED_GRACE_SECONDS } from './grace.js';
import { killContainers } from './kill.js';
import { publishStatus } from './status.js';
import type { Worker } from './worker.js';

/** The deletion flow: TERM, wait up to the grace period, KILL, then delete with grace 0. */
export async function terminate(ctx: WorkerContext, w: Worker): Promise<void> {
  const pod = w.pod;
  ctx.probes.removePod(w.uid);
  const rt = await ctx.runtimeOf(w.uid);
  await killContainers(ctx, w, rt, deletionGrace(w.pod, w.gone, w.static));
  for (const s of rt.sandboxes) {
    await ctx.d.cri.stopPodSandbox(s.id).catch((err) => {
      if (!isCriNotFound(err)) throw err;
    });
  }
  if (!w.gone && !w.static) {
    // The last status shows the containers terminated before the object goes.
    const after = await ctx.runtimeOf(w.uid);
    await publishStatus(ctx, w, { sandboxes: after.sandboxes.map((s) => ({ ...s, ready: false })), containers: after.containers }).catch(() => undefined);
    try {
      await ctx.d.client.resource(resources.pods, pod.metadata!.namespace).delete(pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: w.uid } });
    } catch (err) {
      if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
    }
  }
  await removePod(ctx, w.uid);
  w.finished = true;
}

/** Forced away while a graceful kill is still waiting: stop what runs with the forced grace period. */
export async function forceKill(ctx: WorkerContext, uid: string): Promise<void> {
  try {
    const rt = await ctx.runtimeOf(uid);
    await Promise.all(rt.containers.filter((c) => c.state === 'running').map((c) => ctx.d.cri.stopContainer(c.id, FORCED_GRACE_SECONDS)));
  } catch (err) {
    ctx.d.log.debug({ uid, err: (err as Error).message }, 'force kill failed');
  }
}

/** A Succeeded or Failed pod keeps its exited containers (for logs) but gives back the sandbox and its IP. */
export async function releaseFinishedPod(ctx: WorkerContext, w: Worker, rt: PodRuntime): Promise<void> {
  ctx.probes.removePod(w.uid);
  await killContainers(ctx, w, rt, 0, false);
  for (const s of rt.sandboxes.filter((s) => s.ready)) await ctx.d.cri.stopPodSandbox(s.id);
}

/** Removes every runtime object of a pod and its directories. */
export async function removePod(ctx: WorkerContext, uid: string): Promise<void> {
  const rt = await ctx.runtimeOf(uid);
  for (const c of rt.containers) await ctx.d.cri.removeContainer(c.id).catch(() => undefined);
  for (const s of rt.sandboxes) {
    await ctx.d.cri.stopPodSandbox(s.id).catch(() => undefined);
    await ctx.d.cri.removePodSandbox(s.id).catch(() => undefined);
  }
  removePodDir(ctx.d.dataDir, uid);
}

/** Kills and removes what the runtime still holds for a pod the agent does not know (force-deleted while away). */
export async function reapOrphan(ctx: WorkerContext, uid: string, grace: number): Promise<void> {
  const rt = await ctx.runtimeOf(uid);
  await Promise.all(rt.containers.filter((c) => c.state === 'running').map((c) => ctx.d.cri.stopContainer(c.id, grace).catch(() => undefined)));
  await removePod(ctx, uid);
}

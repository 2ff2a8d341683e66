/**
 * One level-based pass of a pod's worker: read the runtime's state for the
 * pod and take one step toward its spec, whatever woke the worker. A pod
 * being deleted is terminated; a finished one gives back its sandbox;
 * otherwise the sandbox, the volumes, kills asked for by failed probes, the
 * containers the restart policy wants started, then the status. Whatever
 * holds the pod back schedules its own next look (ctx.trigger with a delay).
 */
import type { WorkerContext } from './context.js';
import { killProbeFailures } from './kill.js';
import { hasRefreshedVolumes, mountVolumes, refreshMs } from './pod-volumes.js';
import { planContainers } from './restart-policy.js';
import { collectGarbage, scopeToSandbox } from './runtime.js';
import { ensureSandbox } from './sandbox.js';
import { startContainer } from './start-container.js';
import { publishStatus } from './status.js';
import { releaseFinishedPod, terminate } from './termination.js';
import type { Worker } from './worker.js';

const RETRY_MS = 5000;
/** A pod that just finished is looked at again at once, to give back its sandbox. */
const FINISHED_MS = 10;

export async function syncPod(ctx: WorkerContext, w: Worker): Promise<void> {
  const pod = w.pod;
  if (w.gone || pod.metadata?.deletionTimestamp) {
    await terminate(ctx, w);
    return;
  }
  const listed = await ctx.runtimeOf(w.uid);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    await releaseFinishedPod(ctx, w, listed);
    return;
  }

  const got = await ensureSandbox(ctx, w, pod, listed);
  if ('finished' in got || 'failed' in got) {
    await publishStatus(ctx, w, listed);
    if ('failed' in got) ctx.trigger(w.uid, RETRY_MS);
    return;
  }
  const sandbox = got.sandbox;
  let rt = got.rt;

  if (!(await mountVolumes(ctx, w, pod, sandbox.ip))) {
    // Until the volumes are there every container shows ContainerCreating, like the kubelet.
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) w.waiting.set(c.name, { reason: 'ContainerCreating' });
    await publishStatus(ctx, w, rt);
    w.waiting.clear();
    ctx.trigger(w.uid, RETRY_MS);
    return;
  }

  rt = await killProbeFailures(ctx, w, pod, rt, sandbox);

  let changed = false;
  for (const step of planContainers(pod, rt)) {
    if (step.action === 'settled') w.waiting.delete(step.name);
    else changed = (await startContainer(ctx, w, step.container, step.latest, sandbox.id, sandbox.ip, step.isInit)) || changed;
  }
  if (changed) rt = scopeToSandbox(rt, sandbox.id, await ctx.runtimeOf(w.uid));
  ctx.probes.sync(
    pod,
    rt.containers.filter((c) => c.state === 'running').map((c) => ({ name: c.name, id: c.id, startedAt: c.startedAt })),
    pod.spec?.hostNetwork ? ctx.d.hostIP() : sandbox.ip,
  );
  const status = await publishStatus(ctx, w, rt);
  if (status?.phase === 'Succeeded' || status?.phase === 'Failed') ctx.trigger(w.uid, FINISHED_MS);
  else if (hasRefreshedVolumes(pod)) ctx.trigger(w.uid, refreshMs(ctx));
  await collectGarbage(ctx.d.cri, rt);
}

/**
 * Starting a container's next attempt, each gate in the kubelet's order:
 * crash-loop back-off, the image, env and mounts, create, start, then the
 * postStart hook. A gate that holds the container back records why on the
 * worker (the waiting reason the status shows) and schedules the next look.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { ensureImage } from '../image-puller.js';
import { runHook, terminationMessageMount } from '../lifecycle/index.js';
import type { RuntimeContainer } from '../pod-status.js';
import { containerConfig, EnvError, resolveEnv } from '../runtime-config.js';
import { containerMounts, podDir, VolumeError } from '../volumes.js';
import type { WorkerContext } from './context.js';
import { podGrace } from './grace.js';
import { killContainer } from './kill.js';
import { readOnlyVolumes } from './pod-volumes.js';
import { envSources, pullSecrets } from './sources.js';
import { fieldPathOf, type Worker } from './worker.js';

/** How the kubelet names a pod in back-off messages: `name_namespace(uid)`. */
const backOffName = (pod: Pod, uid: string) => `${pod.metadata!.name}_${pod.metadata!.namespace}(${uid})`;

/**
 * When to look again after a failed image pull: ErrImagePull shows for a
 * moment (at most 2 s), then ImagePullBackOff until the back-off lets the
 * next pull through; other reasons (ErrImageNeverPull...) in 10 s, as the
 * image may have been imported meanwhile.
 */
export function pullRetryDelayMs(reason: string, backoffLeftMs: number): number {
  if (reason === 'ErrImagePull') return Math.min(backoffLeftMs, 2000);
  if (reason === 'ImagePullBackOff') return backoffLeftMs + 10;
  return 10_000;
}

/** Starts the next attempt of a container unless something holds it back; true when it created one. */
export async function startContainer(
  ctx: WorkerContext,
  w: Worker,
  c: Container,
  latest: RuntimeContainer | undefined,
  sandboxId: string,
  podIP: string | undefined,
  isInit: boolean,
): Promise<boolean> {
  const pod = w.pod;
  const fieldPath = fieldPathOf(pod, c.name);
  if (latest?.state === 'exited') {
    const key = `${w.uid}/${c.name}`;
    const left = ctx.crashBackoff.remaining(key);
    if (left > 0) {
      const delay = ctx.crashBackoff.delay(key) / 1000;
      const who = backOffName(pod, w.uid);
      w.waiting.set(c.name, { reason: 'CrashLoopBackOff', message: `back-off ${delay}s restarting failed container=${c.name} pod=${who}` });
      // One BackOff event per back-off period, not one per sync.
      const lastEv = w.backoffEventAt.get(c.name) ?? 0;
      if (Date.now() - lastEv > left) {
        w.backoffEventAt.set(c.name, Date.now());
        ctx.event(pod, { type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${c.name} in pod ${who}`, fieldPath });
      }
      ctx.trigger(w.uid, left + 10);
      return false;
    }
    ctx.crashBackoff.next(key);
  }
  const attempt = latest ? latest.attempt + 1 : 0;
  const pulled = await ensureImage(pod, c, fieldPath, w.sandboxConfig, {
    cri: ctx.d.cri,
    backoff: ctx.pullBackoff,
    event: (ev) => ctx.event(pod, ev),
    pullSecrets: (p) => pullSecrets(ctx, p),
    nodeAuth: ctx.d.nodeAuth,
  });
  if (!pulled.ok) {
    w.waiting.set(c.name, { reason: pulled.reason, message: pulled.message });
    ctx.trigger(w.uid, pullRetryDelayMs(pulled.reason, ctx.pullBackoff.remaining(`${w.uid}/${c.image}`)));
    return false;
  }
  let env;
  let mounts;
  try {
    env = resolveEnv(c, await envSources(ctx, pod, podIP));
    mounts = containerMounts(c, w.volumes ?? new Map(), readOnlyVolumes(pod));
    const tm = terminationMessageMount(podDir(ctx.d.dataDir, w.uid), c, attempt);
    if (tm && !mounts.some((m) => m.containerPath === tm.containerPath)) mounts.push(tm);
  } catch (err) {
    if (!(err instanceof EnvError) && !(err instanceof VolumeError)) throw err;
    const message = err.message;
    w.waiting.set(c.name, { reason: 'CreateContainerConfigError', message });
    ctx.event(pod, { type: 'Warning', reason: 'Failed', message: `Error: ${message}`, fieldPath });
    ctx.trigger(w.uid, 5000);
    return false;
  }
  const logPath = `${c.name}/${attempt}.log`;
  let id: string;
  try {
    id = await ctx.d.cri.createContainer(sandboxId, containerConfig(pod, c, { attempt, imageRef: pulled.imageRef, env, mounts, logPath, isInit }), w.sandboxConfig!);
  } catch (err) {
    const message = (err as { details?: string }).details ?? (err as Error).message;
    w.waiting.set(c.name, { reason: 'CreateContainerError', message });
    ctx.event(pod, { type: 'Warning', reason: 'Failed', message: `Error: ${message}`, fieldPath });
    ctx.trigger(w.uid, 5000);
    return false;
  }
  ctx.event(pod, { type: 'Normal', reason: 'Created', message: `Created container ${c.name}`, fieldPath });
  try {
    await ctx.d.cri.startContainer(id);
  } catch (err) {
    // The instance exists all the same: report a change so the sync relists and shows it.
    const message = (err as { details?: string }).details ?? (err as Error).message;
    ctx.event(pod, { type: 'Warning', reason: 'Failed', message: `Error: ${message}`, fieldPath });
    w.waiting.delete(c.name);
    return true;
  }
  ctx.event(pod, { type: 'Normal', reason: 'Started', message: `Started container ${c.name}`, fieldPath });
  w.waiting.delete(c.name);
  if (!isInit && c.lifecycle?.postStart) {
    // The worker waits here: the container is not reported Running before its postStart completes.
    const res = await runHook(c.lifecycle.postStart, { cri: ctx.d.cri, pod, container: c, containerId: id, podIP: pod.spec?.hostNetwork ? ctx.d.hostIP() : podIP }, 0, w.abort.signal);
    if (!res.ok && !w.abort.signal.aborted) {
      ctx.event(pod, { type: 'Warning', reason: 'FailedPostStartHook', message: res.message, fieldPath });
      await killContainer(ctx, w, c.name, id, podGrace(pod), podIP, 'FailedPostStartHook');
    }
  }
  return true;
}

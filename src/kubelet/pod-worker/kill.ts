/**
 * Stopping container instances the kubelet's way: a Killing event, the
 * preStop hook within the grace period, then the stop signal with what is
 * left of it, then KILL. Used for deletion, failed probes and failed
 * postStart hooks alike.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isCriNotFound } from '../../cri/index.js';
import { runHook } from '../lifecycle/index.js';
import type { PodRuntime, RuntimeSandbox } from '../pod-status.js';
import type { WorkerContext } from './context.js';
import { graceAfterHook, probeKillGrace } from './grace.js';
import { scopeToSandbox } from './runtime.js';
import { fieldPathOf, type Worker } from './worker.js';

/** Stops one running instance: Killing event, preStop, then the stop signal with what is left of `grace` (at least 2 s after a hook). */
export async function killContainer(ctx: WorkerContext, w: Worker, name: string, id: string, grace: number, podIP: string | undefined, message?: string): Promise<void> {
  const pod = w.pod;
  const fieldPath = fieldPathOf(pod, name);
  ctx.event(pod, { type: 'Normal', reason: 'Killing', message: message ?? `Stopping container ${name}`, fieldPath });
  const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
  let left = grace;
  if (spec?.lifecycle?.preStop && grace > 0) {
    const t0 = Date.now();
    const res = await runHook(spec.lifecycle.preStop, { cri: ctx.d.cri, pod, container: spec, containerId: id, podIP: pod.spec?.hostNetwork ? ctx.d.hostIP() : podIP }, grace);
    if (!res.ok) ctx.event(pod, { type: 'Warning', reason: 'FailedPreStopHook', message: res.message, fieldPath });
    left = graceAfterHook(grace, Date.now() - t0);
  }
  try {
    await ctx.d.cri.stopContainer(id, left);
  } catch (err) {
    if (!isCriNotFound(err)) throw err;
  }
}

/**
 * Stops running (and created) containers, TERM then KILL after `grace`
 * seconds; with `events`, the kubelet's way (Killing, preStop). Without, a
 * quiet stop: replacing a sandbox or cleaning up a finished pod.
 */
export async function killContainers(ctx: WorkerContext, w: Worker, rt: PodRuntime, grace: number, events = true): Promise<void> {
  const running = rt.containers.filter((c) => c.state === 'running' || c.state === 'created');
  const ip = rt.sandboxes.find((s) => s.ready && s.ip)?.ip;
  await Promise.all(
    running.map(async (c) => {
      if (events && c.state === 'running') {
        await killContainer(ctx, w, c.name, c.id, grace, ip);
        return;
      }
      try {
        await ctx.d.cri.stopContainer(c.id, grace);
      } catch (err) {
        if (!isCriNotFound(err)) throw err;
      }
    }),
  );
}

/**
 * Kills the instances whose liveness or startup probe failed (the prober
 * queued them on the worker), with the grace periods of `pod` as this sync
 * saw it; returns the runtime state afterwards when it
 * killed any, else `rt`.
 */
export async function killProbeFailures(ctx: WorkerContext, w: Worker, pod: Pod, rt: PodRuntime, sandbox: RuntimeSandbox): Promise<PodRuntime> {
  if (!w.kills.size) return rt;
  const kills = [...w.kills];
  w.kills.clear();
  for (const [id, k] of kills) {
    const inst = rt.containers.find((c) => c.id === id);
    // Already replaced or stopped: nothing left to kill.
    if (inst?.state !== 'running') continue;
    await killContainer(ctx, w, k.name, id, probeKillGrace(pod, k.name, k.type), sandbox.ip, `Container ${k.name} failed ${k.type} probe, will be restarted`);
  }
  return scopeToSandbox(rt, sandbox.id, await ctx.runtimeOf(w.uid));
}

/**
 * The pod sandbox: the newest ready one is the pod's; when there is none, a
 * new attempt replaces the old ones (their containers stopped quietly, the
 * sandboxes stopped and removed), unless a finished pod has nothing left to
 * run. The sandbox's CRI config is kept on the worker for creating its
 * containers.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodRuntime, RuntimeSandbox } from '../pod-status.js';
import { sandboxConfig } from '../runtime-config.js';
import type { WorkerContext } from './context.js';
import { killContainers } from './kill.js';
import { nothingToRestart } from './restart-policy.js';
import { scopeToSandbox } from './runtime.js';
import type { Worker } from './worker.js';

/** Where the runtime writes the pod's container logs (the sandbox's log directory). */
export function podLogDir(dataDir: string, pod: Pod): string {
  return join(dataDir, 'agent', 'pod-logs', `${pod.metadata!.namespace}_${pod.metadata!.name}_${pod.metadata!.uid}`);
}

export function newestReadySandbox(rt: PodRuntime): RuntimeSandbox | undefined {
  return rt.sandboxes.filter((s) => s.ready).sort((a, b) => b.attempt - a.attempt)[0];
}

/** The attempt number of the next sandbox: one past the highest so far. */
export function nextSandboxAttempt(rt: PodRuntime): number {
  return rt.sandboxes.length ? Math.max(...rt.sandboxes.map((s) => s.attempt)) + 1 : 0;
}

export type SandboxOutcome =
  /** The pod's sandbox, and the runtime state scoped to it. */
  | { sandbox: RuntimeSandbox; rt: PodRuntime }
  /** No sandbox, and none is wanted: everything finished under Never/OnFailure. */
  | { finished: true }
  /** RunPodSandbox failed (a FailedCreatePodSandBox event says why): try again later. */
  | { failed: true };

/** The pod's sandbox, created when there is no ready one. */
export async function ensureSandbox(ctx: WorkerContext, w: Worker, pod: Pod, rt: PodRuntime): Promise<SandboxOutcome> {
  let sandbox = newestReadySandbox(rt);
  if (!sandbox) {
    if (rt.sandboxes.length && nothingToRestart(pod, rt)) return { finished: true };
    const attempt = nextSandboxAttempt(rt);
    await killContainers(ctx, w, rt, 0, false);
    for (const s of rt.sandboxes) {
      await ctx.d.cri.stopPodSandbox(s.id).catch(() => undefined);
      await ctx.d.cri.removePodSandbox(s.id).catch(() => undefined);
    }
    const logDirectory = podLogDir(ctx.d.dataDir, pod);
    mkdirSync(logDirectory, { recursive: true });
    const cfg = sandboxConfig(pod, { logDirectory, clusterDNS: ctx.d.clusterDNS, clusterDomain: ctx.d.clusterDomain, attempt });
    try {
      await ctx.d.cri.runPodSandbox(cfg);
    } catch (err) {
      const msg = (err as { details?: string }).details ?? (err as Error).message;
      ctx.event(pod, { type: 'Warning', reason: 'FailedCreatePodSandBox', message: `Failed to create pod sandbox: ${msg}` });
      return { failed: true };
    }
    w.sandboxConfig = cfg;
    rt = await ctx.runtimeOf(w.uid);
    sandbox = newestReadySandbox(rt);
    if (!sandbox) throw new Error('sandbox not ready after RunPodSandbox');
  }
  // After an agent restart the worker has not made the sandbox itself: rebuild its config.
  w.sandboxConfig ??= sandboxConfig(pod, {
    logDirectory: podLogDir(ctx.d.dataDir, pod),
    clusterDNS: ctx.d.clusterDNS,
    clusterDomain: ctx.d.clusterDomain,
    attempt: sandbox.attempt,
  });
  return { sandbox, rt: scopeToSandbox(rt, sandbox.id) };
}

/**
 * A pod's state as the container runtime holds it: its sandboxes and
 * container instances, listed by the pod UID label and turned into the
 * PodRuntime snapshot that status computation and restart decisions read.
 */
import type { ContainerStatus as CriContainerStatus, CriClient } from '../../cri/index.js';
import { isCriNotFound, nanosToDate } from '../../cri/index.js';
import { instancesOf, type PodRuntime, type RuntimeContainer } from '../pod-status.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID } from '../runtime-config.js';

function criState(s: string): RuntimeContainer['state'] {
  return s === 'CONTAINER_RUNNING' ? 'running' : s === 'CONTAINER_EXITED' ? 'exited' : s === 'CONTAINER_CREATED' ? 'created' : 'unknown';
}

/** A pod's sandboxes and containers with their states, order-independent (see PodWorkers.observedSignature). */
export function runtimeSignature(sandboxes: { id: string; state: string }[], containers: { id: string; state: string }[]): string {
  return [...sandboxes.map((s) => `s${s.id}:${s.state}`), ...containers.map((c) => `c${c.id}:${c.state}`)].sort().join(',');
}

export function runtimeContainerOf(s: CriContainerStatus, sandboxId: string): RuntimeContainer {
  return {
    id: s.id,
    sandboxId,
    name: s.metadata?.name ?? s.labels?.[LABEL_CONTAINER_NAME] ?? '',
    attempt: s.metadata?.attempt ?? 0,
    state: criState(s.state),
    createdAt: nanosToDate(s.createdAt),
    startedAt: nanosToDate(s.startedAt),
    finishedAt: nanosToDate(s.finishedAt),
    exitCode: s.exitCode,
    reason: s.reason,
    message: s.message,
    image: s.image?.image ?? '',
    imageRef: s.imageRef || s.imageId || '',
  };
}

/**
 * Lists the pod's runtime objects; `listed` gets their signature as soon as
 * the listing is in, before the per-object status calls (which may fail).
 */
export async function listPodRuntime(cri: CriClient, uid: string, listed: (signature: string) => void): Promise<PodRuntime> {
  const [sandboxes, containers] = await Promise.all([
    cri.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: uid } }),
    cri.listContainers({ labelSelector: { [LABEL_POD_UID]: uid } }),
  ]);
  listed(runtimeSignature(sandboxes, containers));
  // The status calls are independent: one round trip's wait, not one per object, on a busy runtime.
  const [sbs, cs] = await Promise.all([
    Promise.all(
      sandboxes.map(async (s) => {
        const ready = s.state === 'SANDBOX_READY';
        let ip: string | undefined;
        if (ready) {
          try {
            ip = (await cri.podSandboxStatus(s.id)).status.network?.ip || undefined;
          } catch (err) {
            if (!isCriNotFound(err)) throw err;
          }
        }
        return { id: s.id, attempt: s.metadata?.attempt ?? 0, ready, ip, createdAt: nanosToDate(s.createdAt) };
      }),
    ),
    Promise.all(
      containers.map(async (c) => {
        try {
          return runtimeContainerOf((await cri.containerStatus(c.id)).status, c.podSandboxId);
        } catch (err) {
          if (!isCriNotFound(err)) throw err;
          return undefined;
        }
      }),
    ),
  ]);
  return { sandboxes: sbs, containers: cs.filter((c): c is RuntimeContainer => !!c) };
}

/** `rt`'s sandboxes with only the containers of sandbox `sandboxId` taken from `from`: containers of older sandboxes no longer count. */
export function scopeToSandbox(rt: PodRuntime, sandboxId: string, from: PodRuntime = rt): PodRuntime {
  return { sandboxes: rt.sandboxes, containers: from.containers.filter((c) => c.sandboxId === sandboxId) };
}

/** Exited instances past the newest two of each container (current and previous, for logs --previous). */
export function garbageInstances(rt: PodRuntime): RuntimeContainer[] {
  const names = new Set(rt.containers.map((c) => c.name));
  return [...names].flatMap((name) => instancesOf(rt, name).slice(2).filter((c) => c.state === 'exited'));
}

export async function collectGarbage(cri: CriClient, rt: PodRuntime): Promise<void> {
  for (const c of garbageInstances(rt)) await cri.removeContainer(c.id).catch(() => undefined);
}

/**
 * Lifecycle hooks. postStart runs right after a container starts; the pod
 * worker waits for it, so the container is not reported Running before it
 * completes, and a failure kills the container (FailedPostStartHook).
 * preStop runs before the stop signal, within the grace period; a failure
 * is reported (FailedPreStopHook) and the stop goes on. Messages follow the
 * kubelet's wording.
 */
import type { Container, LifecycleHandler, Pod } from 'kubernetes-types/core/v1.js';
import type { CriClient } from '../../cri/index.js';
import { handlerKind, hookHandler, runHandler } from '../handlers/index.js';

export interface HookTarget {
  cri: CriClient;
  pod: Pod;
  container: Container;
  containerId: string;
  podIP: string | undefined;
}

export interface HookResult {
  ok: boolean;
  /** The event message on failure. */
  message: string;
}

const formatPod = (pod: Pod) => `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;

/**
 * Runs a hook; `timeoutSeconds` 0 means no limit of its own (postStart);
 * `signal` abandons it (the pod is being deleted while it still runs).
 */
export async function runHook(h: LifecycleHandler, t: HookTarget, timeoutSeconds: number, signal?: AbortSignal): Promise<HookResult> {
  const kind = handlerKind(h);
  const work = runHandler(hookHandler(h), { cri: t.cri, container: t.container, containerId: t.containerId, podIP: t.podIP }, timeoutSeconds, {
    what: 'HTTP lifecycle hook failed',
    signal,
  });
  const aborted = new Promise<{ ok: boolean; output: string }>((resolve) => {
    if (signal?.aborted) resolve({ ok: false, output: 'pod is being deleted' });
    signal?.addEventListener('abort', () => resolve({ ok: false, output: 'pod is being deleted' }));
  });
  const timed =
    timeoutSeconds > 0
      ? new Promise<{ ok: boolean; output: string }>((resolve) => setTimeout(() => resolve({ ok: false, output: `hook did not complete within ${timeoutSeconds}s` }), timeoutSeconds * 1000).unref())
      : new Promise<never>(() => undefined);
  const res = await Promise.race([work, aborted, timed]);
  if (res.ok) return { ok: true, message: '' };
  const who = `for Container ${JSON.stringify(t.container.name)} in Pod ${JSON.stringify(formatPod(t.pod))}`;
  if (kind === 'exec') {
    return { ok: false, message: `Exec lifecycle hook ([${(h.exec?.command ?? []).join(' ')}]) ${who} failed - error: ${res.output.trimEnd()}, message: ""` };
  }
  if (kind === 'httpGet') return { ok: false, message: `HTTP lifecycle hook (${h.httpGet?.path ?? ''}) ${who} failed - error: ${res.output}` };
  if (kind === 'sleep') return { ok: false, message: `Sleep lifecycle hook (${h.sleep?.seconds}) ${who} failed - error: ${res.output}` };
  return { ok: false, message: `Lifecycle hook ${who} failed - error: ${res.output}` };
}

/**
 * What a hollow node does with the pods bound to it, through the API like a
 * real kubelet: report them Running (and Ready, maybe after
 * `skiff.dev/hollow-ready-after`), let them exit after
 * `skiff.dev/hollow-exit-after` with `skiff.dev/hollow-exit-code` (Succeeded
 * or Failed per restartPolicy, or a restart), and finish graceful deletion by
 * deleting with grace period 0 once a deletionTimestamp appears.
 *
 * Status writes for one pod are serialized; writes across pods share the
 * agent's bounded pool.
 */
import type { ContainerStatus, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import { resources, type Client } from '../../client/index.js';
import type { Logger } from '../../util/log.js';
import { hostIP, podCIDR, rfc3339 } from './node-object.js';
import { parseDuration, type Pool } from './pool.js';

export const readyAfterAnnotation = 'skiff.dev/hollow-ready-after';
export const exitAfterAnnotation = 'skiff.dev/hollow-exit-after';
export const exitCodeAnnotation = 'skiff.dev/hollow-exit-code';

/** Restart delay after a container "exits" under restartPolicy Always/OnFailure. */
const restartDelayMs = 1000;

interface Tracked {
  uid: string;
  node: HollowNodeRef;
  ip: string;
  started?: string;
  restarts: number;
  timers: NodeJS.Timeout[];
  chain: Promise<void>;
  /** Set once we have reported a terminal phase or started deleting. */
  done: boolean;
  deleting: boolean;
}

export interface HollowNodeRef {
  name: string;
  index: number;
  /** Next host octet to hand out, and the ones freed. */
  nextIP: number;
  freeIPs: number[];
}

function allocateIP(n: HollowNodeRef): string {
  const last = n.freeIPs.pop() ?? (n.nextIP <= 254 ? n.nextIP++ : 254);
  return `${podCIDR(n.index).prefix}.${last}`;
}

function releaseIP(n: HollowNodeRef, ip: string): void {
  const last = Number(ip.slice(ip.lastIndexOf('.') + 1));
  if (last >= 2 && last <= 254) n.freeIPs.push(last);
}

export class HollowPods {
  private readonly tracked = new Map<string, Tracked>();
  private stopped = false;

  constructor(
    private readonly client: Client,
    private readonly pool: Pool,
    private readonly log: Logger,
  ) {}

  /** An add or update of a pod bound to one of our nodes. */
  observe(pod: Readonly<Pod>, node: HollowNodeRef): void {
    if (this.stopped) return;
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    let t = this.tracked.get(key);
    if (t && t.uid !== pod.metadata?.uid) {
      this.forget(key);
      t = undefined;
    }
    if (!t) {
      t = { uid: pod.metadata?.uid ?? '', node, ip: allocateIP(node), restarts: 0, timers: [], chain: Promise.resolve(), done: false, deleting: false };
      this.tracked.set(key, t);
      if (!pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') this.start(key, pod, t);
    }
    if (pod.metadata?.deletionTimestamp && !t.deleting) {
      t.deleting = true;
      this.clearTimers(t);
      this.enqueue(key, t, () => this.finishDeletion(pod));
    }
  }

  /** The pod is gone from the API (or left our node). */
  forget(key: string): void {
    const t = this.tracked.get(key);
    if (!t) return;
    this.clearTimers(t);
    releaseIP(t.node, t.ip);
    this.tracked.delete(key);
  }

  stop(): void {
    this.stopped = true;
    for (const key of [...this.tracked.keys()]) this.forget(key);
  }

  count(): number {
    return this.tracked.size;
  }

  private clearTimers(t: Tracked): void {
    for (const tm of t.timers) clearTimeout(tm);
    t.timers = [];
  }

  private later(t: Tracked, ms: number, fn: () => void): void {
    const tm = setTimeout(fn, ms);
    tm.unref();
    t.timers.push(tm);
  }

  private enqueue(key: string, t: Tracked, job: () => Promise<void>): void {
    t.chain = t.chain
      .then(() => (this.stopped || this.tracked.get(key) !== t ? undefined : this.pool.run(job)))
      .catch((err) => {
        if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) this.log.warn({ pod: key, err: String(err) }, 'hollow pod status write failed');
      });
  }

  private start(key: string, pod: Readonly<Pod>, t: Tracked): void {
    const readyAfter = parseDuration(pod.metadata?.annotations?.[readyAfterAnnotation]) ?? 0;
    t.started = rfc3339();
    this.enqueue(key, t, () => this.writeStatus(pod, t, readyAfter === 0 ? 'ready' : 'running'));
    if (readyAfter > 0) this.later(t, readyAfter, () => this.enqueue(key, t, () => this.writeStatus(pod, t, 'ready')));
    this.scheduleExit(key, pod, t);
  }

  private scheduleExit(key: string, pod: Readonly<Pod>, t: Tracked): void {
    const exitAfter = parseDuration(pod.metadata?.annotations?.[exitAfterAnnotation]);
    if (exitAfter === undefined) return;
    const code = Number(pod.metadata?.annotations?.[exitCodeAnnotation] ?? '0') || 0;
    this.later(t, exitAfter, () => {
      const policy = pod.spec?.restartPolicy ?? 'Always';
      const restart = policy === 'Always' || (policy === 'OnFailure' && code !== 0);
      if (!restart) {
        t.done = true;
        this.enqueue(key, t, () => this.writeStatus(pod, t, code === 0 ? 'succeeded' : 'failed', code));
        return;
      }
      t.restarts++;
      this.enqueue(key, t, () => this.writeStatus(pod, t, 'crashed', code));
      this.later(t, restartDelayMs, () => {
        this.enqueue(key, t, () => this.writeStatus(pod, t, 'ready'));
        this.scheduleExit(key, pod, t);
      });
    });
  }

  private async finishDeletion(pod: Readonly<Pod>): Promise<void> {
    const ns = pod.metadata?.namespace ?? 'default';
    try {
      await this.client.resource(resources.pods, ns).delete(pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
    }
  }

  private async writeStatus(pod: Readonly<Pod>, t: Tracked, state: 'running' | 'ready' | 'crashed' | 'succeeded' | 'failed', exitCode = 0): Promise<void> {
    const now = rfc3339();
    const ready = state === 'ready';
    const terminal = state === 'succeeded' || state === 'failed';
    const cond = (type: string, ok: boolean, reason?: string): PodCondition => ({
      type,
      status: ok ? 'True' : 'False',
      lastProbeTime: null as unknown as undefined,
      lastTransitionTime: now,
      ...(reason ? { reason } : {}),
    });
    const containerState = (): ContainerStatus['state'] => {
      if (state === 'running' || state === 'ready') return { running: { startedAt: t.started } };
      return {
        terminated: {
          exitCode,
          reason: exitCode === 0 ? 'Completed' : 'Error',
          startedAt: t.started,
          finishedAt: now,
        },
      };
    };
    const containerStatuses: ContainerStatus[] = (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: `hollow://${c.image ?? ''}`,
      containerID: `hollow://${t.uid}/${c.name}`,
      ready,
      started: state === 'running' || state === 'ready',
      restartCount: t.restarts,
      state: state === 'crashed' ? { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name}` } } : containerState(),
      ...(state === 'crashed' || (t.restarts > 0 && !terminal)
        ? { lastState: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: t.started, finishedAt: now } } }
        : {}),
    }));
    const initContainerStatuses: ContainerStatus[] = (pod.spec?.initContainers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: `hollow://${c.image ?? ''}`,
      containerID: `hollow://${t.uid}/${c.name}`,
      ready: true,
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: t.started, finishedAt: t.started } },
    }));
    const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
    const status = {
      phase: state === 'succeeded' ? 'Succeeded' : state === 'failed' ? 'Failed' : 'Running',
      conditions: [
        cond('PodReadyToStartContainers', !terminal),
        cond('Initialized', true, terminal ? 'PodCompleted' : undefined),
        cond('Ready', ready, ready ? undefined : notReadyReason),
        cond('ContainersReady', ready, ready ? undefined : notReadyReason),
        cond('PodScheduled', true),
      ],
      hostIP: hostIP(t.node.index),
      hostIPs: [{ ip: hostIP(t.node.index) }],
      podIP: pod.spec?.hostNetwork ? hostIP(t.node.index) : t.ip,
      podIPs: [{ ip: pod.spec?.hostNetwork ? hostIP(t.node.index) : t.ip }],
      startTime: t.started,
      containerStatuses,
      ...(initContainerStatuses.length ? { initContainerStatuses } : {}),
      qosClass: pod.status?.qosClass,
    };
    const ns = pod.metadata?.namespace ?? 'default';
    await this.client.resource(resources.pods, ns).patch(pod.metadata!.name!, 'merge', { status }, { subresource: 'status' });
  }
}

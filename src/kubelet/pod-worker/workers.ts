/**
 * PodWorkers: one serialized sync loop per pod UID. A wake-up while a sync
 * runs marks the worker dirty and the loop runs once more, so wake-ups are
 * never lost and never run a pod's syncs concurrently; delayed wake-ups
 * (back-off, retries, volume refresh) keep only the earliest timer. The
 * loop also owns the node-wide state the syncs share (probes, back-offs,
 * mirrors, the runtime state each worker last listed) and drops a pod's
 * share of it once its worker finishes.
 */
import { cpus, totalmem } from 'node:os';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Backoff } from '../backoff.js';
import { recordPodEvent } from '../events.js';
import { ProbeManager } from '../probes/index.js';
import type { PodWorkerDeps, WorkerContext } from './context.js';
import { asMirror, isMirrorPod, type MirrorHandler, type MirrorRef } from './mirror.js';
import { listPodRuntime } from './runtime.js';
import { syncPod } from './sync.js';
import { forceKill, reapOrphan } from './termination.js';
import { newWorker, podKey, type Worker } from './worker.js';

/** After a sync threw: try again in a second. */
const FAILED_SYNC_RETRY_MS = 1000;

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  /** uid → runtimeSignature() of the last listing. */
  private readonly observed = new Map<string, string>();
  private stopped = false;
  private mirrorHandler?: MirrorHandler;
  private readonly ctx: WorkerContext;

  constructor(d: PodWorkerDeps) {
    const mirrors = new Map<string, MirrorRef>();
    this.ctx = {
      d,
      mirrors,
      crashBackoff: new Backoff(10_000, 300_000),
      pullBackoff: new Backoff(10_000, 300_000),
      allocatable: { cpu: cpus().length, memory: totalmem(), ephemeralStorage: 0 },
      probes: new ProbeManager({
        cri: d.cri,
        event: (pod, ev) => this.ctx.event(pod, ev),
        onChange: (uid) => this.trigger(uid),
        onFailure: (uid, name, containerId, type) => {
          const w = this.workers.get(uid);
          if (!w) return;
          w.kills.set(containerId, { name, type });
          this.trigger(uid);
        },
      }),
      runtimeOf: (uid) => listPodRuntime(d.cri, uid, (signature) => void this.observed.set(uid, signature)),
      // A static pod's events are about its mirror, where kubectl describe looks.
      event: (pod, ev) => recordPodEvent(d.events, asMirror(pod, mirrors.get(pod.metadata?.uid ?? '')), ev),
      trigger: (uid, delayMs) => this.trigger(uid, delayMs),
    };
  }

  /**
   * The desired state changed (or is confirmed unchanged); `gone` when the
   * API no longer has the pod (or its manifest file is gone, for a static
   * pod). Mirror pods go to the mirror handler instead.
   */
  update(pod: Pod, gone = false, source: 'api' | 'file' = 'api'): void {
    if (this.stopped) return;
    if (source === 'api' && isMirrorPod(pod)) {
      this.mirrorHandler?.(pod, gone);
      return;
    }
    const uid = pod.metadata!.uid!;
    let w = this.workers.get(uid);
    if (!w) {
      w = newWorker(pod, gone, source === 'file');
      this.workers.set(uid, w);
    } else {
      const wasGone = w.gone;
      w.pod = pod;
      w.gone ||= gone;
      // Forced away while a graceful kill is still waiting: shorten it now.
      if (gone && !wasGone && w.running && !w.static) void forceKill(this.ctx, uid);
    }
    if (w.gone || pod.metadata?.deletionTimestamp) w.abort.abort();
    this.trigger(uid);
  }

  /** Who receives mirror pods seen on the pod watch. */
  setMirrorHandler(h: MirrorHandler | undefined): void {
    this.mirrorHandler = h;
  }

  /** The mirror pod a static pod reports to (undefined while there is none). */
  setMirror(staticUid: string, mirror: MirrorRef | undefined): void {
    const mirrors = this.ctx.mirrors;
    const prev = mirrors.get(staticUid);
    if (mirror) mirrors.set(staticUid, mirror);
    else mirrors.delete(staticUid);
    const w = this.workers.get(staticUid);
    if (w && prev?.uid !== mirror?.uid) {
      // A new mirror starts without status: publish again.
      w.lastStatus = undefined;
      this.trigger(staticUid);
    }
  }

  /** Wake a pod's worker (the relist saw its containers change), now or after `delayMs`. */
  trigger(uid: string, delayMs = 0): void {
    const w = this.workers.get(uid);
    if (!w || this.stopped) return;
    if (delayMs > 0) {
      // Keep the earliest wake-up: a far one (volume refresh) must not push back a near one (back-off).
      const at = Date.now() + delayMs;
      if (w.timer && w.timerAt !== undefined && w.timerAt <= at) return;
      if (w.timer) clearTimeout(w.timer);
      w.timerAt = at;
      w.timer = setTimeout(() => {
        w.timer = undefined;
        w.timerAt = undefined;
        this.trigger(uid);
      }, delayMs);
      w.timer.unref?.();
      return;
    }
    if (w.running) {
      w.dirty = true;
      return;
    }
    w.running = true;
    void this.loop(w);
  }

  has(uid: string): boolean {
    return this.workers.has(uid);
  }

  /**
   * The runtime state (sandbox and container IDs with their states) this
   * pod's worker last listed, as runtimeSignature() renders it: the relist
   * wakes a worker only for changes it has not seen itself.
   */
  observedSignature(uid: string): string | undefined {
    return this.observed.get(uid);
  }

  /** Kills and removes what the runtime still holds for a pod the agent does not know (force-deleted while away). */
  async reapOrphan(uid: string, grace: number): Promise<void> {
    await reapOrphan(this.ctx, uid, grace);
    this.observed.delete(uid);
  }

  /** Stops the workers' timers; running syncs finish on their own. Containers keep running. */
  stop(): void {
    this.stopped = true;
    this.ctx.probes.stop();
    for (const w of this.workers.values()) if (w.timer) clearTimeout(w.timer);
  }

  private async loop(w: Worker): Promise<void> {
    try {
      do {
        w.dirty = false;
        try {
          if (!w.finished && !this.stopped) await syncPod(this.ctx, w);
        } catch (err) {
          this.ctx.d.log.warn({ pod: podKey(w.pod), err: (err as Error).message }, 'pod sync failed');
          this.trigger(w.uid, FAILED_SYNC_RETRY_MS);
        }
      } while (w.dirty && !this.stopped);
    } finally {
      w.running = false;
      if (w.finished) this.forget(w);
    }
  }

  /** Drops everything kept for a pod whose worker finished. */
  private forget(w: Worker): void {
    if (w.timer) clearTimeout(w.timer);
    this.ctx.probes.removePod(w.uid);
    this.ctx.mirrors.delete(w.uid);
    this.workers.delete(w.uid);
    this.observed.delete(w.uid);
    this.ctx.crashBackoff.resetPrefix(`${w.uid}/`);
    this.ctx.pullBackoff.resetPrefix(`${w.uid}/`);
  }
}

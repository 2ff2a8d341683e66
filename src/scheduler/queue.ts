/**
 * The scheduling queue (kube-scheduler's PriorityQueue): pods waiting for a
 * cycle sit in `active` (highest priority first, then oldest); a pod that
 * failed waits out a per-pod exponential backoff (1 s doubling to 10 s) in
 * `backoff`; a pod no node could take parks in `unschedulable` until a
 * cluster event that may help (node added or changed, pod deleted) moves it
 * back, or 5 minutes pass.
 *
 * A failure that races with such an event (the event arrived while the pod
 * was being scheduled) sends the pod to backoff instead of parking it, so
 * the event is not lost.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Heap } from './heap.js';
import { podKey } from './framework/pod-info.js';

export interface QueuedPod {
  key: string;
  pod: Readonly<Pod>;
  /** When the pod first entered the queue (ms), for latency and ordering. */
  timestamp: number;
  attempts: number;
  /** Scheduling cycle that popped it last. */
  cycle: number;
  backoffUntil: number;
  unschedulableSince: number;
}

export interface QueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unschedulable pods are retried at least this often. */
  maxInUnschedulableMs?: number;
  now?: () => number;
}

function priorityOf(p: Readonly<Pod>): number {
  return p.spec?.priority ?? 0;
}

export class SchedulingQueue {
  private readonly active = new Heap<QueuedPod>(
    (q) => q.key,
    (a, b) => {
      const pa = priorityOf(a.pod);
      const pb = priorityOf(b.pod);
      return pa !== pb ? pa > pb : a.timestamp < b.timestamp;
    },
  );
  private readonly backoff = new Heap<QueuedPod>(
    (q) => q.key,
    (a, b) => a.backoffUntil < b.backoffUntil,
  );
  private readonly unschedulable = new Map<string, QueuedPod>();
  /** Popped and not yet done (being scheduled or bound). */
  private readonly inFlight = new Map<string, QueuedPod>();
  private cycle = 0;
  private moveRequestCycle = -1;
  private waiters: ((q: QueuedPod | undefined) => void)[] = [];
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly now: () => number;

  constructor(opts: QueueOptions = {}) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Starts the periodic flushes (backoff → active each second, long-unschedulable → active). */
  run(flushEveryMs = 200): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flush(), flushEveryMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  backoffDuration(attempts: number): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < attempts && d < this.maxBackoffMs; i++) d *= 2;
    return Math.min(d, this.maxBackoffMs);
  }

  /** A new or updated pending pod. */
  add(pod: Readonly<Pod>): void {
    const key = podKey(pod);
    const flying = this.inFlight.get(key);
    if (flying) {
      flying.pod = pod;
      return;
    }
    const existing = this.active.get(key) ?? this.backoff.get(key) ?? this.unschedulable.get(key);
    if (existing) {
      existing.pod = pod;
      if (this.unschedulable.has(key)) {
        // An update may have fixed what kept it from fitting: try again (after its backoff).
        this.unschedulable.delete(key);
        this.requeue(existing);
      } else if (this.active.has(key)) this.active.push(existing);
      return;
    }
    this.pushActive({ key, pod, timestamp: this.now(), attempts: 0, cycle: 0, backoffUntil: 0, unschedulableSince: 0 });
  }

  delete(key: string): void {
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  has(key: string): boolean {
    return this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key) || this.inFlight.has(key);
  }

  /** The next pod to schedule; waits while none is active; undefined once closed. */
  pop(): Promise<QueuedPod | undefined> {
    const q = this.tryPop();
    if (q || this.closed) return Promise.resolve(q);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next active pod without waiting. */
  tryPop(): QueuedPod | undefined {
    const q = this.active.pop();
    if (!q) return undefined;
    q.cycle = ++this.cycle;
    q.attempts++;
    this.inFlight.set(q.key, q);
    return q;
  }

  /** Scheduling (and binding) of a popped pod is over, successfully. */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * The pod could not be placed. `unschedulable` false means an error
   * (retry after backoff); true means no node fits (park it, unless a move
   * request came in while it was being tried).
   */
  failed(q: QueuedPod, unschedulable: boolean): void {
    if (this.inFlight.get(q.key) !== q) return; // deleted or replaced meanwhile
    this.inFlight.delete(q.key);
    q.backoffUntil = this.now() + this.backoffDuration(q.attempts);
    if (unschedulable && this.moveRequestCycle < q.cycle) {
      q.unschedulableSince = this.now();
      this.unschedulable.set(q.key, q);
      return;
    }
    this.requeue(q);
  }

  /** A cluster event that may make parked pods fit: move them all to backoff or active. */
  moveAllToActiveOrBackoff(): void {
    this.moveRequestCycle = this.cycle;
    if (this.unschedulable.size === 0) return;
    const all = [...this.unschedulable.values()];
    this.unschedulable.clear();
    for (const q of all) this.requeue(q);
  }

  private requeue(q: QueuedPod): void {
    if (q.backoffUntil > this.now()) this.backoff.push(q);
    else this.pushActive(q);
  }

  private pushActive(q: QueuedPod): void {
    const w = this.waiters.shift();
    if (w) {
      // Someone is waiting: hand it over directly, as if pushed and popped.
      q.cycle = ++this.cycle;
      q.attempts++;
      this.inFlight.set(q.key, q);
      w(q);
      return;
    }
    this.active.push(q);
  }

  flush(): void {
    const now = this.now();
    for (let q = this.backoff.peek(); q && q.backoffUntil <= now; q = this.backoff.peek()) {
      this.backoff.pop();
      this.pushActive(q);
    }
    for (const [key, q] of this.unschedulable) {
      if (now - q.unschedulableSince >= this.maxInUnschedulableMs) {
        this.unschedulable.delete(key);
        this.pushActive(q);
      }
    }
  }

  stats(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }
}

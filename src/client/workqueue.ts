/**
 * The work queue controllers feed from informers, with client-go's
 * guarantees:
 * - a key is queued at most once, however often it is added (dedup);
 * - a key is never handed to two workers at once: added while processing,
 *   it is marked dirty and queued again when `done` is called;
 * - keys come out in the order they were first added;
 * - `addRateLimited` delays a key by base·2^failures (capped), per key,
 *   until `forget` resets it;
 * - `addAfter` of a key already waiting keeps the earlier time.
 * After `shutDown`, adds are ignored and `get` answers `undefined`.
 */
import type { Logger } from '../util/log.js';
import type { SyncResult, WorkQueue } from './types.js';

export interface WorkQueueOptions {
  /** First retry delay of addRateLimited (default 5 ms). */
  baseDelayMs?: number;
  /** Longest retry delay (default 1000 s). */
  maxDelayMs?: number;
  /** For logs. */
  name?: string;
}

/** Thrown by a sync function to say "this key cannot succeed by retrying": it is dropped. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export function createWorkQueue<K = string>(opts: WorkQueueOptions = {}): WorkQueue<K> & { readonly name: string } {
  return new Queue<K>(opts);
}

class Queue<K> implements WorkQueue<K> {
  readonly name: string;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  // A FIFO as array + head index: shift() is O(n) on big queues.
  private items: K[] = [];
  private head = 0;
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly waiters: ((k: K | undefined) => void)[] = [];
  private readonly failures = new Map<K, number>();
  private readonly delayed = new Map<K, { at: number; timer: NodeJS.Timeout }>();
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions) {
    this.name = opts.name ?? 'queue';
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 1_000_000;
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  private enqueue(key: K): void {
    const w = this.waiters.shift();
    if (w) {
      this.dirty.delete(key);
      this.processing.add(key);
      w(key);
      return;
    }
    this.items.push(key);
  }

  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing) {
      if (existing.at <= at) return;
      clearTimeout(existing.timer);
    }
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { at, timer });
  }

  addRateLimited(key: K): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2^n overflows to Infinity for large n; min() still caps it.
    this.addAfter(key, Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** n));
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  get(): Promise<K | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    if (this.head < this.items.length) {
      const key = this.items[this.head]!;
      this.items[this.head++] = undefined as K;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: K): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
  }

  len(): number {
    return this.items.length - this.head;
  }

  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const d of this.delayed.values()) clearTimeout(d.timer);
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}

/**
 * Runs `n` workers that take keys from `queue` and call `sync`, applying the
 * retry policy: success → forget; `{ requeueAfterMs }` → forget, then come
 * back after that long; a thrown TerminalError → forget and log; any other
 * error → rate-limited requeue. The returned function shuts the queue down
 * and resolves once every running sync has finished.
 */
export function runWorkers<K>(queue: WorkQueue<K>, n: number, sync: (key: K) => Promise<SyncResult>, log: Logger): () => Promise<void> {
  const name = (queue as { name?: string }).name ?? 'queue';
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const r = await sync(key);
        queue.forget(key);
        if (r && typeof r.requeueAfterMs === 'number') queue.addAfter(key, r.requeueAfterMs);
      } catch (err) {
        if (err instanceof TerminalError) {
          queue.forget(key);
          log.error({ queue: name, key: String(key), err }, 'sync failed permanently; dropping the key');
        } else {
          const retries = queue.numRequeues(key);
          // Retries are routine (conflicts, a cache a moment behind); say so quietly until they pile up.
          if (retries >= 5) log.warn({ queue: name, key: String(key), retries, err }, 'sync failed; retrying with backoff');
          else log.debug({ queue: name, key: String(key), retries, err }, 'sync failed; retrying with backoff');
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  const running = Array.from({ length: Math.max(1, n) }, () => worker());
  return async () => {
    queue.shutDown();
    await Promise.all(running);
  };
}

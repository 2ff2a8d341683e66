/**
 * Watch fan-out shared by the in-process backends (memory, SQLite): both know
 * every committed write because they made it, so a watch is a catch-up read of
 * the history followed by the live events the backend publishes after each
 * commit.
 *
 * Ordering guarantee: a watcher registered when the committed revision is R
 * reads (after, R] from history in chunks, then delivers the live events
 * (all > R, buffered meanwhile) — no gap and no duplicate, because `watch()`
 * and `publish()` both run synchronously on the one JS thread.
 *
 * Delivery is asynchronous (never inside a writer's commit) and yields to the
 * event loop every `deliverChunk` events, so a slow consumer does not hold up
 * writers; it only grows its own buffer, and a buffer past `maxBuffered` ends
 * the watch with WatchEnded (the API server closes the client's watch, which
 * re-lists).
 */
import { CompactedError, WatchEnded, type WatchEvent, type WatchHandlers, type Watcher } from './backend.js';

/** What the hub needs from a backend; all synchronous, all committed state. */
export interface HistorySource {
  currentRevision(): number;
  compactedRevision(): number;
  /** Events for keys under prefix with after < revision <= upTo, ascending, at most limit. */
  readHistory(prefix: string, after: number, upTo: number, limit: number): WatchEvent[];
}

export interface WatchHubOptions {
  /** Live events a watcher may have waiting before it is ended. */
  maxBuffered?: number;
  /** History rows read per catch-up step. */
  catchUpChunk?: number;
  /** Events delivered before yielding to the event loop. */
  deliverChunk?: number;
}

export class WatchHub {
  private readonly watchers = new Set<HubWatcher>();
  readonly maxBuffered: number;
  readonly catchUpChunk: number;
  readonly deliverChunk: number;

  constructor(readonly source: HistorySource, opts: WatchHubOptions = {}) {
    this.maxBuffered = opts.maxBuffered ?? 20_000;
    this.catchUpChunk = opts.catchUpChunk ?? 500;
    this.deliverChunk = opts.deliverChunk ?? 2_000;
  }

  /**
   * afterRevision 0 means "from now" (as etcd's start revision 0). Throws
   * CompactedError synchronously when the history needed is gone.
   */
  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watcher {
    const current = this.source.currentRevision();
    const after = afterRevision > 0 ? afterRevision : current;
    const compacted = this.source.compactedRevision();
    if (after < compacted) throw new CompactedError(afterRevision, compacted);
    const w = new HubWatcher(this, prefix, after, Math.max(after, current), handlers);
    this.watchers.add(w);
    if (w.catchUpTo > w.position) w.schedule();
    return w;
  }

  /** Called by the backend after each commit, events in ascending revision. */
  publish(events: readonly WatchEvent[]): void {
    if (events.length === 0 || this.watchers.size === 0) return;
    for (const w of this.watchers) {
      for (const ev of events) {
        if (ev.kv.key.startsWith(w.prefix)) w.push(ev);
      }
    }
  }

  /** Ends every watch (backend closing). */
  endAll(err: Error): void {
    for (const w of [...this.watchers]) w.end(err);
  }

  get size(): number {
    return this.watchers.size;
  }

  /** @internal */
  forget(w: HubWatcher): void {
    this.watchers.delete(w);
  }
}

class HubWatcher implements Watcher {
  /** Revision up to which events have been delivered (or found absent). */
  position: number;
  private pending: WatchEvent[] = [];
  private pendingHead = 0;
  private scheduled = false;
  private done = false;

  constructor(
    private readonly hub: WatchHub,
    readonly prefix: string,
    after: number,
    /** History must be read up to here before live events flow. */
    readonly catchUpTo: number,
    private readonly handlers: WatchHandlers,
  ) {
    this.position = after;
  }

  push(ev: WatchEvent): void {
    if (this.done || ev.kv.modRevision <= this.catchUpTo) return;
    this.pending.push(ev);
    if (this.pending.length - this.pendingHead > this.hub.maxBuffered) {
      this.end(new WatchEnded(`watch on ${JSON.stringify(this.prefix)} ended: consumer fell more than ${this.hub.maxBuffered} events behind`));
      return;
    }
    this.schedule();
  }

  schedule(): void {
    if (this.scheduled || this.done) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    let budget = this.hub.deliverChunk;
    while (!this.done && this.position < this.catchUpTo && budget > 0) {
      const compacted = this.hub.source.compactedRevision();
      if (this.position < compacted) {
        this.end(new CompactedError(this.position, compacted));
        return;
      }
      const limit = Math.min(this.hub.catchUpChunk, budget);
      const events = this.hub.source.readHistory(this.prefix, this.position, this.catchUpTo, limit);
      for (const ev of events) {
        if (!this.deliver(ev)) return;
      }
      budget -= events.length;
      this.position = events.length < limit ? this.catchUpTo : events[events.length - 1].kv.modRevision;
    }
    while (!this.done && this.pendingHead < this.pending.length && budget-- > 0) {
      const ev = this.pending[this.pendingHead++];
      if (!this.deliver(ev)) return;
    }
    if (this.done) return;
    if (this.pendingHead === this.pending.length) {
      this.pending = [];
      this.pendingHead = 0;
    } else if (this.pendingHead > 4096) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
    if (this.position < this.catchUpTo || this.pendingHead < this.pending.length) this.schedule();
  }

  private deliver(ev: WatchEvent): boolean {
    this.position = Math.max(this.position, ev.kv.modRevision);
    try {
      this.handlers.onEvent(ev);
    } catch (err) {
      // A throwing consumer must not take down the other watchers or the writer.
      this.end(err instanceof Error ? err : new WatchEnded(String(err)));
      return false;
    }
    return !this.done;
  }

  end(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.pending = [];
    this.hub.forget(this);
    this.handlers.onEnd?.(err);
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.pending = [];
    this.hub.forget(this);
  }
}

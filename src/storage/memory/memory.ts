/**
 * The in-memory backend (`memory://`): the full Backend semantics — history,
 * reads at a revision, watch from a revision, compaction — without
 * durability. Each key keeps its versions (newest last); compaction drops the
 * versions no read at or above the compaction point can see.
 */
import {
  CompactedError,
  ConflictError,
  KeyExistsError,
  NotFoundError,
  StorageError,
  WatchEnded,
  type Backend,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type WatchEvent,
  type WatchHandlers,
  type Watcher,
} from '../backend.js';
import { WatchHub, type WatchHubOptions } from '../watch-hub.js';

/** One write to a key: the kv as of that revision, or a tombstone. */
interface Version {
  revision: number;
  kv: KeyValue | undefined;
}

export interface MemoryOptions extends WatchHubOptions {
  name?: string;
}

export class MemoryBackend implements Backend {
  readonly name: string;
  private rev = 0;
  private compacted = 0;
  private closed = false;
  private readonly versions = new Map<string, Version[]>();
  /** Every event after the compaction point, ascending. */
  private history: WatchEvent[] = [];
  private readonly hub: WatchHub;

  constructor(opts: MemoryOptions = {}) {
    this.name = opts.name ?? 'memory://';
    this.hub = new WatchHub(
      {
        currentRevision: () => this.rev,
        compactedRevision: () => this.compacted,
        readHistory: (prefix, after, upTo, limit) => this.readHistory(prefix, after, upTo, limit),
      },
      opts,
    );
  }

  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.rev;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen();
    return this.live(key);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.checkOpen();
    const cur = this.live(key);
    if (cur) throw new KeyExistsError(key, cur);
    const rev = ++this.rev;
    const kv: KeyValue = { key, value, createRevision: rev, modRevision: rev };
    this.record(key, kv, { type: 'put', kv });
    return kv;
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.checkOpen();
    const cur = this.live(key);
    if (!cur) throw new NotFoundError(key);
    if (cur.modRevision !== expectedModRevision) throw new ConflictError(key, cur);
    const rev = ++this.rev;
    const kv: KeyValue = { key, value, createRevision: cur.createRevision, modRevision: rev };
    this.record(key, kv, { type: 'put', kv, prev: cur });
    return kv;
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.checkOpen();
    const cur = this.live(key);
    if (!cur) throw new NotFoundError(key);
    if (expectedModRevision !== undefined && cur.modRevision !== expectedModRevision) throw new ConflictError(key, cur);
    const rev = ++this.rev;
    const kv: KeyValue = { ...cur, modRevision: rev };
    this.record(key, undefined, { type: 'delete', kv, prev: cur });
    return kv;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    const revision = opts.revision && opts.revision > 0 ? opts.revision : this.rev;
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
    if (revision > this.rev) throw new StorageError(`mvcc: required revision ${revision} is a future revision (current ${this.rev})`);
    const keys = [...this.versions.keys()].filter((k) => k.startsWith(prefix) && (opts.startAfter === undefined || k > opts.startAfter)).sort();
    const items: KeyValue[] = [];
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    let remaining = 0;
    for (const k of keys) {
      const kv = at(this.versions.get(k)!, revision);
      if (!kv) continue;
      if (items.length < limit) items.push(kv);
      else remaining++;
    }
    return remaining > 0 ? { items, revision, more: true, remaining } : { items, revision, more: false };
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen();
    let n = 0;
    for (const [k, vs] of this.versions) if (k.startsWith(prefix) && vs[vs.length - 1].kv) n++;
    return n;
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watcher {
    this.checkOpen();
    return this.hub.watch(prefix, afterRevision, handlers);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    if (revision > this.rev) throw new StorageError(`mvcc: required revision ${revision} is a future revision (current ${this.rev})`);
    if (revision <= this.compacted) return;
    for (const [k, vs] of this.versions) {
      // Keep the newest version at or below the point (the state reads at
      // `revision` need) unless it is a tombstone, and everything above it.
      let i = vs.length - 1;
      while (i >= 0 && vs[i].revision > revision) i--;
      if (i < 0) continue;
      const keepFrom = vs[i].kv ? i : i + 1;
      if (keepFrom === vs.length) this.versions.delete(k);
      else if (keepFrom > 0) this.versions.set(k, vs.slice(keepFrom));
    }
    const cut = lowerBound(this.history, revision);
    this.history = this.history.slice(cut);
    this.compacted = revision;
  }

  async compactedRevision(): Promise<number> {
    this.checkOpen();
    return this.compacted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.endAll(new WatchEnded(`${this.name} closed`));
  }

  private live(key: string): KeyValue | undefined {
    const vs = this.versions.get(key);
    return vs?.[vs.length - 1].kv;
  }

  private record(key: string, kv: KeyValue | undefined, ev: WatchEvent): void {
    const vs = this.versions.get(key);
    const v: Version = { revision: ev.kv.modRevision, kv };
    if (vs) vs.push(v);
    else this.versions.set(key, [v]);
    this.history.push(ev);
    this.hub.publish([ev]);
  }

  private readHistory(prefix: string, after: number, upTo: number, limit: number): WatchEvent[] {
    const out: WatchEvent[] = [];
    for (let i = lowerBound(this.history, after); i < this.history.length && out.length < limit; i++) {
      const ev = this.history[i];
      if (ev.kv.modRevision > upTo) break;
      if (ev.kv.key.startsWith(prefix)) out.push(ev);
    }
    return out;
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError(`${this.name} is closed`);
  }
}

/** The kv of a key as of revision, from its versions (ascending). */
function at(vs: Version[], revision: number): KeyValue | undefined {
  for (let i = vs.length - 1; i >= 0; i--) if (vs[i].revision <= revision) return vs[i].kv;
  return undefined;
}

/** Index of the first event with revision > rev. */
function lowerBound(history: WatchEvent[], rev: number): number {
  let lo = 0;
  let hi = history.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (history[mid].kv.modRevision <= rev) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function openMemory(opts?: MemoryOptions): MemoryBackend {
  return new MemoryBackend(opts);
}

/**
 * The watch cache: one storage watch on `/registry/` keeps, for every
 * resource, the current objects (parsed and serialised once, with their
 * resourceVersion) and a bounded history of recent events.
 *
 * LIST and WATCH are served from here, as in kube-apiserver:
 * - a LIST is consistent: it first waits until the cache has seen the
 *   store's current revision (`waitFor`), so a client always reads its own
 *   writes;
 * - a WATCH from resourceVersion R replays the history after R, then live
 *   events, synchronously in one tick so there is no gap; R older than the
 *   history answers 410 Expired and the client re-lists;
 * - each object is JSON.stringify'd once per write, and every LIST response
 *   and watch event reuses that string.
 *
 * History before the server started is loaded from the store at start (as far
 * as the store's compaction allows), so a client's watch resumes across a
 * server restart instead of re-listing.
 */
import type { Backend, KeyValue, WatchEvent, Watcher } from '../../storage/backend.js';
import type { KObject } from '../../api/types.js';
import { errors } from '../../api/errors.js';
import type { Logger } from '../../util/log.js';
import { servedJson, storedJson } from '../registry/stored-json.js';

export interface CachedObject {
  readonly key: string;
  /** Parsed object with metadata.resourceVersion set; shared, never mutate. */
  readonly obj: Readonly<KObject>;
  /** `obj` serialised. */
  readonly json: string;
  /** `json` as UTF-8 bytes, for writing lists without re-encoding them. */
  readonly bytes: Buffer;
  readonly rev: number;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  readonly type: EventType;
  readonly rev: number;
  /** storage resource, e.g. `pods` */
  readonly resource: string;
  /** The object after the event (for DELETED: the last state, at the delete's revision). */
  readonly object: CachedObject;
  /** The object before (MODIFIED, DELETED). */
  readonly prev?: CachedObject;
}

export type CacheListener = (ev: CacheEvent) => void;

export interface Subscription {
  close(): void;
}

const registryPrefix = '/registry/';

/** `/registry/pods/default/x` → `pods` */
export function resourceOfKey(key: string): string {
  const end = key.indexOf('/', registryPrefix.length);
  return key.slice(registryPrefix.length, end < 0 ? undefined : end);
}

/**
 * A cached object. Its served JSON is made when it enters the cache, from
 * the stored text (stored-json.ts: a splice, not a parse and a stringify),
 * so LISTs and watches only copy it; the parsed object is made the first
 * time something needs it (a selector, a table), which for most objects
 * under an unfiltered watch is never.
 */
class Entry implements CachedObject {
  private parsed?: Readonly<KObject>;
  private encoded?: Buffer;
  constructor(readonly key: string, readonly json: string, readonly rev: number, obj?: Readonly<KObject>) {
    this.parsed = obj;
  }
  get obj(): Readonly<KObject> {
    return (this.parsed ??= JSON.parse(this.json) as KObject);
  }
  get bytes(): Buffer {
    return (this.encoded ??= Buffer.from(this.json, 'utf8'));
  }
}

function decode(kv: KeyValue, rev: number): CachedObject {
  const json = servedJson(kv.value, rev);
  if (json !== undefined) return new Entry(kv.key, json, rev);
  // Not in stored form (written by an older skiff): parse and serialise it once.
  const obj = JSON.parse(kv.value) as KObject;
  obj.metadata ??= {};
  obj.metadata.resourceVersion = String(rev);
  return new Entry(kv.key, JSON.stringify(obj), rev, obj);
}

interface ResourceState {
  objects: Map<string, CachedObject>;
  listeners: Set<CacheListener>;
}

export interface WatchCacheOptions {
  /** How many recent events to keep for resuming watches. */
  historySize?: number;
  /** How many events before start to load from the store for resuming watches. */
  preloadHistory?: number;
}

export class WatchCache {
  private readonly resources = new Map<string, ResourceState>();
  /** Recent events, ascending revision; a ring trimmed from the front. */
  private history: CacheEvent[] = [];
  private historyStart = 0; // index of first live element in `history`
  /** Watches from a revision >= this can be served from history. */
  private oldestResumable = 0;
  private revision = 0;
  private waiters: { rev: number; resolve: () => void }[] = [];
  private storeWatch?: Watcher;
  private stopped = false;
  private readonly historySize: number;
  private readonly preloadHistory: number;

  constructor(
    private readonly backend: Backend,
    private readonly log: Logger,
    opts: WatchCacheOptions = {},
  ) {
    this.historySize = opts.historySize ?? 50_000;
    this.preloadHistory = opts.preloadHistory ?? 5_000;
  }

  /** The revision of the newest event the cache has applied. */
  get currentRevision(): number {
    return this.revision;
  }

  async start(): Promise<void> {
    const listed = await this.backend.list(registryPrefix);
    for (const kv of listed.items) {
      const c = decode(kv, kv.modRevision);
      this.state(resourceOfKey(kv.key)).objects.set(kv.key, c);
    }
    this.revision = listed.revision;
    this.oldestResumable = listed.revision;
    const compacted = await this.backend.compactedRevision();
    // Revision 0 means "from now" to a backend, so preloading starts at 1 at the earliest.
    const from = Math.min(listed.revision, Math.max(compacted, listed.revision - this.preloadHistory, 1));
    this.watchStore(from, listed.revision);
  }

  /**
   * Watch the store from `from`. Events at or below `listedAt` happened
   * before the initial list: they only fill the history.
   */
  private watchStore(from: number, listedAt: number): void {
    let preloaded = false;
    const finishPreload = () => {
      if (preloaded) return;
      preloaded = true;
      if (this.history.length > 0) this.oldestResumable = Math.min(this.oldestResumable, from);
    };
    if (from >= listedAt) finishPreload();
    this.storeWatch = this.backend.watch(registryPrefix, from, {
      onEvent: (ev) => {
        if (ev.kv.modRevision <= listedAt) {
          this.pushHistory(this.toCacheEvent(ev, undefined));
          if (ev.kv.modRevision === listedAt) finishPreload();
          return;
        }
        finishPreload();
        this.apply(ev);
      },
      onEnd: (err) => {
        if (this.stopped) return;
        // The store ended our watch (we fell behind, or the store restarted):
        // re-list and start over; clients watching with old revisions re-list too.
        this.log.warn({ err: err.message }, 'watch cache lost its store watch; re-listing');
        void this.restart();
      },
    });
  }

  private async restart(): Promise<void> {
    this.storeWatch?.close();
    const listed = await this.backend.list(registryPrefix);
    const seen = new Set<string>();
    for (const kv of listed.items) {
      seen.add(kv.key);
      const res = this.state(resourceOfKey(kv.key));
      const old = res.objects.get(kv.key);
      if (old && old.rev === kv.modRevision) continue;
      const c = decode(kv, kv.modRevision);
      res.objects.set(kv.key, c);
      this.emit({ type: old ? 'MODIFIED' : 'ADDED', rev: kv.modRevision, resource: resourceOfKey(kv.key), object: c, prev: old });
    }
    for (const [resource, st] of this.resources) {
      for (const [key, old] of st.objects) {
        if (seen.has(key)) continue;
        st.objects.delete(key);
        const gone = decode({ key: old.key, value: storedJson(old.obj), createRevision: 0, modRevision: listed.revision }, listed.revision);
        this.emit({ type: 'DELETED', rev: listed.revision, resource, object: gone, prev: old });
      }
    }
    // History before the re-list no longer lines up with what clients saw.
    this.history = [];
    this.historyStart = 0;
    this.revision = listed.revision;
    this.oldestResumable = listed.revision;
    this.wakeWaiters();
    this.watchStore(listed.revision, listed.revision);
  }

  private toCacheEvent(ev: WatchEvent, current: CachedObject | undefined): CacheEvent {
    const resource = resourceOfKey(ev.kv.key);
    const prev = ev.prev ? (current && current.rev === ev.prev.modRevision ? current : decode(ev.prev, ev.prev.modRevision)) : undefined;
    if (ev.type === 'delete') {
      const object = decode(ev.kv, ev.kv.modRevision);
      return { type: 'DELETED', rev: ev.kv.modRevision, resource, object, prev: prev ?? object };
    }
    const object = decode(ev.kv, ev.kv.modRevision);
    return { type: prev ? 'MODIFIED' : 'ADDED', rev: ev.kv.modRevision, resource, object, prev };
  }

  private apply(ev: WatchEvent): void {
    const resource = resourceOfKey(ev.kv.key);
    const st = this.state(resource);
    const current = st.objects.get(ev.kv.key);
    const cev = this.toCacheEvent(ev, current);
    if (cev.type === 'DELETED') st.objects.delete(ev.kv.key);
    else st.objects.set(ev.kv.key, cev.object);
    this.revision = cev.rev;
    this.pushHistory(cev);
    this.emit(cev);
    this.wakeWaiters();
  }

  private pushHistory(ev: CacheEvent): void {
    this.history.push(ev);
    if (this.history.length - this.historyStart > this.historySize) {
      this.historyStart += Math.ceil(this.historySize / 10);
      this.oldestResumable = this.history[this.historyStart - 1]!.rev;
      if (this.historyStart > this.historySize) {
        this.history = this.history.slice(this.historyStart);
        this.historyStart = 0;
      }
    }
  }

  private emit(ev: CacheEvent): void {
    const st = this.resources.get(ev.resource);
    if (!st) return;
    for (const l of st.listeners) {
      try {
        l(ev);
      } catch (err) {
        this.log.error({ err }, 'watch listener failed');
      }
    }
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.revision >= w.rev) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private state(resource: string): ResourceState {
    let st = this.resources.get(resource);
    if (!st) {
      st = { objects: new Map(), listeners: new Set() };
      this.resources.set(resource, st);
    }
    return st;
  }

  /**
   * Resolves once the cache has applied every write up to the store's
   * current revision (a consistent read). Gives up after `timeoutMs` with 504.
   */
  async sync(timeoutMs = 3000): Promise<void> {
    const rev = await this.backend.currentRevision();
    await this.waitFor(rev, timeoutMs);
  }

  waitFor(rev: number, timeoutMs = 3000): Promise<void> {
    if (this.revision >= rev) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(errors.timeout(`Too large resource version: ${rev}, current: ${this.revision}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ rev, resolve: done });
    });
  }

  /** Objects of a resource (optionally in one namespace), in key order. */
  list(resource: string, namespace?: string): CachedObject[] {
    const st = this.resources.get(resource);
    if (!st) return [];
    const out: CachedObject[] = [];
    if (namespace) {
      const prefix = `${registryPrefix}${resource}/${namespace}/`;
      for (const [key, c] of st.objects) if (key.startsWith(prefix)) out.push(c);
    } else {
      for (const c of st.objects.values()) out.push(c);
    }
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  get(key: string): CachedObject | undefined {
    return this.resources.get(resourceOfKey(key))?.objects.get(key);
  }

  count(resource: string): number {
    return this.resources.get(resource)?.objects.size ?? 0;
  }

  /**
   * Deliver events of `resource` after revision `from` (history first), then
   * live ones. Throws 410 Expired when `from` is older than the history.
   * All replayed events are delivered before this returns.
   */
  subscribe(resource: string, from: number, listener: CacheListener): Subscription {
    if (from < this.oldestResumable) {
      throw errors.expired(`too old resource version: ${from} (${this.oldestResumable})`);
    }
    if (from < this.revision) {
      let lo = this.historyStart;
      let hi = this.history.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.history[mid]!.rev <= from) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < this.history.length; i++) {
        const ev = this.history[i]!;
        if (ev.resource === resource) listener(ev);
      }
    }
    const st = this.state(resource);
    st.listeners.add(listener);
    return { close: () => st.listeners.delete(listener) };
  }

  stop(): void {
    this.stopped = true;
    this.storeWatch?.close();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }
}

/**
 * An informer: list, then watch from the list's resourceVersion, keeping a
 * local cache that handlers and listers read instead of the server.
 *
 * Guarantees (what controllers may rely on):
 * - handlers run synchronously, one event at a time, in the order the server
 *   sent them; the cache already holds the new state when a handler runs;
 * - after a re-list (410 Expired, a broken stream), the new list is diffed
 *   against the cache: objects that appeared are adds, changed
 *   resourceVersions are updates, and objects missing from the list are
 *   deletes carrying their last known state (the tombstone) — so a delete
 *   missed while disconnected is still seen, once;
 * - failures back off exponentially (0.5 s doubling to 30 s, with jitter),
 *   reset by a successful list;
 * - a stream the server ends cleanly (its watch timeout) is resumed from the
 *   last resourceVersion seen, without a re-list;
 * - objects handed out are shared: treat them as read-only.
 */
import { silentLogger, type Logger } from '../util/log.js';
import type { KObject } from '../api/types.js';
import { isStatusError } from '../api/errors.js';
import { apiVersionFor, gvrString } from './resources.js';
import { isStatusObject, statusErrorFromStatus } from './status.js';
import type { Client, EventHandlers, GroupVersionResource, Informer, ResourceClient, WatchEvent, WatchHandle } from './types.js';

export interface InformerOptions {
  /** Only this namespace (default: all). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Re-deliver every cached object as onUpdate(obj, obj) this often (default: never). */
  resyncMs?: number;
  /** Items per list page (default 500). */
  pageSize?: number;
  log?: Logger;
}

const initialBackoffMs = 500;
const maxBackoffMs = 30_000;
/** A stream that ends sooner than this without events counts as a failure, so a flapping server is not hammered. */
const minHealthyWatchMs = 1_000;

/** The cache key: `namespace/name`, or `name` for cluster-scoped objects. */
export function keyOf(obj: Readonly<KObject>): string {
  const m = obj.metadata;
  return m?.namespace ? `${m.namespace}/${m.name}` : (m?.name ?? '');
}

/** The inverse of keyOf. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function createInformer<T extends KObject = KObject>(client: Client, gvr: GroupVersionResource, opts: InformerOptions = {}): Informer<T> {
  return new CachingInformer<T>(client, gvr, opts);
}

class CachingInformer<T extends KObject> implements Informer<T> {
  private readonly rc: ResourceClient<T>;
  private readonly log: Logger;
  private readonly apiVersion: string;
  private kind: string | undefined;
  private readonly store = new Map<string, T>();
  private readonly byNamespace = new Map<string, Map<string, T>>();
  private readonly indexers = new Map<string, (obj: Readonly<T>) => string[]>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly handlers: EventHandlers<T>[] = [];
  private rv = '';
  private synced = false;
  private syncWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private running = false;
  private stopped = false;
  private watchHandle: WatchHandle | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    client: Client,
    private readonly gvr: GroupVersionResource,
    private readonly opts: InformerOptions,
  ) {
    this.rc = client.resource<T>(gvr, opts.namespace);
    this.apiVersion = apiVersionFor(gvr);
    this.log = (opts.log ?? silentLogger()).child({ informer: gvrString(gvr), ...(opts.namespace ? { namespace: opts.namespace } : {}) });
  }

  addEventHandler(h: EventHandlers<T>): void {
    this.handlers.push(h);
    // A late handler still learns about everything already known, as in client-go.
    for (const obj of this.store.values()) this.call('onAdd', () => h.onAdd?.(obj));
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.relist();
    if (this.opts.resyncMs && this.opts.resyncMs > 0) {
      this.resyncTimer = setInterval(() => this.resync(), this.opts.resyncMs);
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.running = false;
    this.watchHandle?.stop();
    this.watchHandle = undefined;
    clearTimeout(this.retryTimer);
    clearInterval(this.resyncTimer);
    const waiters = this.syncWaiters.splice(0);
    if (!this.synced) for (const w of waiters) w.reject(new Error(`informer for ${gvrString(this.gvr)} stopped before it synced`));
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error(`informer for ${gvrString(this.gvr)} stopped before it synced`));
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
  }

  hasSynced(): boolean {
    return this.synced;
  }

  list(namespace?: string): Readonly<T>[] {
    if (namespace === undefined) return [...this.store.values()];
    const m = this.byNamespace.get(namespace);
    return m ? [...m.values()] : [];
  }

  get(key: string): Readonly<T> | undefined {
    return this.store.get(key);
  }

  addIndex(name: string, fn: (obj: Readonly<T>) => string[]): void {
    if (this.indexers.has(name)) throw new Error(`informer for ${gvrString(this.gvr)} already has an index named ${JSON.stringify(name)}`);
    this.indexers.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.indices.set(name, idx);
    for (const [key, obj] of this.store) for (const v of fn(obj)) addTo(idx, v, key);
  }

  byIndex(name: string, value: string): Readonly<T>[] {
    const idx = this.indices.get(name);
    if (!idx) throw new Error(`informer for ${gvrString(this.gvr)} has no index named ${JSON.stringify(name)}; register it with addIndex first`);
    const keys = idx.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.store.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  lastResourceVersion(): string {
    return this.rv;
  }

  // --- the list/watch loop -------------------------------------------------

  private async relist(): Promise<void> {
    let listed: { items: T[]; resourceVersion: string };
    try {
      listed = await this.listAll();
    } catch (err) {
      if (!this.running) return;
      this.log.warn({ err }, 'list failed; retrying');
      this.retryLater(() => void this.relist());
      return;
    }
    if (!this.running) return;
    this.failures = 0;
    this.replace(listed.items, listed.resourceVersion);
    this.startWatch();
  }

  private async listAll(): Promise<{ items: T[]; resourceVersion: string }> {
    const base = { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector };
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    try {
      do {
        const page = await this.rc.list({ ...base, limit: this.opts.pageSize ?? 500, continue: cont });
        for (const it of page.items) items.push(it);
        rv = page.resourceVersion;
        cont = page.continue;
        if (!this.running) break;
      } while (cont);
    } catch (err) {
      // The continue token outlived the server's history: take it in one go.
      if (!(cont && isStatusError(err) && err.code === 410)) throw err;
      const all = await this.rc.list(base);
      return { items: all.items, resourceVersion: all.resourceVersion };
    }
    return { items, resourceVersion: rv };
  }

  private startWatch(): void {
    const startedAt = Date.now();
    let events = 0;
    let handle: WatchHandle | undefined = undefined;
    const done = () => {
      handle?.stop();
      if (this.watchHandle === handle) this.watchHandle = undefined;
    };
    handle = this.rc.watch(
      {
        resourceVersion: this.rv,
        allowWatchBookmarks: true,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        // Spread reconnects out, as client-go does (5-10 minutes).
        timeoutSeconds: 300 + Math.floor(Math.random() * 300),
      },
      (ev) => {
        if (!this.running) return;
        events++;
        if (ev.type !== 'ERROR') {
          this.apply(ev);
          return;
        }
        done();
        const status = isStatusObject(ev.object) ? statusErrorFromStatus(ev.object) : undefined;
        if (status?.code === 410) {
          this.log.info({ rv: this.rv, message: status.message }, 'watch expired; re-listing');
          void this.relist();
        } else {
          this.log.warn({ err: status ?? ev.object }, 'watch error; re-listing');
          this.retryLater(() => void this.relist());
        }
      },
      (err) => {
        if (this.watchHandle === handle) this.watchHandle = undefined;
        if (!this.running) return;
        if (err) {
          this.log.warn({ err }, 'watch failed; re-listing');
          this.retryLater(() => void this.relist());
        } else if (events > 0 || Date.now() - startedAt >= minHealthyWatchMs) {
          this.startWatch();
        } else {
          this.retryLater(() => this.startWatch());
        }
      },
    );
    this.watchHandle = handle;
  }

  private retryLater(fn: () => void): void {
    const base = Math.min(maxBackoffMs, initialBackoffMs * 2 ** this.failures);
    this.failures++;
    const delay = Math.min(maxBackoffMs, base * (1 + Math.random() * 0.5));
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.running) fn();
    }, delay);
  }

  // --- cache and delivery --------------------------------------------------

  private typed(obj: T): T {
    if (obj.kind) this.kind ??= obj.kind;
    else if (this.kind) obj.kind = this.kind;
    obj.apiVersion ??= this.apiVersion;
    return obj;
  }

  private apply(ev: WatchEvent<T>): void {
    const obj = ev.object;
    const rv = obj?.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.rv = rv;
      return;
    }
    if (!obj?.metadata?.name) return;
    const key = keyOf(obj);
    this.typed(obj);
    if (ev.type === 'DELETED') {
      this.remove(key);
      if (rv) this.rv = rv;
      this.dispatchDelete(obj);
      return;
    }
    const old = this.store.get(key);
    this.put(key, obj, old);
    if (rv) this.rv = rv;
    if (old) this.dispatchUpdate(old, obj);
    else this.dispatchAdd(obj);
  }

  /** A fresh list replaces the cache; differences become events. */
  private replace(items: T[], rv: string): void {
    const seen = new Set<string>();
    const events: (() => void)[] = [];
    for (const obj of items) {
      const key = keyOf(obj);
      seen.add(key);
      this.typed(obj);
      const old = this.store.get(key);
      if (!old) {
        this.put(key, obj, undefined);
        events.push(() => this.dispatchAdd(obj));
      } else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
        this.put(key, obj, old);
        events.push(() => this.dispatchUpdate(old, obj));
      }
    }
    for (const [key, old] of this.store) {
      if (seen.has(key)) continue;
      this.remove(key);
      events.push(() => this.dispatchDelete(old));
    }
    this.rv = rv;
    for (const e of events) e();
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w.resolve();
    }
  }

  private put(key: string, obj: T, old: T | undefined): void {
    this.store.set(key, obj);
    const ns = obj.metadata?.namespace ?? '';
    let m = this.byNamespace.get(ns);
    if (!m) this.byNamespace.set(ns, (m = new Map()));
    m.set(key, obj);
    for (const [name, fn] of this.indexers) {
      const idx = this.indices.get(name)!;
      if (old) for (const v of fn(old)) removeFrom(idx, v, key);
      for (const v of fn(obj)) addTo(idx, v, key);
    }
  }

  private remove(key: string): void {
    const old = this.store.get(key);
    if (!old) return;
    this.store.delete(key);
    const ns = old.metadata?.namespace ?? '';
    const m = this.byNamespace.get(ns);
    m?.delete(key);
    if (m?.size === 0) this.byNamespace.delete(ns);
    for (const [name, fn] of this.indexers) {
      const idx = this.indices.get(name)!;
      for (const v of fn(old)) removeFrom(idx, v, key);
    }
  }

  private resync(): void {
    if (!this.synced || !this.running) return;
    for (const obj of this.store.values()) this.dispatchUpdate(obj, obj);
  }

  private dispatchAdd(obj: T): void {
    for (const h of this.handlers) this.call('onAdd', () => h.onAdd?.(obj));
  }

  private dispatchUpdate(old: T, obj: T): void {
    for (const h of this.handlers) this.call('onUpdate', () => h.onUpdate?.(old, obj));
  }

  private dispatchDelete(obj: T): void {
    for (const h of this.handlers) this.call('onDelete', () => h.onDelete?.(obj));
  }

  /** One broken handler must not stop the others, nor the informer. */
  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, handler: what }, 'event handler threw');
    }
  }
}

function addTo(idx: Map<string, Set<string>>, value: string, key: string): void {
  let s = idx.get(value);
  if (!s) idx.set(value, (s = new Set()));
  s.add(key);
}

function removeFrom(idx: Map<string, Set<string>>, value: string, key: string): void {
  const s = idx.get(value);
  if (!s) return;
  s.delete(key);
  if (s.size === 0) idx.delete(value);
}

/**
 * The client contract every skiff component (controllers, scheduler, node
 * agent, hollow nodes) uses to talk to the API server — the same HTTPS REST
 * API kubectl uses, never the server's memory. Shaped after client-go:
 * a typed REST client, shared informers (list + watch + local cache), and a
 * rate-limited deduplicating work queue.
 *
 * Objects are plain JSON typed with kubernetes-types. Everything an informer
 * hands out is shared and read-only: clone before changing it.
 */
import type { KObject } from '../api/types.js';

/** Where and as whom to connect. */
export interface ClientConfig {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  /** PEM CA bundle that signed the server's certificate. */
  ca: string;
  /** Client certificate + key (PEM), or a bearer token. */
  cert?: string;
  key?: string;
  token?: string;
  /** User-Agent, also the default field manager (e.g. `skiff-controller-manager/v0.1.0`). */
  userAgent?: string;
  /** Client-side rate limit (requests per second, burst); defaults are generous (like QPS 200 / burst 400). */
  qps?: number;
  burst?: number;
}

/** A resource type as addressed on the wire. */
export interface GroupVersionResource {
  group: string; // '' for core
  version: string;
  resource: string; // plural
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export interface ListResult<T extends KObject = KObject> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KObject = KObject> {
  type: WatchEventType;
  object: T;
}

export interface WatchHandle {
  /** Stops the watch; `onClose` is not called after this. */
  stop(): void;
}

/**
 * Errors from the server are thrown as `StatusError` (src/api/errors.ts)
 * carrying the server's Status, so callers test `isStatusError(e, 'NotFound')`,
 * `'Conflict'`, `'AlreadyExists'` and so on.
 */
export interface ResourceClient<T extends KObject = KObject> {
  get(name: string): Promise<T>;
  list(opts?: ListOptions): Promise<ListResult<T>>;
  /**
   * Streams events until stopped or the server ends the stream (then
   * `onClose` is called, with the error if any; a 410 arrives as an ERROR
   * event whose object is a Status with code 410).
   */
  watch(opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void, onClose?: (err?: Error) => void): WatchHandle;
  create(obj: T, opts?: WriteOptions): Promise<T>;
  update(obj: T, opts?: WriteOptions): Promise<T>;
  updateStatus(obj: T, opts?: WriteOptions): Promise<T>;
  patch(name: string, type: PatchType, body: unknown, opts?: WriteOptions & { subresource?: string; force?: boolean }): Promise<T>;
  delete(name: string, opts?: DeleteOptions): Promise<void>;
  deleteCollection(opts: ListOptions & DeleteOptions): Promise<void>;
  /** POST to a subresource, e.g. `create('x', 'binding', binding)` or `eviction`. */
  createSubresource<R = unknown>(name: string, subresource: string, body: unknown): Promise<R>;
  getSubresource<R = unknown>(name: string, subresource: string): Promise<R>;
  updateSubresource<R = unknown>(name: string, subresource: string, body: unknown): Promise<R>;
}

export interface Client {
  readonly config: ClientConfig;
  /** A client for one resource; `namespace` undefined means all namespaces (or a cluster-scoped type). */
  resource<T extends KObject = KObject>(gvr: GroupVersionResource, namespace?: string): ResourceClient<T>;
  /** GET a raw path (discovery, /version, /healthz). */
  raw(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  close(): void;
}

export interface EventHandlers<T extends KObject = KObject> {
  onAdd?(obj: Readonly<T>): void;
  onUpdate?(oldObj: Readonly<T>, newObj: Readonly<T>): void;
  /** `obj` is the last known state (a tombstone when the delete was missed while re-listing). */
  onDelete?(obj: Readonly<T>): void;
}

/**
 * A shared informer: lists, then watches from the list's resourceVersion,
 * re-listing on 410 Gone or a broken stream (with backoff), keeping a local
 * cache keyed `namespace/name` (or `name`). Handlers run in event order.
 * A resync period (optional) re-delivers every cached object as onUpdate.
 */
export interface Informer<T extends KObject = KObject> {
  addEventHandler(h: EventHandlers<T>): void;
  start(): void;
  stop(): void;
  /** Resolves when the first list has been delivered to handlers. */
  waitForSync(): Promise<void>;
  hasSynced(): boolean;
  /** Cached objects; optionally only one namespace. */
  list(namespace?: string): Readonly<T>[];
  get(key: string): Readonly<T> | undefined;
  /** Index lookup by a named index function registered with addIndex. */
  addIndex(name: string, fn: (obj: Readonly<T>) => string[]): void;
  byIndex(name: string, value: string): Readonly<T>[];
  /** The resourceVersion of the last event seen. */
  lastResourceVersion(): string;
}

/**
 * A rate-limited, deduplicating work queue (client-go workqueue): a key added
 * while queued is queued once; a key added while being processed is
 * re-queued after `done`. `get` waits for a key; `undefined` after shutDown.
 */
export interface WorkQueue<K = string> {
  add(key: K): void;
  addAfter(key: K, delayMs: number): void;
  /** Per-key exponential backoff (5 ms doubling to 1000 s, like client-go's default). */
  addRateLimited(key: K): void;
  /** Reset the key's backoff. */
  forget(key: K): void;
  numRequeues(key: K): number;
  get(): Promise<K | undefined>;
  done(key: K): void;
  len(): number;
  shutDown(): void;
}

/**
 * What a controller's `sync(key)` returns: nothing (done), a timed requeue,
 * or it throws (rate-limited requeue). A `TerminalError` means do not retry.
 */
export type SyncResult = void | { requeueAfterMs: number };

/**
 * The storage contract every datastore (SQLite, etcd, memory) implements.
 *
 * It is etcd v3's model, reduced to what the API server needs:
 *
 * - There is one global, strictly increasing revision. Every successful write
 *   (create, update, delete) gets a new revision, which becomes the object's
 *   resourceVersion. Revisions are positive integers; 0 means "none".
 * - Keys are strings like `/registry/pods/default/nginx`. Values are opaque
 *   strings (the API server stores JSON without metadata.resourceVersion).
 * - `createRevision` is the revision at which the key was created;
 *   `modRevision` the revision of its last write.
 * - Writes are durable before their promise resolves: once a caller has seen
 *   the revision, a kill -9 of the process does not lose the write.
 * - Compare-and-swap: `update` and `delete` take the modRevision the caller
 *   last saw and fail with `ConflictError` when the key has moved on.
 * - Reads at a revision: `list` can read the state as of an older revision as
 *   long as it is not below the compaction point (`CompactedError`).
 * - Watches deliver every write to keys under a prefix whose revision is
 *   greater than `afterRevision`, strictly in revision order, with no gaps,
 *   each event at most once. Starting below the compaction point fails with
 *   `CompactedError`. A watch whose consumer falls hopelessly behind may be
 *   ended by the backend with `WatchEnded` (the API server then closes the
 *   client's watch, which re-lists, as with etcd).
 */
export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
}

export type WatchEvent =
  | { type: 'put'; kv: KeyValue; prev?: KeyValue }
  | { type: 'delete'; kv: KeyValue; prev: KeyValue };
// For `delete`, kv.modRevision is the revision of the delete and kv.value the
// last value (the same as prev.value), so a consumer can tell what went away.

export interface ListOptions {
  /** Read as of this revision (0 or absent: the newest). */
  revision?: number;
  /** At most this many items (0 or absent: all). */
  limit?: number;
  /** Start strictly after this key (for continue tokens). */
  startAfter?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** Whether more keys under the prefix follow the last item. */
  more: boolean;
  /** When `more`: how many items follow (may be an estimate). */
  remaining?: number;
}

export interface Watcher {
  /** Stop delivering events; idempotent. */
  close(): void;
}

export interface WatchHandlers {
  /** Called for each event, in revision order. */
  onEvent(event: WatchEvent): void;
  /**
   * Called once when the backend ends the watch on its own (the consumer was
   * too slow, the connection to etcd was lost, the backend closed).
   * Not called after `close()`.
   */
  onEnd?(err: Error): void;
}

export interface Backend {
  /** A URL-like name for logs, e.g. `sqlite:///var/lib/skiff/db/state.db`. */
  readonly name: string;

  /** The newest revision (the revision of the last write). */
  currentRevision(): Promise<number>;

  /** The current value of one key, or undefined. */
  get(key: string): Promise<KeyValue | undefined>;

  /** Creates the key; throws KeyExistsError if it exists. Returns the new kv. */
  create(key: string, value: string): Promise<KeyValue>;

  /**
   * Replaces the value if the key's modRevision still equals
   * `expectedModRevision`. Throws NotFoundError if the key is gone,
   * ConflictError (carrying the current kv) if it moved on.
   */
  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue>;

  /**
   * Deletes the key, if `expectedModRevision` is given only when it still
   * matches. Returns the deleted kv with `modRevision` set to the revision of
   * the delete. Throws NotFoundError / ConflictError like update.
   */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;

  /** Keys under `prefix`, in key order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;

  /** How many keys are under prefix now. */
  count(prefix: string): Promise<number>;

  /**
   * See the contract above. `afterRevision` 0 means "from now" (the current
   * revision at the call), as etcd's start revision 0. Below the compaction
   * point the backend either throws CompactedError at once or ends the watch
   * with it through `onEnd` before any event. Events may be shared between
   * watchers: treat them as read-only.
   */
  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watcher;

  /** Forget history at and below `revision`; reads/watches below it get CompactedError. */
  compact(revision: number): Promise<void>;

  /** The revision history was last compacted at (0 if never). */
  compactedRevision(): Promise<number>;

  close(): Promise<void>;
}

export class StorageError extends Error {}

export class KeyExistsError extends StorageError {
  constructor(readonly key: string, readonly current?: KeyValue) {
    super(`key exists: ${key}`);
  }
}

export class NotFoundError extends StorageError {
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
  }
}

export class ConflictError extends StorageError {
  constructor(readonly key: string, readonly current: KeyValue) {
    super(`revision conflict on ${key}: now at ${current.modRevision}`);
  }
}

export class CompactedError extends StorageError {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`required revision ${requested} has been compacted (compacted at ${compacted})`);
  }
}

export class WatchEnded extends StorageError {}

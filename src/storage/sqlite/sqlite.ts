/**
 * The embedded datastore: SQLite through better-sqlite3, in the manner of
 * k3s's kine (see schema.ts for the table).
 *
 * Writes are group-committed: callers queue, and one flush per event-loop
 * turn (setImmediate) runs every queued write in ONE transaction — each
 * write's compare-and-swap checked inside it against the rows written before
 * it in the same batch. The commit only writes the WAL (synchronous=OFF);
 * durability comes from an fdatasync of the WAL file that runs on libuv's
 * thread pool, and only when it has finished are the batch's promises
 * resolved and its watch events published. So a resolved write survives
 * kill -9 and power loss, concurrent writers share the fsync, and the event
 * loop keeps serving requests (and filling the next batch) while the disk
 * syncs — SQLite's own synchronous=FULL would block it for every commit.
 *
 * With synchronous=OFF SQLite must never checkpoint on its own (it would
 * not sync the database before reusing the WAL), so wal_autocheckpoint is 0
 * and checkpoints are ours (checkpoint()): writes are held, the WAL is
 * synced, its pages are copied into the database, and the database is
 * fdatasync'd on the thread pool before writes resume — only a write can
 * restart the WAL, so nothing overwrites it before the copy is on disk. The
 * event loop keeps serving reads meanwhile; SQLite's own synchronous=FULL
 * checkpoint would block it for the whole fsync.
 *
 * The process owns the file (locking_mode=EXCLUSIVE): the revision counter
 * lives in memory, and a second server on the same file would break it, so
 * a second opener fails with "database is locked" instead.
 *
 * Watches are served in-process from the committed batches plus a history
 * read for the catch-up part (watch-hub.ts).
 */
import Database from 'better-sqlite3';
import { closeSync, fdatasync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
import type { Logger } from '../../util/log.js';
import { WatchHub, type WatchHubOptions } from '../watch-hub.js';
import { createSchema, prefixEnd, prepareStatements, type HistoryRow, type Row, type Statements } from './schema.js';

export interface SqliteOptions extends WatchHubOptions {
  log?: Logger;
  /** How often to compact on its own; 0 turns it off. Default 5 minutes. */
  compactIntervalMs?: number;
  /** Automatic compaction keeps at least this many revisions (and at least one interval of history). Default 1000. */
  keepRevisions?: number;
  /** Most writes per transaction. Default 1000. */
  maxBatch?: number;
  /** Checkpoint once the WAL grows past this many bytes, so it stays bounded between compactions. Default 64 MiB. */
  walCheckpointBytes?: number;
}

type WriteOp =
  | { op: 'create'; key: string; value: string; done: Settle }
  | { op: 'update'; key: string; value: string; expected: number; done: Settle }
  | { op: 'delete'; key: string; expected: number | undefined; done: Settle };

interface Settle {
  resolve(kv: KeyValue): void;
  reject(err: Error): void;
}

/** Revisions removed per compaction transaction, so a big compaction does not stall the loop. */
const compactStep = 20_000;


interface Committed {
  batch: WriteOp[];
  results: (KeyValue | Error)[];
  events: WatchEvent[];
}

export class SqliteBackend implements Backend {
  readonly name: string;
  private readonly db: Database.Database;
  private readonly st: Statements;
  private readonly hub: WatchHub;
  private readonly log: Logger | undefined;
  private readonly maxBatch: number;
  private readonly keepRevisions: number;
  private readonly walCheckpointBytes: number;
  private rev: number;
  private compacted: number;
  private queue: WriteOp[] = [];
  private flushScheduled = false;
  private closed = false;
  private compacting: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** The WAL file, for fdatasync; undefined means SQLite syncs itself (synchronous=FULL). */
  private walFd: number | undefined;
  /** The database file, for fdatasync after a checkpoint has copied the WAL into it. */
  private dbFd: number | undefined;
  /** While set, a checkpoint is running: writes wait in the queue (and compaction steps wait) until it settles. */
  private checkpointing: Promise<void> | undefined;
  /** Set when the disk failed us: from then on no write can be promised durable. */
  private failed: Error | undefined;
  /** Committed batches waiting for the next fdatasync. */
  private unsynced: Committed[] = [];
  private syncing: Promise<void> | undefined;
  /** The revision at the previous automatic-compaction tick: history younger than one interval. */
  private revisionAtLastTick = 0;
  private readonly runBatch: (batch: WriteOp[]) => { results: (KeyValue | Error)[]; events: WatchEvent[]; rev: number };

  constructor(readonly path: string, opts: SqliteOptions = {}) {
    this.name = `sqlite://${path}`;
    this.log = opts.log;
    this.maxBatch = opts.maxBatch ?? 1000;
    this.keepRevisions = opts.keepRevisions ?? 1000;
    this.walCheckpointBytes = opts.walCheckpointBytes ?? 64 * 1024 * 1024;
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { timeout: 100 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      // Take the exclusive lock now, so a second opener fails at open, not at its first write.
      db.exec('BEGIN IMMEDIATE; COMMIT');
      createSchema(db);
      try {
        this.walFd = openSync(`${path}-wal`, 'r');
        this.dbFd = openSync(path, 'r');
        db.pragma('wal_autocheckpoint = 0');
        db.pragma('synchronous = OFF');
      } catch {
        // No WAL file to sync by hand: let SQLite sync every commit.
        if (this.walFd !== undefined) closeSync(this.walFd);
        this.walFd = undefined;
      }
    } catch (err) {
      db.close();
      const msg = err instanceof Error ? err.message : String(err);
      if (/locked|busy/i.test(msg)) throw new StorageError(`cannot open ${path}: database is locked (is another skiff server using it?)`, { cause: err });
      throw new StorageError(`cannot open ${path}: ${msg}`, { cause: err });
    }
    this.db = db;
    this.st = prepareStatements(db);
    this.rev = this.st.maxRevision.get()?.rev ?? 0;
    this.compacted = this.st.compactedRevision.get()!.value;
    this.revisionAtLastTick = this.rev;
    this.hub = new WatchHub(
      {
        currentRevision: () => this.rev,
        compactedRevision: () => this.compacted,
        readHistory: (prefix, after, upTo, limit) => this.readHistory(prefix, after, upTo, limit),
      },
      opts,
    );
    this.runBatch = db.transaction((batch: WriteOp[]) => this.applyBatch(batch)).immediate;
    const interval = opts.compactIntervalMs ?? 5 * 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.autoCompact(), interval);
      this.timer.unref();
    }
    this.log?.debug({ path, revision: this.rev, compacted: this.compacted }, 'sqlite datastore opened');
  }

  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.rev;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen();
    return live(this.st.latest.get(key));
  }

  create(key: string, value: string): Promise<KeyValue> {
    return this.enqueue((done) => ({ op: 'create', key, value, done }));
  }

  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    return this.enqueue((done) => ({ op: 'update', key, value, expected: expectedModRevision, done }));
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.enqueue((done) => ({ op: 'delete', key, expected: expectedModRevision, done }));
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    const revision = opts.revision && opts.revision > 0 ? opts.revision : this.rev;
    this.checkReadable(revision);
    const hi = prefixEnd(prefix);
    const after = opts.startAfter !== undefined && opts.startAfter >= prefix ? opts.startAfter : undefined;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const rows =
      after === undefined
        ? this.st.listFrom.all({ lo: prefix, hi, rev: revision, limit: limit > 0 ? limit + 1 : -1 })
        : this.st.listAfter.all({ lo: after, hi, rev: revision, limit: limit > 0 ? limit + 1 : -1 });
    if (limit < 0 || rows.length <= limit) return { items: rows.map(toKV), revision, more: false };
    const items = rows.slice(0, limit).map(toKV);
    const remaining = this.st.countAfter.get({ lo: items[items.length - 1].key, hi, rev: revision })!.n;
    return { items, revision, more: true, remaining };
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen();
    return this.st.countFrom.get({ lo: prefix, hi: prefixEnd(prefix), rev: this.rev })!.n;
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watcher {
    this.checkOpen();
    return this.hub.watch(prefix, afterRevision, handlers);
  }

  compact(revision: number): Promise<void> {
    // Serialised: two compactions interleaving their steps would each see the other's marker.
    const run = this.compacting.then(() => this.compactNow(revision));
    this.compacting = run.catch(() => undefined);
    return run;
  }

  async compactedRevision(): Promise<number> {
    this.checkOpen();
    return this.compacted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    // Writes already accepted are committed, not dropped; a running checkpoint finishes first.
    while (this.checkpointing) await this.checkpointing;
    while (this.queue.length > 0) this.flush();
    await this.compacting;
    await this.syncing;
    this.hub.endAll(new WatchEnded(`${this.name} closed`));
    // SQLite checkpoints on close: under synchronous=FULL, so it syncs before dropping the WAL.
    this.db.pragma('synchronous = FULL');
    this.db.close();
    if (this.walFd !== undefined) closeSync(this.walFd);
    if (this.dbFd !== undefined) closeSync(this.dbFd);
  }

  private enqueue(make: (done: Settle) => WriteOp): Promise<KeyValue> {
    if (this.closed) return Promise.reject(new StorageError(`${this.name} is closed`));
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<KeyValue>((resolve, reject) => {
      this.queue.push(make({ resolve, reject }));
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate, not a microtask: callers woken by the previous flush
        // (and I/O callbacks of this turn) get to queue into the same batch.
        setImmediate(() => {
          this.flushScheduled = false;
          if (!this.closed && !this.checkpointing) this.flush();
        });
      }
    });
  }

  private flush(): void {
    const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
    let outcome: ReturnType<SqliteBackend['runBatch']>;
    try {
      outcome = this.runBatch(batch);
    } catch (err) {
      // The transaction rolled back as a whole: nothing in the batch happened.
      this.log?.error({ err, writes: batch.length }, 'sqlite write batch failed');
      const e = err instanceof Error ? new StorageError(`write failed: ${err.message}`, { cause: err }) : new StorageError(String(err));
      for (const w of batch) w.done.reject(e);
      this.scheduleRest();
      return;
    }
    this.rev = outcome.rev;
    const committed: Committed = { batch, results: outcome.results, events: outcome.events };
    if (this.walFd === undefined) this.settle(committed);
    else {
      this.unsynced.push(committed);
      this.syncing ??= this.syncWal();
    }
    this.scheduleRest();
  }

  private settle(c: Committed): void {
    c.results.forEach((r, i) => (r instanceof Error ? c.batch[i]!.done.reject(r) : c.batch[i]!.done.resolve(r)));
    this.hub.publish(c.events);
  }

  /** fdatasync the WAL until every committed batch is durable, settling batches as they become so. */
  private async syncWal(): Promise<void> {
    while (this.unsynced.length > 0) {
      const covered = this.unsynced;
      this.unsynced = [];
      const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => fdatasync(this.walFd!, resolve));
      if (err) {
        // The data may or may not be on disk: the writers must not be told it is.
        this.log?.error({ err, batches: covered.length }, 'sqlite WAL sync failed');
        const e = new StorageError(`write not durable: ${err.message}`, { cause: err });
        for (const c of covered) for (const w of c.batch) w.done.reject(e);
        continue;
      }
      for (const c of covered) this.settle(c);
    }
    this.syncing = undefined;
    if (!this.checkpointing && !this.closed && fstatSync(this.walFd!).size > this.walCheckpointBytes) void this.checkpoint(false);
  }

  /**
   * Copies the WAL into the database so the WAL can start over (or, with
   * `truncate`, shrink to nothing); see the file comment for the order.
   */
  private checkpoint(truncate: boolean): Promise<void> {
    if (this.checkpointing) return this.checkpointing.then(() => this.checkpoint(truncate));
    const run = (async () => {
      if (this.walFd === undefined || this.dbFd === undefined) {
        this.db.pragma(`wal_checkpoint(${truncate ? 'TRUNCATE' : 'PASSIVE'})`);
        return;
      }
      // Every frame must be durable in the WAL before a page of it reaches the database file.
      await this.syncing;
      await fdatasyncAsync(this.walFd);
      this.db.pragma('wal_checkpoint(PASSIVE)');
      await fdatasyncAsync(this.dbFd);
      // Everything is in the synced database now: dropping the WAL loses nothing.
      if (truncate) this.db.pragma('wal_checkpoint(TRUNCATE)');
    })();
    this.checkpointing = run.then(
      () => undefined,
      (err: Error) => {
        // The database file may lack pages the WAL will no longer hold: refuse every write from here on.
        this.failed = new StorageError(`write not durable: checkpoint failed: ${err.message}`, { cause: err });
        this.log?.error({ err }, 'sqlite checkpoint failed; refusing writes');
        for (const w of this.queue.splice(0)) w.done.reject(this.failed);
      },
    ).finally(() => {
      this.checkpointing = undefined;
      this.scheduleRest();
    });
    return this.checkpointing;
  }

  private scheduleRest(): void {
    if (this.queue.length > 0 && !this.flushScheduled && !this.checkpointing) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        if (!this.closed && !this.checkpointing) this.flush();
      });
    }
  }

  /** Runs inside the transaction; revisions are assigned here, committed by the caller's commit. */
  private applyBatch(batch: WriteOp[]): { results: (KeyValue | Error)[]; events: WatchEvent[]; rev: number } {
    let rev = this.rev;
    const results: (KeyValue | Error)[] = [];
    const events: WatchEvent[] = [];
    for (const w of batch) {
      const row = this.st.latest.get(w.key);
      const cur = live(row);
      const prevRevision = row?.id ?? 0;
      switch (w.op) {
        case 'create': {
          if (cur) {
            results.push(new KeyExistsError(w.key, cur));
            continue;
          }
          rev++;
          this.st.insert.run(rev, w.key, 1, 0, rev, prevRevision, w.value);
          const kv: KeyValue = { key: w.key, value: w.value, createRevision: rev, modRevision: rev };
          results.push(kv);
          events.push({ type: 'put', kv });
          break;
        }
        case 'update': {
          if (!cur) {
            results.push(new NotFoundError(w.key));
            continue;
          }
          if (cur.modRevision !== w.expected) {
            results.push(new ConflictError(w.key, cur));
            continue;
          }
          rev++;
          this.st.insert.run(rev, w.key, 0, 0, cur.createRevision, prevRevision, w.value);
          const kv: KeyValue = { key: w.key, value: w.value, createRevision: cur.createRevision, modRevision: rev };
          results.push(kv);
          events.push({ type: 'put', kv, prev: cur });
          break;
        }
        case 'delete': {
          if (!cur) {
            results.push(new NotFoundError(w.key));
            continue;
          }
          if (w.expected !== undefined && cur.modRevision !== w.expected) {
            results.push(new ConflictError(w.key, cur));
            continue;
          }
          rev++;
          this.st.insert.run(rev, w.key, 0, 1, cur.createRevision, prevRevision, null);
          const kv: KeyValue = { ...cur, modRevision: rev };
          results.push(kv);
          events.push({ type: 'delete', kv, prev: cur });
          break;
        }
      }
    }
    return { results, events, rev };
  }

  private readHistory(prefix: string, after: number, upTo: number, limit: number): WatchEvent[] {
    const rows = this.st.history.all({ after, upTo, lo: prefix, hi: prefixEnd(prefix), limit });
    const out: WatchEvent[] = [];
    for (const r of rows) {
      if (!r.name.startsWith(prefix)) continue;
      out.push(toEvent(r));
    }
    return out;
  }

  private async compactNow(revision: number): Promise<void> {
    this.checkOpen();
    if (revision > this.rev) throw new StorageError(`mvcc: required revision ${revision} is a future revision (current ${this.rev})`);
    if (revision <= this.compacted) return;
    const started = Date.now();
    const step = this.db.transaction((from: number, to: number) => {
      const a = this.st.compactSuperseded.run({ from, to }).changes;
      const b = this.st.compactTombstones.run({ from, to }).changes;
      this.st.setCompactedRevision.run(to);
      return a + b;
    });
    let removed = 0;
    while (this.compacted < revision && !this.closed) {
      // A step is a write too: it must not land in the WAL while a checkpoint copies it.
      while (this.checkpointing) await this.checkpointing;
      if (this.closed) return;
      const to = Math.min(revision, this.compacted + compactStep);
      removed += step.immediate(this.compacted, to);
      this.compacted = to;
      if (this.compacted < revision) await new Promise((r) => setImmediate(r));
    }
    if (this.closed) return;
    await this.checkpoint(true);
    this.db.pragma('incremental_vacuum');
    this.log?.info({ revision, removed, ms: Date.now() - started }, 'sqlite datastore compacted');
  }

  private async autoCompact(): Promise<void> {
    const target = Math.min(this.rev - this.keepRevisions, this.revisionAtLastTick);
    this.revisionAtLastTick = this.rev;
    if (target <= this.compacted) {
      await this.checkpoint(true).catch(() => undefined);
      return;
    }
    try {
      await this.compact(target);
    } catch (err) {
      this.log?.warn({ err, target }, 'sqlite automatic compaction failed');
    }
  }

  private checkReadable(revision: number): void {
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
    if (revision > this.rev) throw new StorageError(`mvcc: required revision ${revision} is a future revision (current ${this.rev})`);
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError(`${this.name} is closed`);
  }
}

function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

function live(row: Row | undefined): KeyValue | undefined {
  return row && !row.deleted ? toKV(row) : undefined;
}

function toKV(row: Row): KeyValue {
  return { key: row.name, value: row.value ?? '', createRevision: row.create_revision, modRevision: row.id };
}

function toEvent(r: HistoryRow): WatchEvent {
  const prev: KeyValue | undefined =
    r.p_id !== null ? { key: r.name, value: r.p_value ?? '', createRevision: r.p_create_revision!, modRevision: r.p_id } : undefined;
  if (r.deleted) {
    // A tombstone's prev is always there: it supersedes a live row above the compaction point.
    const p = prev ?? { key: r.name, value: '', createRevision: r.create_revision, modRevision: r.id };
    return { type: 'delete', kv: { ...p, modRevision: r.id }, prev: p };
  }
  const kv = toKV(r);
  return prev ? { type: 'put', kv, prev } : { type: 'put', kv };
}

/** Opens (creating directory and file as needed) the SQLite datastore at path. */
export function openSqlite(path: string, opts?: SqliteOptions): SqliteBackend {
  return new SqliteBackend(resolve(path), opts);
}

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { StorageError } from '../backend.js';
import { runBackendConformance, record, settle } from '../conformance.js';
import { openBackend } from '../index.js';
import { openSqlite } from './sqlite.js';

const root = mkdtempSync(join(tmpdir(), 'skiff-sqlite-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
const freshPath = () => join(root, `db${seq++}`, 'state.db');

runBackendConformance('sqlite', async () => openSqlite(freshPath(), { compactIntervalMs: 0 }));

describe('sqlite datastore', () => {
  it('creates the directory and keeps data, revisions and the compaction point across reopen', async () => {
    const path = freshPath();
    const b1 = openSqlite(path, { compactIntervalMs: 0 });
    const a = await b1.create('/re/a', 'a1');
    const x = await b1.create('/re/x', 'x1');
    await b1.delete('/re/x', x.modRevision);
    const a2 = await b1.update('/re/a', 'a2', a.modRevision);
    await b1.compact(a2.modRevision);
    await b1.close();
    assert.ok(statSync(path).isFile());

    const b2 = openSqlite(path, { compactIntervalMs: 0 });
    try {
      assert.equal(await b2.currentRevision(), a2.modRevision);
      assert.equal(await b2.compactedRevision(), a2.modRevision);
      assert.deepEqual(await b2.get('/re/a'), a2);
      assert.equal(await b2.get('/re/x'), undefined);
      const next = await b2.create('/re/b', 'b1');
      assert.equal(next.modRevision, a2.modRevision + 1, 'revisions continue where they were, even when the top rows were compacted away');
    } finally {
      await b2.close();
    }
  });

  it('revisions never go back after the newest rows are compacted away', async () => {
    const path = freshPath();
    const b1 = openSqlite(path, { compactIntervalMs: 0 });
    const x = await b1.create('/top/x', '1');
    const d = await b1.delete('/top/x', x.modRevision);
    await b1.compact(d.modRevision);
    await b1.close();
    const b2 = openSqlite(path, { compactIntervalMs: 0 });
    try {
      assert.equal(await b2.currentRevision(), d.modRevision);
      assert.equal((await b2.create('/top/y', '2')).modRevision, d.modRevision + 1);
    } finally {
      await b2.close();
    }
  });

  it('refuses a second opener of the same file while the first has it', async () => {
    const path = freshPath();
    const b1 = openSqlite(path, { compactIntervalMs: 0 });
    try {
      assert.throws(() => openSqlite(path, { compactIntervalMs: 0 }), /database is locked/);
    } finally {
      await b1.close();
    }
  });

  it('a batch mixing successes and failures commits the successes only', async () => {
    const b = openSqlite(freshPath(), { compactIntervalMs: 0 });
    try {
      const x = await b.create('/mix/x', '1');
      const rec = record(b, '/mix/', x.modRevision);
      const out = await Promise.allSettled([
        b.create('/mix/a', 'a'),
        b.create('/mix/x', 'dup'),
        b.update('/mix/x', '2', x.modRevision),
        b.update('/mix/x', '3', x.modRevision),
        b.delete('/mix/nope'),
        b.create('/mix/b', 'b'),
      ]);
      assert.deepEqual(
        out.map((o) => o.status),
        ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'rejected', 'fulfilled'],
      );
      const revs = out.flatMap((o) => (o.status === 'fulfilled' ? [o.value.modRevision] : []));
      assert.deepEqual(revs, [x.modRevision + 1, x.modRevision + 2, x.modRevision + 3], 'no revision is burnt by a failed write');
      await rec.waitFor(3);
      await settle();
      assert.deepEqual(
        rec.events.map((e) => e.kv.modRevision),
        revs,
      );
      rec.watcher.close();
    } finally {
      await b.close();
    }
  });

  it('automatic compaction keeps the recent revisions and bounds the history', async () => {
    const b = openSqlite(freshPath(), { compactIntervalMs: 40, keepRevisions: 10 });
    try {
      const x = await b.create('/auto/x', '0');
      let cur = x;
      for (let i = 1; i <= 60; i++) cur = await b.update('/auto/x', String(i), cur.modRevision);
      // The first tick only notes the revision; the second may compact up to it.
      const deadline = Date.now() + 3000;
      while ((await b.compactedRevision()) === 0 && Date.now() < deadline) await settle(20);
      const compacted = await b.compactedRevision();
      assert.ok(compacted > 0, 'compacted on its own');
      assert.ok(compacted <= cur.modRevision - 10, `kept the last 10 revisions (compacted ${compacted}, current ${cur.modRevision})`);
      assert.deepEqual(await b.get('/auto/x'), cur);
    } finally {
      await b.close();
    }
  });

  it('checkpoints keep the WAL bounded while writes go on, and lose none of them', async () => {
    const path = freshPath();
    const b = openSqlite(path, { compactIntervalMs: 0, walCheckpointBytes: 256 * 1024 });
    const value = 'v'.repeat(2000);
    const written = new Map<string, number>();
    let biggestWal = 0;
    try {
      // Waves of concurrent writers: some land while a checkpoint holds the queue.
      for (let wave = 0; wave < 40; wave++) {
        const kvs = await Promise.all(Array.from({ length: 25 }, (_, i) => b.create(`/ck/${wave}-${i}`, value)));
        for (const kv of kvs) written.set(kv.key, kv.modRevision);
        biggestWal = Math.max(biggestWal, statSync(`${path}-wal`).size);
      }
    } finally {
      await b.close();
    }
    // The threshold plus what arrives while one checkpoint runs: far below the ~2 MB written.
    assert.ok(biggestWal < 1024 * 1024, `the WAL grew to ${biggestWal} bytes`);
    const again = openSqlite(path, { compactIntervalMs: 0 });
    try {
      assert.equal(written.size, 1000);
      for (const [key, rev] of written) assert.equal((await again.get(key))?.modRevision, rev, key);
    } finally {
      await again.close();
    }
  });

  it('a watch on a closed backend and writes after close fail clearly', async () => {
    const b = openSqlite(freshPath(), { compactIntervalMs: 0 });
    await b.close();
    assert.throws(() => b.watch('/', 0, { onEvent() {} }), StorageError);
    await assert.rejects(b.create('/x', '1'), /closed/);
  });

  it('every acknowledged write survives kill -9 of the writing process', () => killedWriterKeepsAcknowledgedWrites());

  it('every acknowledged write survives kill -9 while checkpoints come and go (a 64 KiB WAL threshold)', async () => {
    await killedWriterKeepsAcknowledgedWrites(64 * 1024);
  });

  async function killedWriterKeepsAcknowledgedWrites(checkpointBytes?: number): Promise<void> {
    const path = freshPath();
    const here = fileURLToPath(import.meta.url);
    const ts = here.endsWith('.ts');
    const script = join(here, '..', 'testdata', ts ? 'crash-writer.ts' : 'crash-writer.js');
    const child = spawn(process.execPath, [...(ts ? ['--import', 'tsx'] : []), script, path, '/crash/', ...(checkpointBytes ? [String(checkpointBytes)] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked = new Map<string, number>();
    let buf = '';
    let exitCode: number | null = null;
    const killedAfter = 400;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child acknowledged only ${acked.size} writes in time`)), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const [rev, key] = buf.slice(0, nl).split(' ');
          buf = buf.slice(nl + 1);
          acked.set(key, Number(rev));
        }
        if (acked.size >= killedAfter && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        exitCode = code;
        if (signal === 'SIGKILL') resolve();
        else reject(new Error(`crash writer exited with ${code} before being killed`));
      });
    });
    assert.equal(exitCode, null);
    assert.ok(acked.size >= killedAfter);
    if (checkpointBytes) {
      // Checkpoints really ran: ~600 KB of values went through a WAL that stayed near the threshold.
      const wal = statSync(`${path}-wal`).size;
      assert.ok(wal < 8 * checkpointBytes, `the WAL grew to ${wal} bytes`);
    }
    const b = await openBackend(`sqlite://${path}`);
    try {
      for (const [key, rev] of acked) {
        const kv = await b.get(key);
        assert.ok(kv, `acknowledged ${key}@${rev} is missing after kill -9`);
        assert.equal(kv.modRevision, rev);
      }
      assert.ok((await b.currentRevision()) >= Math.max(...acked.values()));
    } finally {
      await b.close();
    }
  }
});

describe('openBackend', () => {
  it('opens sqlite:// and memory:// endpoints and rejects the rest clearly', async () => {
    const path = freshPath();
    const s = await openBackend(`sqlite://${path}`);
    assert.equal(s.name, `sqlite://${path}`);
    await s.create('/e/a', '1');
    await s.close();
    const m = await openBackend('memory://');
    assert.equal(m.name, 'memory://');
    await m.close();
    await assert.rejects(openBackend('etcd://127.0.0.1:2379'), /etcd datastore is not supported yet/);
    await assert.rejects(openBackend('sqlite://relative/state.db'), /must be absolute/);
    await assert.rejects(openBackend('postgres://x'), /unsupported datastore endpoint/);
  });
});

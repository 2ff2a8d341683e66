import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CompactedError, WatchEnded } from './backend.js';
import { record, settle } from './conformance.js';
import { openMemory } from './memory/index.js';
import { openSqlite } from './sqlite/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

it('a catch-up overtaken by compaction ends with CompactedError instead of skipping events', async () => {
  const b = openMemory({ catchUpChunk: 5, deliverChunk: 5 });
  for (let i = 0; i < 100; i++) await b.create(`/c/${i}`, 'x');
  const rec = record(b, '/c/', 1);
  // The watch has delivered nothing yet (delivery waits for the event loop); compact past it.
  await b.compact(50);
  const err = await rec.waitEnd();
  assert.ok(err instanceof CompactedError);
  const revs = rec.events.map((e) => e.kv.modRevision);
  assert.ok(revs.every((r, i) => r === i + 2), 'whatever was delivered before the end is gap-free');
  await b.close();
});

it('catch-up in small chunks interleaved with live writes keeps order without gaps or duplicates', async () => {
  const b = openMemory({ catchUpChunk: 3, deliverChunk: 4 });
  for (let i = 0; i < 40; i++) await b.create(`/i/${i}`, 'x');
  const rec = record(b, '/i/', 10);
  const writes = [];
  for (let i = 40; i < 80; i++) writes.push(b.create(`/i/${i}`, 'x'));
  await Promise.all(writes);
  await rec.waitFor(70);
  await settle();
  assert.deepEqual(
    rec.events.map((e) => e.kv.modRevision),
    Array.from({ length: 70 }, (_, i) => i + 11),
  );
  await b.close();
});

it('a consumer that throws loses its own watch only', async () => {
  const b = openMemory();
  const boom = new Error('consumer failed');
  let ended: Error | undefined;
  b.watch('/', 0, {
    onEvent() {
      throw boom;
    },
    onEnd(err) {
      ended = err;
    },
  });
  const healthy = record(b, '/', 0);
  await b.create('/a', '1');
  await b.create('/b', '2');
  await healthy.waitFor(2);
  await settle();
  assert.equal(ended, boom);
  assert.equal(healthy.events.length, 2);
  assert.equal(healthy.ended, undefined);
  await b.close();
});

it('sqlite: a watch whose buffer overflows ends with WatchEnded while writers carry on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-hub-test-'));
  const b = openSqlite(join(dir, 'state.db'), { compactIntervalMs: 0, maxBuffered: 50 });
  try {
    const rec = record(b, '/', 0);
    // 200 writes in one batch are published at once, before the watcher can drain.
    const kvs = await Promise.all(Array.from({ length: 200 }, (_, i) => b.create(`/o/${i}`, 'x')));
    assert.equal(kvs.length, 200);
    const err = await rec.waitEnd();
    assert.ok(err instanceof WatchEnded);
    assert.equal(await b.count('/o/'), 200);
  } finally {
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

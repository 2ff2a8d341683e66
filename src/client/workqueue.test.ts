import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../util/log.js';
import { createWorkQueue, runWorkers, TerminalError } from './workqueue.js';

describe('work queue', () => {
  it('queues a key once however often it is added, in first-added order', async () => {
    const q = createWorkQueue();
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    assert.equal(q.len(), 3);
    assert.deepEqual([await q.get(), await q.get(), await q.get()], ['a', 'b', 'c']);
    assert.equal(q.len(), 0);
  });

  it('re-queues a key added while processing only after done, and never hands it out twice', async () => {
    const q = createWorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a');
    q.add('a');
    assert.equal(q.len(), 0, 'a dirty key waits for done');
    let second: string | undefined;
    void q.get().then((v) => (second = v));
    await sleep(5);
    assert.equal(second, undefined, 'no second worker may get a key that is being processed');
    q.done(k!);
    await sleep(0);
    assert.equal(second, 'a');
    q.done('a');
    assert.equal(q.len(), 0);
  });

  it('wakes a waiting get on add', async () => {
    const q = createWorkQueue<number>();
    const p = q.get();
    q.add(7);
    assert.equal(await p, 7);
  });

  it('backs off per key exponentially, capped, until forgotten', async () => {
    const q = createWorkQueue({ baseDelayMs: 10, maxDelayMs: 40 });
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = Date.now();
      q.addRateLimited('k');
      const k = await q.get();
      waits.push(Date.now() - t0);
      q.done(k!);
    }
    assert.equal(q.numRequeues('k'), 4);
    // 10, 20, 40, 40 (capped); timers may fire a little late, never early.
    const want = [10, 20, 40, 40];
    waits.forEach((w, i) => assert.ok(w >= want[i]! - 2 && w < want[i]! + 60, `retry ${i} waited ${w} ms, want ~${want[i]}`));
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
    q.addRateLimited('other');
    assert.equal(q.numRequeues('other'), 1, 'failures are counted per key');
  });

  it('addAfter delays, keeps the earliest time for a key, and adds at once for delay <= 0', async () => {
    const q = createWorkQueue();
    // t0 before the adds: a pause between them and the clock read must not shorten the measured wait.
    const t0 = Date.now();
    q.addAfter('late', 200);
    q.addAfter('late', 30);
    q.addAfter('late', 500);
    assert.equal(await q.get(), 'late');
    const waited = Date.now() - t0;
    assert.ok(waited >= 25 && waited < 190, `waited ${waited} ms, want ~30 (and well before 200)`);
    q.addAfter('now', 0);
    assert.equal(q.len(), 1);
    q.shutDown();
  });

  it('answers undefined after shutDown and ignores later adds', async () => {
    const q = createWorkQueue();
    const waiting = q.get();
    q.shutDown();
    assert.equal(await waiting, undefined);
    q.add('x');
    q.addAfter('y', 1);
    assert.equal(q.len(), 0);
    assert.equal(await q.get(), undefined);
  });
});

describe('runWorkers', () => {
  it('applies the retry policy of the sync result', async () => {
    const q = createWorkQueue({ baseDelayMs: 1 });
    const calls: string[] = [];
    let flaky = 0;
    let requeued = 0;
    const stop = runWorkers(
      q,
      2,
      async (key: string) => {
        calls.push(key);
        if (key === 'flaky' && ++flaky < 3) throw new Error('transient');
        if (key === 'doomed') throw new TerminalError('cannot work');
        if (key === 'again' && ++requeued < 2) return { requeueAfterMs: 20 };
      },
      silentLogger(),
    );
    for (const k of ['ok', 'flaky', 'doomed', 'again']) q.add(k);
    await sleep(150);
    await stop();
    const count = (k: string) => calls.filter((c) => c === k).length;
    assert.equal(count('ok'), 1);
    assert.equal(count('flaky'), 3, 'a thrown error retries until success');
    assert.equal(count('doomed'), 1, 'a TerminalError is not retried');
    assert.equal(count('again'), 2, 'requeueAfterMs brings the key back once more');
    for (const k of ['ok', 'flaky', 'doomed', 'again']) assert.equal(q.numRequeues(k), 0, `${k} forgotten`);
  });

  it('never syncs one key concurrently, and stop waits for running syncs', async () => {
    const q = createWorkQueue<string>();
    let running = 0;
    let maxRunning = 0;
    let finished = 0;
    const stop = runWorkers(
      q,
      4,
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(20);
        running--;
        finished++;
      },
      silentLogger(),
    );
    q.add('same');
    await sleep(5);
    q.add('same');
    q.add('same');
    await sleep(5);
    await stop();
    assert.equal(maxRunning, 1);
    assert.equal(running, 0, 'stop resolved while a sync was still running');
    assert.ok(finished >= 1);
  });
});

/**
 * The one behaviour suite every Backend passes (memory, SQLite, later etcd):
 * call `runBackendConformance('sqlite', () => openSomething())` from the
 * backend's test file. Each test opens a fresh backend and closes it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CompactedError,
  ConflictError,
  KeyExistsError,
  NotFoundError,
  StorageError,
  WatchEnded,
  type Backend,
  type KeyValue,
  type WatchEvent,
  type Watcher,
} from './backend.js';

/** A watch that records what it gets, with a way to wait for a number of events. */
export interface Recorder {
  events: WatchEvent[];
  ended?: Error;
  watcher: Watcher;
  waitFor(n: number, timeoutMs?: number): Promise<WatchEvent[]>;
  waitEnd(timeoutMs?: number): Promise<Error>;
}

export function record(b: Backend, prefix: string, after: number): Recorder {
  const events: WatchEvent[] = [];
  let wake = () => {};
  const rec: Recorder = {
    events,
    watcher: undefined as unknown as Watcher,
    async waitFor(n, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < n && !rec.ended) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${n} watch events on ${prefix}, got ${events.length}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 20);
        });
      }
      return events;
    },
    async waitEnd(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!rec.ended) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for the watch on ${prefix} to end`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return rec.ended;
    },
  };
  rec.watcher = b.watch(prefix, after, {
    onEvent: (e) => {
      events.push(e);
      wake();
    },
    onEnd: (err) => {
      rec.ended = err;
      wake();
    },
  });
  return rec;
}

/** Lets in-flight deliveries arrive, to check that nothing more comes. */
export function settle(ms = 50): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Watching below the compaction point fails: synchronously, or by ending the watch at once. */
async function assertWatchCompacted(b: Backend, prefix: string, after: number): Promise<void> {
  let rec: Recorder;
  try {
    rec = record(b, prefix, after);
  } catch (err) {
    assert.ok(err instanceof CompactedError, `expected CompactedError, got ${String(err)}`);
    return;
  }
  const err = await rec.waitEnd();
  assert.ok(err instanceof CompactedError, `expected CompactedError, got ${String(err)}`);
  assert.equal(rec.events.length, 0);
}

function brief(e: WatchEvent): string {
  return `${e.type} ${e.kv.key}@${e.kv.modRevision}=${e.kv.value}${e.prev ? ` prev@${e.prev.modRevision}=${e.prev.value}` : ''}`;
}

export function runBackendConformance(name: string, newBackend: () => Promise<Backend>): void {
  const withBackend = (fn: (b: Backend) => Promise<void>) => async () => {
    const b = await newBackend();
    try {
      await fn(b);
    } finally {
      await b.close();
    }
  };

  describe(`Backend conformance: ${name}`, () => {
    it(
      'gives every write a new, strictly increasing revision across keys',
      withBackend(async (b) => {
        assert.equal(await b.currentRevision(), 0);
        const a = await b.create('/r/a', 'a1');
        const c = await b.create('/r/c', 'c1');
        const a2 = await b.update('/r/a', 'a2', a.modRevision);
        const cd = await b.delete('/r/c');
        const revs = [a.modRevision, c.modRevision, a2.modRevision, cd.modRevision];
        for (let i = 1; i < revs.length; i++) assert.ok(revs[i] > revs[i - 1], `revisions ${revs.join(',')} must increase`);
        assert.ok(a.modRevision > 0);
        assert.equal(await b.currentRevision(), cd.modRevision);
        assert.deepEqual(a, { key: '/r/a', value: 'a1', createRevision: a.modRevision, modRevision: a.modRevision });
        assert.deepEqual(a2, { key: '/r/a', value: 'a2', createRevision: a.modRevision, modRevision: a2.modRevision });
        assert.deepEqual(cd, { key: '/r/c', value: 'c1', createRevision: c.modRevision, modRevision: cd.modRevision });
      }),
    );

    it(
      'get returns the current kv, undefined for missing and deleted keys',
      withBackend(async (b) => {
        assert.equal(await b.get('/g/x'), undefined);
        const x = await b.create('/g/x', '{"v":1}');
        assert.deepEqual(await b.get('/g/x'), x);
        const x2 = await b.update('/g/x', '{"v":2}', x.modRevision);
        assert.deepEqual(await b.get('/g/x'), x2);
        assert.equal(await b.get('/g/'), undefined, 'get is exact, not a prefix match');
        await b.delete('/g/x', x2.modRevision);
        assert.equal(await b.get('/g/x'), undefined);
      }),
    );

    it(
      'create on an existing key fails with KeyExistsError; after a delete it succeeds anew',
      withBackend(async (b) => {
        const x = await b.create('/k/x', 'one');
        const rev = await b.currentRevision();
        await assert.rejects(b.create('/k/x', 'two'), (err: unknown) => {
          assert.ok(err instanceof KeyExistsError);
          assert.equal(err.key, '/k/x');
          return true;
        });
        assert.equal(await b.currentRevision(), rev, 'a failed write takes no revision');
        assert.equal((await b.get('/k/x'))?.value, 'one');
        await b.delete('/k/x');
        const again = await b.create('/k/x', 'three');
        assert.ok(again.createRevision > x.createRevision);
        assert.equal(again.createRevision, again.modRevision);
      }),
    );

    it(
      'update and delete compare-and-swap on modRevision',
      withBackend(async (b) => {
        const x = await b.create('/cas/x', 'v1');
        const x2 = await b.update('/cas/x', 'v2', x.modRevision);
        await assert.rejects(b.update('/cas/x', 'v3', x.modRevision), (err: unknown) => {
          assert.ok(err instanceof ConflictError);
          assert.deepEqual(err.current, x2);
          return true;
        });
        await assert.rejects(b.delete('/cas/x', x.modRevision), (err: unknown) => {
          assert.ok(err instanceof ConflictError);
          assert.deepEqual(err.current, x2);
          return true;
        });
        assert.deepEqual(await b.get('/cas/x'), x2);
        const gone = await b.delete('/cas/x', x2.modRevision);
        assert.equal(gone.value, 'v2');
        assert.ok(gone.modRevision > x2.modRevision);
      }),
    );

    it(
      'update and delete of a missing key fail with NotFoundError',
      withBackend(async (b) => {
        await assert.rejects(b.update('/nf/x', 'v', 1), NotFoundError);
        await assert.rejects(b.delete('/nf/x'), NotFoundError);
        await assert.rejects(b.delete('/nf/x', 1), NotFoundError);
        const x = await b.create('/nf/x', 'v');
        await b.delete('/nf/x');
        await assert.rejects(b.update('/nf/x', 'w', x.modRevision), NotFoundError);
        await assert.rejects(b.delete('/nf/x'), NotFoundError);
      }),
    );

    it(
      'list returns the keys under a prefix in key order, with the list revision',
      withBackend(async (b) => {
        for (const k of ['/l/b', '/l/a', '/lx/a', '/l/c', '/m/a', '/l/a/sub']) await b.create(k, `v${k}`);
        const r = await b.list('/l/');
        assert.deepEqual(
          r.items.map((i) => i.key),
          ['/l/a', '/l/a/sub', '/l/b', '/l/c'],
        );
        assert.equal(r.items[0].value, 'v/l/a');
        assert.equal(r.revision, await b.currentRevision());
        assert.equal(r.more, false);
        assert.equal((await b.list('/nothing/')).items.length, 0);
        assert.equal((await b.list('')).items.length, 6, 'the empty prefix lists everything');
        assert.deepEqual(
          (await b.list('/l/a')).items.map((i) => i.key),
          ['/l/a', '/l/a/sub'],
        );
      }),
    );

    it(
      'list pages with limit, startAfter, more and remaining',
      withBackend(async (b) => {
        const keys = Array.from({ length: 7 }, (_, i) => `/p/k${i}`);
        for (const k of keys) await b.create(k, k);
        await b.create('/q/other', 'x');
        const first = await b.list('/p/', { limit: 3 });
        assert.deepEqual(
          first.items.map((i) => i.key),
          keys.slice(0, 3),
        );
        assert.equal(first.more, true);
        assert.equal(first.remaining, 4);
        // Writes after the first page do not show in pages read at its revision.
        await b.create('/p/k9', 'late');
        await b.delete('/p/k4');
        const seen = [...first.items.map((i) => i.key)];
        let page = first;
        while (page.more) {
          page = await b.list('/p/', { limit: 3, startAfter: page.items[page.items.length - 1].key, revision: first.revision });
          assert.equal(page.revision, first.revision);
          seen.push(...page.items.map((i) => i.key));
        }
        assert.deepEqual(seen, keys);
        const exact = await b.list('/p/', { limit: 7, revision: first.revision });
        assert.equal(exact.more, false, 'a page that ends exactly at the last key has no more');
        const now = await b.list('/p/', { startAfter: '/p/k5' });
        assert.deepEqual(
          now.items.map((i) => i.key),
          ['/p/k6', '/p/k9'],
        );
      }),
    );

    it(
      'list at an older revision sees the state as of then',
      withBackend(async (b) => {
        const a = await b.create('/h/a', 'a1');
        await b.create('/h/b', 'b1');
        const r1 = await b.currentRevision();
        await b.update('/h/a', 'a2', a.modRevision);
        await b.delete('/h/b');
        await b.create('/h/c', 'c1');
        const old = await b.list('/h/', { revision: r1 });
        assert.equal(old.revision, r1);
        assert.deepEqual(
          old.items.map((i) => [i.key, i.value, i.modRevision]),
          [
            ['/h/a', 'a1', a.modRevision],
            ['/h/b', 'b1', r1],
          ],
        );
        const now = await b.list('/h/');
        assert.deepEqual(
          now.items.map((i) => [i.key, i.value]),
          [
            ['/h/a', 'a2'],
            ['/h/c', 'c1'],
          ],
        );
        await assert.rejects(b.list('/h/', { revision: (await b.currentRevision()) + 10 }), StorageError);
      }),
    );

    it(
      'count counts the live keys under a prefix',
      withBackend(async (b) => {
        assert.equal(await b.count('/c/'), 0);
        for (let i = 0; i < 5; i++) await b.create(`/c/${i}`, 'x');
        await b.create('/d/0', 'x');
        await b.delete('/c/3');
        const x = await b.get('/c/1');
        await b.update('/c/1', 'y', x!.modRevision);
        assert.equal(await b.count('/c/'), 4);
        assert.equal(await b.count(''), 5);
      }),
    );

    it(
      'watch from now (0) delivers only later writes, in order, with prev for updates and deletes',
      withBackend(async (b) => {
        const before = await b.create('/w/before', 'x');
        const rec = record(b, '/w/', 0);
        const a = await b.create('/w/a', 'a1');
        const a2 = await b.update('/w/a', 'a2', a.modRevision);
        await b.create('/other/z', 'not watched');
        const ad = await b.delete('/w/a');
        const bd = await b.delete('/w/before', before.modRevision);
        await rec.waitFor(4);
        await settle();
        assert.deepEqual(rec.events, [
          { type: 'put', kv: a },
          { type: 'put', kv: a2, prev: a },
          { type: 'delete', kv: ad, prev: a2 },
          { type: 'delete', kv: bd, prev: before },
        ]);
        assert.equal(rec.ended, undefined);
        rec.watcher.close();
      }),
    );

    it(
      'watch from a past revision replays exactly the later events, then continues live',
      withBackend(async (b) => {
        const a = await b.create('/wp/a', 'a1');
        const start = a.modRevision;
        const a2 = await b.update('/wp/a', 'a2', a.modRevision);
        const bb = await b.create('/wp/b', 'b1');
        const ad = await b.delete('/wp/a');
        await b.create('/wq/x', 'other prefix');
        const rec = record(b, '/wp/', start);
        const c = await b.create('/wp/c', 'c1');
        await rec.waitFor(4);
        await settle();
        assert.deepEqual(rec.events.map(brief), [
          `put /wp/a@${a2.modRevision}=a2 prev@${a.modRevision}=a1`,
          `put /wp/b@${bb.modRevision}=b1`,
          `delete /wp/a@${ad.modRevision}=a2 prev@${a2.modRevision}=a2`,
          `put /wp/c@${c.modRevision}=c1`,
        ]);
        assert.deepEqual(rec.events[2], { type: 'delete', kv: ad, prev: a2 });
        rec.watcher.close();

        // From the current revision: nothing old, the next write only.
        const rec2 = record(b, '/wp/', await b.currentRevision());
        const d = await b.create('/wp/d', 'd1');
        await rec2.waitFor(1);
        await settle();
        assert.deepEqual(rec2.events, [{ type: 'put', kv: d }]);
        rec2.watcher.close();
      }),
    );

    it(
      'a watch started mid-stream of concurrent writes sees every later event exactly once, in order',
      withBackend(async (b) => {
        const n = 300;
        const writes: Promise<KeyValue>[] = [];
        for (let i = 0; i < n / 2; i++) writes.push(b.create(`/ws/${i}`, `v${i}`));
        await Promise.all(writes);
        const from = (await b.currentRevision()) - 50;
        const rec = record(b, '/ws/', from);
        const more: Promise<KeyValue>[] = [];
        for (let i = n / 2; i < n; i++) more.push(b.create(`/ws/${i}`, `v${i}`));
        await Promise.all(more);
        const expected = 50 + n / 2;
        await rec.waitFor(expected);
        await settle();
        assert.equal(rec.events.length, expected);
        const revs = rec.events.map((e) => e.kv.modRevision);
        for (let i = 1; i < revs.length; i++) assert.ok(revs[i] > revs[i - 1], 'strictly ascending, no duplicates');
        assert.equal(revs[0], from + 1);
        assert.equal(revs[revs.length - 1], await b.currentRevision());
        rec.watcher.close();
      }),
    );

    it(
      'concurrent writes get distinct revisions and are all watched',
      withBackend(async (b) => {
        const rec = record(b, '/cc/', 0);
        const results = await Promise.all(Array.from({ length: 200 }, (_, i) => b.create(`/cc/${i % 100}/${i}`, String(i))));
        const revs = new Set(results.map((r) => r.modRevision));
        assert.equal(revs.size, 200);
        await rec.waitFor(200);
        await settle();
        assert.equal(rec.events.length, 200);
        assert.deepEqual(
          new Set(rec.events.map((e) => e.kv.modRevision)),
          revs,
        );
        rec.watcher.close();
      }),
    );

    it(
      'concurrent compare-and-swap on one key lets exactly one writer win',
      withBackend(async (b) => {
        const x = await b.create('/race/x', '0');
        const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => b.update('/race/x', String(i + 1), x.modRevision)));
        assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
        for (const o of outcomes) if (o.status === 'rejected') assert.ok(o.reason instanceof ConflictError);
        const creates = await Promise.allSettled([b.create('/race/y', 'a'), b.create('/race/y', 'b')]);
        assert.equal(creates.filter((o) => o.status === 'fulfilled').length, 1);
        assert.ok(creates.some((o) => o.status === 'rejected' && o.reason instanceof KeyExistsError));
      }),
    );

    it(
      'a closed watcher receives nothing more',
      withBackend(async (b) => {
        const rec = record(b, '/wc/', 0);
        await b.create('/wc/a', '1');
        await rec.waitFor(1);
        rec.watcher.close();
        rec.watcher.close();
        await b.create('/wc/b', '2');
        await settle();
        assert.equal(rec.events.length, 1);
        assert.equal(rec.ended, undefined, 'onEnd is not called after close()');
      }),
    );

    it(
      'compact forgets history below the point: old lists and watches fail with CompactedError',
      withBackend(async (b) => {
        const a = await b.create('/cp/a', 'a1');
        await b.create('/cp/b', 'b1');
        const early = await b.currentRevision();
        const a2 = await b.update('/cp/a', 'a2', a.modRevision);
        await b.delete('/cp/b');
        await b.create('/cp/c', 'c1');
        const point = await b.currentRevision();
        const a3 = await b.update('/cp/a', 'a3', a2.modRevision);
        const bAgain = await b.create('/cp/b', 'b2');
        assert.equal(await b.compactedRevision(), 0);
        await b.compact(point);
        assert.equal(await b.compactedRevision(), point);

        await assert.rejects(b.list('/cp/', { revision: early }), (err: unknown) => {
          assert.ok(err instanceof CompactedError);
          assert.equal(err.compacted, point);
          return true;
        });
        const atPoint = await b.list('/cp/', { revision: point });
        assert.deepEqual(
          atPoint.items.map((i) => [i.key, i.value]),
          [
            ['/cp/a', 'a2'],
            ['/cp/c', 'c1'],
          ],
        );
        assert.deepEqual(
          (await b.list('/cp/')).items.map((i) => [i.key, i.value]),
          [
            ['/cp/a', 'a3'],
            ['/cp/b', 'b2'],
            ['/cp/c', 'c1'],
          ],
        );
        assert.equal(await b.count('/cp/'), 3);
        assert.deepEqual(await b.get('/cp/a'), a3);

        await assertWatchCompacted(b, '/cp/', early);
        const rec = record(b, '/cp/', point);
        await rec.waitFor(2);
        await settle();
        assert.deepEqual(rec.events, [
          { type: 'put', kv: a3, prev: a2 },
          { type: 'put', kv: bAgain },
        ]);
        rec.watcher.close();

        // Compacting again to the same or a lower point changes nothing.
        await b.compact(point);
        await b.compact(early);
        assert.equal(await b.compactedRevision(), point);
        // Writes still work on keys whose history was compacted.
        const a4 = await b.update('/cp/a', 'a4', a3.modRevision);
        assert.equal(a4.createRevision, a.createRevision);
        await b.delete('/cp/c');
        await b.compact(await b.currentRevision());
        assert.deepEqual(
          (await b.list('/cp/')).items.map((i) => i.value),
          ['a4', 'b2'],
        );
      }),
    );

    it(
      'close ends open watches and refuses further use',
      withBackend(async (b) => {
        await b.create('/cl/a', '1');
        const rec = record(b, '/cl/', 0);
        await b.close();
        const err = await rec.waitEnd();
        assert.ok(err instanceof WatchEnded, `expected WatchEnded, got ${String(err)}`);
        await assert.rejects(b.create('/cl/b', '2'));
        await assert.rejects(b.get('/cl/a'));
        await b.close();
      }),
    );
  });
}

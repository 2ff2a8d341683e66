import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KObject } from '../api/types.js';
import { startApiServer, type TestApiServer } from '../../test/support/api-server.js';
import { createInformer, keyOf, resources, SharedInformerFactory, splitKey, type Client, type ResourceClient, type WatchEvent } from './index.js';

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * A real client whose watches the test can blind (events dropped, as if the
 * connection stalled), expire (an injected ERROR 410) or break (the stream
 * fails), to drive the informer's re-list path against the real server.
 */
function controllableClient(real: Client) {
  let blind = false;
  let current: { onEvent: (ev: WatchEvent) => void; onClose?: (err?: Error) => void; stop: () => void } | undefined;
  let watches = 0;
  const client: Client = {
    config: real.config,
    raw: (...a) => real.raw(...a),
    close: () => real.close(),
    resource<T extends KObject>(gvr: Parameters<Client['resource']>[0], ns?: string): ResourceClient<T> {
      const rc = real.resource<T>(gvr, ns);
      const wrapped = Object.create(rc) as ResourceClient<T>;
      wrapped.watch = (opts, onEvent, onClose) => {
        watches++;
        const h = rc.watch(opts, (ev) => !blind && onEvent(ev), onClose);
        current = { onEvent: onEvent as (ev: WatchEvent) => void, onClose, stop: () => h.stop() };
        return h;
      };
      return wrapped;
    },
  };
  return {
    client,
    watches: () => watches,
    blind(on: boolean) {
      blind = on;
    },
    expire() {
      current!.onEvent({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired', message: 'too old resource version' } });
    },
    break() {
      const c = current!;
      c.stop();
      c.onClose?.(new Error('connection reset'));
    },
  };
}

type Seen = [string, string, string?];

function recorder() {
  const seen: Seen[] = [];
  return {
    seen,
    handlers: {
      onAdd: (o: Readonly<KObject>) => seen.push(['add', keyOf(o), (o.data as Record<string, string> | undefined)?.v]),
      onUpdate: (_old: Readonly<KObject>, o: Readonly<KObject>) => seen.push(['update', keyOf(o), (o.data as Record<string, string> | undefined)?.v]),
      onDelete: (o: Readonly<KObject>) => seen.push(['delete', keyOf(o), (o.data as Record<string, string> | undefined)?.v]),
    },
    take(): Seen[] {
      return seen.splice(0);
    },
  };
}

const cm = (name: string, v: string, labels: Record<string, string> = {}): KObject => ({ metadata: { name, labels }, data: { v } });

describe('keys', () => {
  it('splits what keyOf makes', () => {
    assert.equal(keyOf({ metadata: { namespace: 'a', name: 'b' } }), 'a/b');
    assert.equal(keyOf({ metadata: { name: 'node1' } }), 'node1');
    assert.deepEqual(splitKey('a/b'), { namespace: 'a', name: 'b' });
    assert.deepEqual(splitKey('node1'), { name: 'node1' });
  });
});

describe('informer against a real server', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startApiServer();
    for (const ns of ['inf', 'inf2', 'shared']) await api.client.resource(resources.namespaces).create({ metadata: { name: ns } });
  });
  after(() => api.stop());

  it('lists, watches, indexes, and diffs a re-list after 410 against its cache', async () => {
    const ctl = controllableClient(api.client);
    const cms = api.client.resource(resources.configmaps, 'inf');
    for (const [n, tier] of [['a', 'web'], ['b', 'db'], ['c', 'web']] as const) await cms.create(cm(n, '1', { tier }));

    const inf = createInformer(ctl.client, resources.configmaps, { namespace: 'inf', pageSize: 2 });
    inf.addIndex('tier', (o) => [o.metadata?.labels?.tier ?? '']);
    const rec = recorder();
    inf.addEventHandler(rec.handlers);
    inf.start();
    await inf.waitForSync();
    assert.ok(inf.hasSynced());
    assert.deepEqual(rec.take(), [
      ['add', 'inf/a', '1'],
      ['add', 'inf/b', '1'],
      ['add', 'inf/c', '1'],
    ]);
    assert.equal(inf.list().length, 3);
    assert.equal(inf.list('inf').length, 3);
    assert.equal(inf.list('elsewhere').length, 0);
    assert.equal(inf.get('inf/a')?.kind, 'ConfigMap', 'listed objects carry their kind');
    assert.deepEqual(inf.byIndex('tier', 'web').map(keyOf).sort(), ['inf/a', 'inf/c']);

    // Live events.
    const a = await cms.get('a');
    await cms.update({ ...a, data: { v: '2' } });
    await cms.delete('b');
    await cms.create(cm('d', '1', { tier: 'db' }));
    await until(() => rec.seen.length === 3, 'three live events');
    assert.deepEqual(rec.take(), [
      ['update', 'inf/a', '2'],
      ['delete', 'inf/b', '1'],
      ['add', 'inf/d', '1'],
    ]);
    assert.deepEqual(inf.byIndex('tier', 'db').map(keyOf), ['inf/d']);
    const rvAfterLive = inf.lastResourceVersion();
    assert.ok(Number(rvAfterLive) > 0);

    // Changes the informer does not see, then 410: the re-list must find them.
    ctl.blind(true);
    const c = await cms.get('c');
    await cms.update({ ...c, data: { v: '3' }, metadata: { ...c.metadata, labels: { tier: 'db' } } });
    await cms.delete('d');
    await cms.create(cm('e', '1', { tier: 'web' }));
    await sleep(50);
    assert.deepEqual(rec.take(), [], 'a blind watch delivers nothing');
    ctl.blind(false);
    const watchesBefore = ctl.watches();
    ctl.expire();
    await until(() => rec.seen.length === 3, 'the re-list diff');
    assert.deepEqual(rec.take(), [
      ['update', 'inf/c', '3'],
      ['add', 'inf/e', '1'],
      ['delete', 'inf/d', '1'],
    ]);
    assert.deepEqual(inf.list().map(keyOf).sort(), ['inf/a', 'inf/c', 'inf/e']);
    assert.deepEqual(inf.byIndex('tier', 'db').map(keyOf), ['inf/c'], 'indexes follow the re-list');
    assert.deepEqual(inf.byIndex('tier', 'web').map(keyOf).sort(), ['inf/a', 'inf/e']);
    assert.ok(Number(inf.lastResourceVersion()) > Number(rvAfterLive));

    // ...and it watches again afterwards.
    await until(() => ctl.watches() > watchesBefore, 'a new watch');
    await cms.create(cm('f', '1'));
    await until(() => rec.seen.length === 1, 'an event on the new watch');
    assert.deepEqual(rec.take(), [['add', 'inf/f', '1']]);

    // A late handler hears about everything already cached.
    const late = recorder();
    inf.addEventHandler(late.handlers);
    assert.deepEqual(late.take().map((s) => s[1]).sort(), ['inf/a', 'inf/c', 'inf/e', 'inf/f']);
    assert.throws(() => inf.byIndex('nope', 'x'), /no index named "nope"/);
    inf.stop();
  });

  it('recovers from a broken stream with a re-list after backoff', async () => {
    const ctl = controllableClient(api.client);
    const cms = api.client.resource(resources.configmaps, 'inf2');
    await cms.create(cm('x', '1'));
    const inf = createInformer(ctl.client, resources.configmaps, { namespace: 'inf2' });
    const rec = recorder();
    inf.addEventHandler(rec.handlers);
    inf.start();
    await inf.waitForSync();
    rec.take();
    ctl.break();
    await cms.delete('x');
    await cms.create(cm('y', '1'));
    await until(() => rec.seen.length === 2, 'events after the reconnect', 5000);
    assert.deepEqual(rec.take().sort(), [
      ['add', 'inf2/y', '1'],
      ['delete', 'inf2/x', '1'],
    ]);
    inf.stop();
  });

  it('keeps delivering to other handlers when one throws, and resyncs', async () => {
    const cms = api.client.resource(resources.configmaps, 'shared');
    await cms.create(cm('r', '1'));
    const inf = createInformer(api.client, resources.configmaps, { namespace: 'shared', resyncMs: 40 });
    let resyncs = 0;
    inf.addEventHandler({
      onAdd: () => {
        throw new Error('bad handler');
      },
    });
    inf.addEventHandler({ onUpdate: (o, n) => o === n && resyncs++ });
    inf.start();
    await inf.waitForSync();
    await until(() => resyncs >= 2, 'two resyncs');
    inf.stop();
  });

  it('rejects waitForSync when stopped before syncing', async () => {
    const inf = createInformer(api.client, resources.configmaps);
    const waiting = inf.waitForSync();
    inf.stop();
    await assert.rejects(waiting, /stopped before it synced/);
  });

  it('shares one informer per resource and namespace', async () => {
    const f = new SharedInformerFactory(api.client);
    const pods = f.informerFor(resources.pods);
    assert.equal(f.informerFor(resources.pods), pods);
    assert.notEqual(f.informerFor(resources.pods, 'shared'), pods);
    const nsInf = f.informerFor(resources.namespaces);
    f.start();
    await f.waitForSync();
    assert.ok(nsInf.list().some((n) => n.metadata?.name === 'kube-system'));
    const late = f.informerFor(resources.configmaps, 'shared');
    await late.waitForSync();
    assert.deepEqual(late.list().map((o) => o.metadata?.name).sort(), ['r']);
    f.stop();
  });
});

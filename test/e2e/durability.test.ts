// A crash must not lose an acknowledged write: 1000 concurrent ConfigMap
// creates against a server on SQLite, SIGKILL in the middle of them, restart
// on the same data dir, and every create that was answered 201 is there,
// with its data. The server also must not reuse revisions after the crash,
// or watchers resuming from an acknowledged resourceVersion would miss writes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type Cluster, type ExitInfo } from './harness.js';

const total = 1000;
const inFlight = 64;
const killAfterAcks = 300;

function configMap(name: string, i: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', labels: { test: 'durability' } },
    data: { index: String(i), payload: `${name}:`.padEnd(512, 'x') },
  });
}

describe('durability: kill -9 during concurrent creates', { timeout: 180_000 }, () => {
  let cluster: Cluster | undefined;
  before(async () => {
    cluster = await startServer({ datastore: 'sqlite' });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('keeps every create that was answered 201', async () => {
    const c = cluster!;
    const acked = new Map<string, { index: number; resourceVersion: string }>();
    const otherAnswers = new Map<number, number>(); // status -> count, before the kill
    let cut = 0; // transport errors: requests the kill interrupted
    let killed: Promise<ExitInfo> | undefined;
    let next = 0;

    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < total && !killed) {
          const i = next++;
          const name = `durable-${String(i).padStart(4, '0')}`;
          try {
            const r = await c.request('POST', '/api/v1/namespaces/default/configmaps', {
              body: configMap(name, i),
              headers: { 'Content-Type': 'application/json' },
            });
            // A 201 that was already on the wire when the server died still counts:
            // the client was told the write is stored.
            if (r.status === 201) {
              acked.set(name, { index: i, resourceVersion: String(r.json?.metadata?.resourceVersion ?? '') });
              if (acked.size >= killAfterAcks && !killed) killed = c.kill9();
            } else if (!killed) {
              otherAnswers.set(r.status, (otherAnswers.get(r.status) ?? 0) + 1);
            }
          } catch {
            cut++;
          }
        }
      }),
    );
    assert.deepEqual([...otherAnswers], [], `creates before the kill got non-201 answers: ${JSON.stringify([...otherAnswers])}`);
    assert.ok(killed, `the server was never killed: only ${acked.size} of ${total} creates were acknowledged`);
    const exit = await killed;
    assert.equal(exit.signal, 'SIGKILL', `the server did not die by SIGKILL: ${JSON.stringify(exit)}`);
    assert.ok(acked.size >= 100, `only ${acked.size} creates acknowledged before the kill; too few for a meaningful test`);
    assert.ok(acked.size < total, 'every create finished before the kill landed; the crash hit nothing in flight');

    await c.restart();

    const list = await c.request('GET', '/api/v1/namespaces/default/configmaps?labelSelector=test%3Ddurability');
    assert.equal(list.status, 200, list.body.slice(0, 500));
    const stored = new Map<string, any>((list.json.items as any[]).map((cm) => [cm.metadata.name, cm]));
    const lost = [...acked.keys()].filter((n) => !stored.has(n));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged creates are gone after the crash`);
    for (const [name, { index, resourceVersion }] of acked) {
      const cm = stored.get(name);
      assert.equal(cm.data?.index, String(index), `${name}: data changed across the crash`);
      assert.equal(cm.metadata.resourceVersion, resourceVersion, `${name}: resourceVersion changed across the crash`);
    }
    // Spot-check single GETs too: they may take another path than LIST (cache vs store).
    for (const name of [...acked.keys()].filter((_, k) => k % 50 === 0)) {
      const r = await c.request('GET', `/api/v1/namespaces/default/configmaps/${name}`);
      assert.equal(r.status, 200, `GET ${name} after restart: ${r.status} ${r.body.slice(0, 300)}`);
    }

    // resourceVersions are opaque to clients, but in skiff they are the store's
    // revision: a write after the restart must get a newer one than any acked.
    const maxAcked = [...acked.values()].reduce((m, a) => (BigInt(a.resourceVersion) > m ? BigInt(a.resourceVersion) : m), 0n);
    const fresh = await c.request('POST', '/api/v1/namespaces/default/configmaps', {
      body: configMap('durable-after-restart', -1),
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(fresh.status, 201, fresh.body.slice(0, 500));
    assert.ok(
      BigInt(fresh.json.metadata.resourceVersion) > maxAcked,
      `revision went backwards after the crash: new write got ${fresh.json.metadata.resourceVersion}, an acked one had ${maxAcked}`,
    );
    console.log(`durability: ${acked.size} acked before SIGKILL, ${cut} requests cut, ${stored.size} stored after restart, none lost`);
  });
});

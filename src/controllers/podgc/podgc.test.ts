import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resources } from '../../client/index.js';
import { startTestEnv, waitFor, type TestEnv } from '../shared/testing.js';
import { PodGarbageCollector } from './controller.js';

describe('pod garbage collector', () => {
  let env: TestEnv;
  let gc: PodGarbageCollector;
  before(async () => {
    env = await startTestEnv();
    gc = new PodGarbageCollector(env.ctx, { periodMs: 3_600_000, quarantineMs: 1000 });
    await env.start(gc);
  });
  after(() => env?.stop());

  it('deletes pods bound to a node that does not exist, after the quarantine, and leaves the others', async () => {
    const nodes = env.api.client.resource(resources.nodes);
    await nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'here' } });
    const pods = env.api.client.resource(resources.pods, 'default');
    const pod = (name: string, nodeName: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } });
    await pods.create(pod('orphan', 'gone'));
    await pods.create(pod('kept', 'here'));
    await waitFor('informers see both pods', () => (gc as unknown as { pods: { list(): unknown[] } }).pods.list().length === 2 || undefined);
    const t0 = Date.now();
    await gc.gc(t0);
    assert.ok(await pods.get('orphan'), 'still quarantined');
    await gc.gc(t0 + 1500);
    await waitFor('orphan deleted', async () => (await pods.list()).items.every((p) => p.metadata?.name !== 'orphan') || undefined);
    assert.ok(await pods.get('kept'));
  });
});

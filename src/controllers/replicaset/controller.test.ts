import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/types.js';
import { gvr } from '../shared/resources.js';
import { autoReady, listPods, markPod, meta, podTemplate, startTestEnv, waitFor, type TestEnv } from '../shared/testing.js';
import { ReplicaSetController, replicaSetKind, replicationControllerKind, type ReplicaSetLike } from './controller.js';

const ns = 'default';
type PodObj = Pod & KObject;

function replicaSet(name: string, replicas: number, labels: Record<string, string>): ReplicaSetLike {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta(name, ns), spec: { replicas, selector: { matchLabels: labels }, template: podTemplate(labels) } };
}

const active = (pods: PodObj[]) => pods.filter((p) => !p.metadata?.deletionTimestamp);

describe('ReplicaSet controller', () => {
  let env: TestEnv;
  let rsc: ReplicaSetController;
  before(async () => {
    env = await startTestEnv();
    rsc = new ReplicaSetController({ ctx: env.ctx, kind: replicaSetKind });
    await env.start(rsc, new ReplicaSetController({ ctx: env.ctx, kind: replicationControllerKind }));
  });
  after(() => env.stop());

  it('creates replicas with ownerReferences, generateName and events, and reports status', async () => {
    const rs = await env.api.client.resource<ReplicaSetLike>(gvr.replicasets, ns).create(replicaSet('web', 3, { app: 'web' }));
    const pods = await waitFor('3 pods', async () => {
      const p = await listPods(env.api, ns, 'app=web');
      return p.length === 3 ? p : undefined;
    });
    for (const p of pods) {
      assert.match(p.metadata!.name!, /^web-[a-z0-9]{5}$/);
      assert.deepEqual(p.metadata!.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const created = env.events.filter((e) => e.name === 'web' && e.reason === 'SuccessfulCreate');
    assert.equal(created.length, 3);
    assert.match(created[0]!.message, /^Created pod: web-[a-z0-9]{5}$/);
    for (const p of pods) await markPod(env.api, p, true);
    const st = await waitFor('ready status', async () => {
      const cur = await env.api.client.resource<ReplicaSetLike>(gvr.replicasets, ns).get('web');
      return cur.status?.readyReplicas === 3 ? cur.status : undefined;
    });
    assert.equal(st.replicas, 3);
    assert.equal(st.fullyLabeledReplicas, 3);
    assert.equal(st.availableReplicas, 3);
    assert.equal(st.observedGeneration, 1);
  });

  it('replaces a deleted pod and scales down not-ready pods first', async () => {
    const client = env.api.client.resource<ReplicaSetLike>(gvr.replicasets, ns);
    const [victim] = await listPods(env.api, ns, 'app=web');
    await env.api.client.resource(gvr.pods, ns).delete(victim!.metadata!.name!);
    const pods = await waitFor('replacement', async () => {
      const p = active(await listPods(env.api, ns, 'app=web'));
      return p.length === 3 && !p.some((x) => x.metadata!.uid === victim!.metadata!.uid) ? p : undefined;
    });
    // The replacement is not ready; the others are. Scaling to 2 must remove the replacement.
    const notReady = pods.filter((p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True');
    assert.equal(notReady.length, 1);
    const cur = await client.get('web');
    await client.update({ ...cur, spec: { ...cur.spec!, replicas: 2 } });
    const left = await waitFor('2 pods', async () => {
      const p = active(await listPods(env.api, ns, 'app=web'));
      return p.length === 2 ? p : undefined;
    });
    assert.ok(!left.some((p) => p.metadata!.uid === notReady[0]!.metadata!.uid), 'the not-ready pod went first');
    assert.ok(env.events.some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted pod: ${notReady[0]!.metadata!.name}`));
  });

  it('adopts a matching orphan instead of creating, and releases a pod whose labels stop matching', async () => {
    const pods = env.api.client.resource<PodObj>(gvr.pods, ns);
    await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: meta('stray', ns, { app: 'api' }), spec: { containers: [{ name: 'c', image: 'x' }] } });
    const rs = await env.api.client.resource<ReplicaSetLike>(gvr.replicasets, ns).create(replicaSet('api', 2, { app: 'api' }));
    const owned = await waitFor('2 pods owned', async () => {
      const p = active(await listPods(env.api, ns, 'app=api'));
      return p.length === 2 && p.every((x) => x.metadata?.ownerReferences?.[0]?.uid === rs.metadata!.uid) ? p : undefined;
    });
    assert.ok(owned.some((p) => p.metadata!.name === 'stray'), 'orphan adopted');
    // Relabel the adopted pod: it is released and replaced.
    const stray = await pods.get('stray');
    await pods.update({ ...stray, metadata: { ...stray.metadata, labels: { app: 'other' } } });
    await waitFor('released', async () => !(await pods.get('stray')).metadata?.ownerReferences?.length);
    await waitFor('replacement', async () => active(await listPods(env.api, ns, 'app=api')).length === 2);
  });

  it('serves ReplicationControllers with the same engine', async () => {
    await env.api.client.resource(gvr.replicationcontrollers, ns).create({
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: meta('redis-master', ns),
      spec: { replicas: 2, selector: { name: 'redis-master' }, template: podTemplate({ name: 'redis-master' }, 'redis') },
    });
    const pods = await waitFor('2 rc pods', async () => {
      const p = active(await listPods(env.api, ns, 'name=redis-master'));
      return p.length === 2 ? p : undefined;
    });
    assert.equal(pods[0]!.metadata!.ownerReferences![0]!.kind, 'ReplicationController');
    assert.match(pods[0]!.metadata!.name!, /^redis-master-/);
  });

  it('creates in slow-start batches and never double-creates while creations are in flight', async () => {
    await env.api.client.resource<ReplicaSetLike>(gvr.replicasets, 'default').create(replicaSet('many', 40, { app: 'many' }));
    await waitFor('40 pods', async () => active(await listPods(env.api, ns, 'app=many')).length === 40);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await listPods(env.api, ns, 'app=many')).length, 40, 'no extra pods');
  });

  it('keeps availableReplicas below readyReplicas until minReadySeconds pass', async () => {
    const stop = autoReady(env, 'default', 10, (p) => p.metadata?.labels?.app === 'slow');
    const rs = replicaSet('slow', 1, { app: 'slow' });
    rs.spec!.minReadySeconds = 1;
    await env.api.client.resource<ReplicaSetLike>(gvr.replicasets, ns).create(rs);
    const client = env.api.client.resource<ReplicaSetLike>(gvr.replicasets, ns);
    const ready = await waitFor('ready', async () => {
      const s = (await client.get('slow')).status;
      return s?.readyReplicas === 1 ? s : undefined;
    });
    assert.equal(ready.availableReplicas ?? 0, 0);
    await waitFor('available after minReadySeconds', async () => (await client.get('slow')).status?.availableReplicas === 1, 5000);
    stop();
  });
});

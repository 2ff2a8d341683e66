import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/types.js';
import { isStatusError } from '../../api/errors.js';
import { DeploymentController } from '../deployment/index.js';
import { NamespaceController } from '../namespace/index.js';
import { ReplicaSetController, replicaSetKind } from '../replicaset/index.js';
import { gvr } from '../shared/resources.js';
import { listPods, meta, podTemplate, startTestEnv, waitFor, type TestEnv } from '../shared/testing.js';
import { GarbageCollector } from './controller.js';

describe('garbage collector and namespace controller', () => {
  let env: TestEnv;
  const ns = 'default';
  const gone = async (p: Promise<unknown>) => {
    try {
      await p;
      return false;
    } catch (e) {
      return isStatusError(e, 'NotFound');
    }
  };
  const rsList = async (app: string, namespace = ns) => (await env.api.client.resource(gvr.replicasets, namespace).list({ labelSelector: `app=${app}` })).items;
  const createDeployment = async (name: string, namespace = ns) => {
    await env.api.client.resource(gvr.deployments, namespace).create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(name, namespace),
      spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: podTemplate({ app: name }) },
    });
    await waitFor(`${name} pods`, async () => (await listPods(env.api, namespace, `app=${name}`)).length === 2);
  };

  before(async () => {
    env = await startTestEnv();
    await env.start(
      new ReplicaSetController({ ctx: env.ctx, kind: replicaSetKind }),
      new DeploymentController({ ctx: env.ctx }),
      new GarbageCollector({ ctx: env.ctx }),
      new NamespaceController({ ctx: env.ctx, recheckMs: 200 }),
    );
  });
  after(() => env.stop());

  it('background: deleting a Deployment removes its ReplicaSets and pods', async () => {
    await createDeployment('bg');
    await env.api.client.resource(gvr.deployments, ns).delete('bg', { propagationPolicy: 'Background' });
    await waitFor('sets gone', async () => (await rsList('bg')).length === 0);
    await waitFor('pods gone', async () => (await listPods(env.api, ns, 'app=bg')).length === 0);
  });

  it('foreground: dependents go first, then the owner', async () => {
    await createDeployment('fg');
    const deployments = env.api.client.resource(gvr.deployments, ns);
    await deployments.delete('fg', { propagationPolicy: 'Foreground' });
    const d = await deployments.get('fg');
    assert.ok(d.metadata!.deletionTimestamp, 'owner waits');
    assert.deepEqual(d.metadata!.finalizers, ['foregroundDeletion']);
    await waitFor('owner gone', () => gone(deployments.get('fg')));
    assert.equal((await rsList('fg')).length, 0, 'sets were gone before the owner');
    assert.equal((await listPods(env.api, ns, 'app=fg')).length, 0);
  });

  it('orphan: dependents stay, without the ownerReference', async () => {
    await createDeployment('orph');
    await env.api.client.resource(gvr.deployments, ns).delete('orph', { propagationPolicy: 'Orphan' });
    await waitFor('owner gone', () => gone(env.api.client.resource(gvr.deployments, ns).get('orph')));
    const sets = await waitFor('released', async () => {
      const s = await rsList('orph');
      return s.length === 1 && !s[0]!.metadata!.ownerReferences?.length ? s : undefined;
    });
    assert.equal(sets.length, 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await listPods(env.api, ns, 'app=orph')).length, 2, 'pods kept');
  });

  it('deletes an object whose owner never existed', async () => {
    await env.api.client.resource({ group: '', version: 'v1', resource: 'configmaps' }, ns).create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { ...meta('dangling', ns), ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '00000000-0000-0000-0000-000000000000' }] },
    });
    await waitFor('dangling dependent collected', () => gone(env.api.client.resource({ group: '', version: 'v1', resource: 'configmaps' }, ns).get('dangling')));
  });

  it('namespace deletion empties the namespace, then removes it', async () => {
    const namespaces = env.api.client.resource<Namespace & KObject>(gvr.namespaces);
    await namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    await createDeployment('inner', 'doomed');
    const cms = env.api.client.resource<KObject>({ group: '', version: 'v1', resource: 'configmaps' }, 'doomed');
    // A finalizer holds one object (and so the namespace) until the test lets go.
    await cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...meta('held', 'doomed'), finalizers: ['example.com/hold'] }, data: { a: 'b' } });
    await namespaces.delete('doomed');
    const held = await waitFor('terminating with content remaining', async () => {
      const n = await namespaces.get('doomed');
      const c = n.status?.conditions?.find((x) => x.type === 'NamespaceFinalizersRemaining');
      return n.status?.phase === 'Terminating' && c?.status === 'True' ? n : undefined;
    });
    assert.match(held.status!.conditions!.find((c) => c.type === 'NamespaceContentRemaining')!.message!, /configmaps has 1 resource instances/);
    assert.equal((await listPods(env.api, 'doomed')).length, 0, 'pods already deleted');
    await assert.rejects(
      env.api.client.resource(gvr.pods, 'doomed').create({ apiVersion: 'v1', kind: 'Pod', metadata: meta('late', 'doomed'), spec: { containers: [{ name: 'c', image: 'x' }] } }),
      (e) => isStatusError(e, 'Forbidden'),
    );
    await cms.patch('held', 'merge', { metadata: { finalizers: null } });
    await waitFor('namespace gone', () => gone(namespaces.get('doomed')), 20_000);
    assert.equal((await listPods(env.api, 'doomed')).length, 0);
  });
});

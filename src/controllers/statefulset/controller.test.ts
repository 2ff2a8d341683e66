import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { KObject } from '../../api/types.js';
import { gvr } from '../shared/resources.js';
import { StatefulSetController } from './controller.js';
import { type TestEnv, fakeKubelet, kubectl, listPods, setPodPhase, sleep, startTestEnv, waitFor } from '../shared/testing.js';

type SetObj = StatefulSet & KObject;
const ns = 'default';
let env: TestEnv;

before(async () => {
  env = await startTestEnv();
  await env.start(new StatefulSetController(env.ctx));
});
after(() => env?.stop());

function sts(name: string, spec: Partial<NonNullable<StatefulSet['spec']>> = {}, image = 'nginx:1'): SetObj {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      serviceName: name,
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
      ...spec,
    },
  } as SetObj;
}
const setClient = () => env.api.client.resource<SetObj>(gvr.statefulsets, ns);
const names = async (app: string) => (await listPods(env.api, ns, `app=${app}`)).filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!);
const pod = async (name: string) => (await env.api.client.resource(gvr.pods, ns).get(name)) as any;

test('OrderedReady: each pod only after the previous one is Running and Ready; claims first; identity', async () => {
  await setClient().create(
    sts('web', {
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    }),
  );
  await waitFor('web-0', async () => (await names('web')).join() === 'web-0');
  await sleep(300);
  assert.deepEqual(await names('web'), ['web-0'], 'web-1 waits for web-0');
  const p0 = (await pod('web-0')) as any;
  assert.equal(p0.spec.hostname, 'web-0');
  assert.equal(p0.spec.subdomain, 'web');
  assert.equal(p0.metadata.labels['statefulset.kubernetes.io/pod-name'], 'web-0');
  assert.equal(p0.metadata.labels['apps.kubernetes.io/pod-index'], '0');
  assert.deepEqual(p0.spec.volumes.find((v: any) => v.name === 'www').persistentVolumeClaim, { claimName: 'www-web-0' });
  const pvc = (await env.api.client.resource(gvr.persistentvolumeclaims, ns).get('www-web-0')) as any;
  assert.equal(pvc.metadata.labels.app, 'web');

  await setPodPhase(env, p0, 'Running');
  await waitFor('web-1', async () => (await names('web')).join() === 'web-0,web-1');
  await setPodPhase(env, await pod('web-1'), 'Running');
  await waitFor('web-2', async () => (await names('web')).length === 3);
  await setPodPhase(env, await pod('web-2'), 'Running');
  const st = await waitFor('ready 3', async () => {
    const s = (await setClient().get('web')).status;
    return s?.readyReplicas === 3 ? s : undefined;
  });
  assert.equal(st.replicas, 3);
  assert.equal(st.availableReplicas, 3);
  assert.equal(st.currentReplicas, 3);
  assert.equal(st.updatedReplicas, 3);
  assert.equal(st.currentRevision, st.updateRevision);
  assert.match(st.currentRevision!, /^web-[a-z0-9]+$/);
  assert.equal(((await pod('web-2')) as any).metadata.labels['controller-revision-hash'], st.currentRevision);
  const creates = env.events.filter((e) => e.name === 'web' && e.reason === 'SuccessfulCreate').map((e) => e.message);
  assert.deepEqual(creates, [
    'create Claim www-web-0 Pod web-0 in StatefulSet web success',
    'create Pod web-0 in StatefulSet web successful',
    'create Claim www-web-1 Pod web-1 in StatefulSet web success',
    'create Pod web-1 in StatefulSet web successful',
    'create Claim www-web-2 Pod web-2 in StatefulSet web success',
    'create Pod web-2 in StatefulSet web successful',
  ]);

  // Scale down: highest ordinal first, one at a time; claims stay.
  await setClient().patch('web', 'merge', { spec: { replicas: 1 } });
  await waitFor('web-0 only', async () => (await names('web')).join() === 'web-0');
  const deletes = env.events.filter((e) => e.name === 'web' && e.reason === 'SuccessfulDelete').map((e) => e.message);
  assert.deepEqual(deletes, ['delete Pod web-2 in StatefulSet web successful', 'delete Pod web-1 in StatefulSet web successful']);
  const claims = (await env.api.client.resource(gvr.persistentvolumeclaims, ns).list({ labelSelector: 'app=web' })).items.map((c) => c.metadata!.name);
  assert.deepEqual(claims.sort(), ['www-web-0', 'www-web-1', 'www-web-2']);
});

test('Parallel creates and deletes all at once', async () => {
  await setClient().create(sts('par', { podManagementPolicy: 'Parallel', replicas: 4 }));
  await waitFor('4 pods', async () => (await names('par')).join() === 'par-0,par-1,par-2,par-3');
  await setClient().patch('par', 'merge', { spec: { replicas: 1 } });
  await waitFor('1 pod', async () => (await names('par')).join() === 'par-0');
});

test('RollingUpdate from the highest ordinal down, honouring the partition; rollout undo', async () => {
  const kubelet = fakeKubelet(env, ns, 'app=db', 100);
  try {
    await setClient().create(sts('db', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }, 'db:1'));
    const first = await waitFor('3 ready', async () => {
      const s = (await setClient().get('db')).status;
      return s?.readyReplicas === 3 ? s : undefined;
    });
    const order: string[] = [];
    const seen = new Set<string>();
    const watchOrder = setInterval(async () => {
      for (const p of await listPods(env.api, ns, 'app=db').catch(() => [])) {
        if (p.spec!.containers[0]!.image === 'db:2' && !seen.has(p.metadata!.name!)) {
          seen.add(p.metadata!.name!);
          order.push(p.metadata!.name!);
        }
      }
    }, 50);
    await setClient().patch('db', 'strategic', { spec: { template: { spec: { containers: [{ name: 'main', image: 'db:2' }] } } } });
    const st = await waitFor('db-2 and db-1 updated', async () => {
      const s = (await setClient().get('db')).status;
      return s?.updatedReplicas === 2 && s.readyReplicas === 3 ? s : undefined;
    }, 15_000);
    clearInterval(watchOrder);
    assert.deepEqual(order, ['db-2', 'db-1']);
    assert.equal(((await pod('db-0')) as any).spec.containers[0].image, 'db:1', 'below the partition');
    assert.equal(st.currentRevision, first.currentRevision);
    assert.notEqual(st.updateRevision, st.currentRevision);
    const rs = await kubectl(env, ['rollout', 'status', 'statefulset/db', '--timeout=5s']);
    assert.equal(rs.code, 0, rs.stderr);
    assert.match(rs.stdout, /partitioned roll out complete: 2 new pods have been updated/);

    // Partition 0 finishes the rollout; currentRevision follows.
    await setClient().patch('db', 'merge', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    const done = await waitFor('all updated', async () => {
      const s = (await setClient().get('db')).status;
      return s?.updatedReplicas === 3 && s.readyReplicas === 3 && s.currentRevision === s.updateRevision ? s : undefined;
    }, 15_000);
    const hist = await kubectl(env, ['rollout', 'history', 'statefulset/db']);
    assert.equal(hist.code, 0, hist.stderr);
    assert.match(hist.stdout, /1\s+<none>\n2\s+<none>/);
    const undo = await kubectl(env, ['rollout', 'undo', 'statefulset/db']);
    assert.equal(undo.code, 0, undo.stderr);
    await waitFor('back on db:1', async () => {
      const ps = await listPods(env.api, ns, 'app=db');
      const s = (await setClient().get('db')).status;
      return ps.length === 3 && ps.every((p) => p.spec!.containers[0]!.image === 'db:1') && s?.currentRevision === first.currentRevision && s?.updatedReplicas === 3 && s?.readyReplicas === 3;
    }, 20_000);
    assert.notEqual(done.updateRevision, first.currentRevision);
  } finally {
    await kubelet.stop();
  }
});

test('OnDelete: only pods deleted by hand get the new template', async () => {
  await setClient().create(sts('od', { podManagementPolicy: 'Parallel', updateStrategy: { type: 'OnDelete' }, replicas: 2 }, 'x:1'));
  await waitFor('2 pods', async () => (await names('od')).length === 2);
  await setClient().patch('od', 'strategic', { spec: { template: { spec: { containers: [{ name: 'main', image: 'x:2' }] } } } });
  await waitFor('new revision', async () => {
    const s = (await setClient().get('od')).status;
    return !!s?.updateRevision && s.updateRevision !== s.currentRevision;
  });
  await sleep(300);
  assert.equal(((await pod('od-1')) as any).spec.containers[0].image, 'x:1');
  await env.api.client.resource(gvr.pods, ns).delete('od-1');
  await waitFor('od-1 on x:2', async () => ((await pod('od-1')) as any).spec.containers[0].image === 'x:2');
  assert.equal(((await pod('od-0')) as any).spec.containers[0].image, 'x:1');
});

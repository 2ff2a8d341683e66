import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { KObject } from '../../api/types.js';
import { gvr } from '../shared/resources.js';
import { DaemonSetController } from './controller.js';
import { type TestEnv, createNodes, fakeKubelet, kubectl, listPods, setPodPhase, sleep, startTestEnv, waitFor } from '../shared/testing.js';

type DSObj = DaemonSet & KObject;
const ns = 'default';
let env: TestEnv;

before(async () => {
  env = await startTestEnv();
  await env.start(new DaemonSetController(env.ctx));
});
after(() => env?.stop());

function daemonSet(name: string, extra: Partial<NonNullable<DaemonSet['spec']>> = {}, image = 'fluentd:1'): DSObj {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
      ...extra,
    },
  } as DSObj;
}

const dsClient = () => env.api.client.resource<DSObj>(gvr.daemonsets, ns);
const podsOf = async (name: string) => (await listPods(env.api, ns, `app=${name}`)).filter((p) => !p.metadata?.deletionTimestamp);
const nodeOf = (p: { spec?: any }) => p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values[0] as string;
const revisions = async (name: string) =>
  (await env.api.client.resource<ControllerRevision & KObject>(gvr.controllerrevisions, ns).list({ labelSelector: `app=${name}` })).items.sort((a, b) => a.revision - b.revision);

test('one pod per eligible node, pinned by node affinity, with the daemon tolerations', async () => {
  await createNodes(env, ['n1', 'n2'], { disk: 'ssd' });
  await createNodes(env, ['n3'], { disk: 'hdd' });
  await env.api.client.resource(gvr.nodes).patch('n2', 'merge', { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }], unschedulable: true } });
  await dsClient().create(daemonSet('logs', { template: { metadata: { labels: { app: 'logs' } }, spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'main', image: 'fluentd:1' }] } } }));
  // n1 only: n3 does not match the selector; n2's dedicated taint is not tolerated (unschedulable is).
  const pods = await waitFor('1 pod', async () => ((await podsOf('logs')).length === 1 ? podsOf('logs') : undefined));
  await sleep(300);
  assert.equal((await podsOf('logs')).length, 1);
  const pod = pods[0]!;
  assert.equal(nodeOf(pod), 'n1');
  assert.equal(pod.spec!.nodeName, undefined, 'the scheduler binds it');
  const tol = pod.spec!.tolerations!.map((t) => `${t.key}:${t.effect}`);
  for (const want of ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule']) {
    assert.ok(tol.includes(want), want);
  }
  const [rev] = await revisions('logs');
  assert.equal(rev!.revision, 1);
  const hash = pod.metadata!.labels!['controller-revision-hash']!;
  assert.equal(rev!.metadata!.name, `logs-${hash}`);
  assert.equal(pod.metadata!.labels!['pod-template-generation'], '1');
  const st = await waitFor('status', async () => {
    const ds = await dsClient().get('logs');
    return ds.status?.observedGeneration === 1 && ds.status.desiredNumberScheduled === 1 ? ds.status : undefined;
  });
  assert.equal(st.currentNumberScheduled, 1);
  assert.equal(st.numberMisscheduled, 0);
  assert.equal(st.numberReady, 0);
  // Tolerating the taint puts a pod on n2 too.
  await dsClient().patch('logs', 'strategic', { spec: { template: { spec: { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] } } } });
  await waitFor('pods on n1 and n2', async () => {
    const ps = await podsOf('logs');
    return ps.map(nodeOf).sort().join() === 'n1,n2';
  });
  await env.api.client.resource(gvr.nodes).patch('n2', 'merge', { spec: { taints: null } });
});

test('follows nodes joining and leaving; status counts ready pods', async () => {
  await dsClient().create(daemonSet('agent'));
  await waitFor('3 pods', async () => (await podsOf('agent')).length === 3);
  await createNodes(env, ['n4']);
  await waitFor('4 pods', async () => (await podsOf('agent')).map(nodeOf).sort().join() === 'n1,n2,n3,n4');
  await env.api.client.resource(gvr.nodes).delete('n4');
  await waitFor('back to 3', async () => (await podsOf('agent')).length === 3);
  for (const p of await podsOf('agent')) await setPodPhase(env, p, 'Running');
  const st = await waitFor('ready', async () => {
    const s = (await dsClient().get('agent')).status;
    return s?.numberReady === 3 ? s : undefined;
  });
  assert.deepEqual(
    { d: st.desiredNumberScheduled, c: st.currentNumberScheduled, r: st.numberReady, a: st.numberAvailable, u: st.updatedNumberScheduled, m: st.numberMisscheduled },
    { d: 3, c: 3, r: 3, a: 3, u: 3, m: 0 },
  );
  // A node relabelled out of the selector loses its pod (misscheduled meanwhile).
  await dsClient().patch('agent', 'strategic', { spec: { template: { spec: { nodeSelector: { disk: 'ssd' } } } } });
  await waitFor('2 pods', async () => (await podsOf('agent')).map(nodeOf).sort().join() === 'n1,n2');
});

test('RollingUpdate replaces pods one node at a time; rollout history and undo with kubectl', async () => {
  await dsClient().create(daemonSet('web', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } }, 'nginx:1'));
  const kubelet = fakeKubelet(env, ns, 'app=web', 100);
  try {
    await waitFor('3 ready', async () => (await dsClient().get('web')).status?.numberAvailable === 3);
    await sleep(200);
    kubelet.reset();
    await dsClient().patch('web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'main', image: 'nginx:2' }] } } } });
    const st = await waitFor('rolled out', async () => {
      const ds = await dsClient().get('web');
      const s = ds.status;
      return ds.status?.observedGeneration === 2 && s?.updatedNumberScheduled === 3 && s.numberAvailable === 3 ? s : undefined;
    }, 20_000);
    assert.equal(st.desiredNumberScheduled, 3);
    const pods = await podsOf('web');
    assert.deepEqual(pods.map((p) => p.spec!.containers[0]!.image), ['nginx:2', 'nginx:2', 'nginx:2']);
    const revs = await revisions('web');
    assert.deepEqual(revs.map((r) => r.revision), [1, 2]);

    const status = await kubectl(env, ['rollout', 'status', 'daemonset/web', '--timeout=10s']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /daemon set "web" successfully rolled out/);
    const hist = await kubectl(env, ['rollout', 'history', 'daemonset/web']);
    assert.equal(hist.code, 0, hist.stderr);
    assert.match(hist.stdout, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);

    const undo = await kubectl(env, ['rollout', 'undo', 'daemonset/web', '--to-revision=1']);
    assert.equal(undo.code, 0, undo.stderr);
    await waitFor('back on nginx:1', async () => {
      const ps = await podsOf('web');
      const ds = await dsClient().get('web');
      return ps.length === 3 && ps.every((p) => p.spec!.containers[0]!.image === 'nginx:1') && ds.status?.numberAvailable === 3 && ds.status.updatedNumberScheduled === 3;
    }, 20_000);
    // The old snapshot is reused and becomes the newest revision.
    const after = await revisions('web');
    assert.deepEqual(after.map((r) => [r.metadata!.name, r.revision]), [[revs[1]!.metadata!.name, 2], [revs[0]!.metadata!.name, 3]]);
  } finally {
    await kubelet.stop();
  }
  // Never more than maxUnavailable (1) node without a ready pod during the updates.
  assert.ok(kubelet.maxNotReady() <= 1, `max not ready ${kubelet.maxNotReady()}`);
});

test('RollingUpdate with maxSurge starts the new pod before the old one goes', async () => {
  await dsClient().create(daemonSet('surge', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }, 'app:1'));
  const kubelet = fakeKubelet(env, ns, 'app=surge', 100);
  try {
    await waitFor('3 ready', async () => (await dsClient().get('surge')).status?.numberAvailable === 3);
    await sleep(200);
    kubelet.reset();
    await dsClient().patch('surge', 'strategic', { spec: { template: { spec: { containers: [{ name: 'main', image: 'app:2' }] } } } });
    await waitFor('rolled out', async () => {
      const s = (await dsClient().get('surge')).status;
      const ps = await podsOf('surge');
      return s?.updatedNumberScheduled === 3 && s.numberAvailable === 3 && ps.length === 3 && ps.every((p) => p.spec!.containers[0]!.image === 'app:2');
    }, 20_000);
  } finally {
    await kubelet.stop();
  }
  assert.ok(kubelet.maxPods() <= 4, `at most 3 + maxSurge pods, saw ${kubelet.maxPods()}`);
});

test('OnDelete: the template change waits for pods to be deleted by hand', async () => {
  await dsClient().create(daemonSet('manual', { updateStrategy: { type: 'OnDelete' } }, 'v:1'));
  await waitFor('3 pods', async () => (await podsOf('manual')).length === 3);
  await dsClient().patch('manual', 'strategic', { spec: { template: { spec: { containers: [{ name: 'main', image: 'v:2' }] } } } });
  await waitFor('2 revisions', async () => (await revisions('manual')).length === 2);
  await sleep(400);
  let pods = await podsOf('manual');
  assert.deepEqual(pods.map((p) => p.spec!.containers[0]!.image), ['v:1', 'v:1', 'v:1']);
  await env.api.client.resource(gvr.pods, ns).delete(pods[0]!.metadata!.name!);
  await waitFor('a v:2 pod', async () => (await podsOf('manual')).filter((p) => p.spec!.containers[0]!.image === 'v:2').length === 1);
  pods = await podsOf('manual');
  assert.equal(pods.length, 3);
  const st = await waitFor('updated=1', async () => (await dsClient().get('manual')).status?.updatedNumberScheduled === 1);
  assert.ok(st);
});

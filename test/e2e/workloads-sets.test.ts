// DaemonSets and StatefulSets on hollow nodes, and `kubectl drain`: one
// daemon pod per node following nodes as they join and leave, stable
// ordered StatefulSet names created in order and removed from the top, and
// a drain that cordons and evicts through pods/eviction.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../../src/client/index.js';
import { condition, deployment, isReady, isRunningReady, startHollowCluster, waitFor, type HollowCluster, type Obj } from './workloads-support.js';

const ns = 'default';

describe('workloads: DaemonSets, StatefulSets and drain on hollow nodes', { timeout: 180_000 }, () => {
  let c: HollowCluster;
  before(async () => {
    c = await startHollowCluster({ nodes: 3 });
  });
  after(async () => {
    await c?.teardown();
  });

  const nodeNames = async () => ((await c.list(resources.nodes)) as Node[]).map((n) => n.metadata!.name!).sort();

  it('DaemonSet: one pod per hollow node, follows a node joining and one leaving', async () => {
    await c.apply(
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'agent' },
        spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:1' }] } } },
      }),
    );
    const onePerNode = (nodes: string[]) =>
      waitFor(`one Running daemon pod on each of ${nodes.join(',')}`, async () => {
        const pods = await c.pods(ns, 'app=agent');
        const placed = pods.map((p) => p.spec!.nodeName).sort();
        return JSON.stringify(placed) === JSON.stringify(nodes) && pods.every(isRunningReady) ? pods : undefined;
      }, 40_000);
    const status = (n: number) =>
      waitFor(`agent status at ${n}`, async () => {
        const ds = await c.get(resources.daemonsets, ns, 'agent');
        const s = ds.status ?? {};
        return s.desiredNumberScheduled === n && s.currentNumberScheduled === n && s.numberReady === n && s.numberAvailable === n && s.updatedNumberScheduled === n ? ds : undefined;
      }, 30_000);
    let pods = await onePerNode(['hollow-0', 'hollow-1', 'hollow-2']);
    for (const p of pods) {
      assert.match(p.metadata!.name!, /^agent-[a-z0-9]{5}$/);
      assert.equal(p.metadata!.ownerReferences![0]!.kind, 'DaemonSet');
      // Placed by the node affinity the controller writes, like Kubernetes does, so the scheduler binds it.
      const terms = p.spec!.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      assert.deepEqual(terms?.[0]?.matchFields, [{ key: 'metadata.name', operator: 'In', values: [p.spec!.nodeName] }]);
      // The daemon tolerates the node lifecycle taints.
      const tolerated = (p.spec!.tolerations ?? []).map((t) => `${t.key}:${t.effect}`);
      for (const t of ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unschedulable:NoSchedule'])
        assert.ok(tolerated.includes(t), `${t} in ${tolerated}`);
    }
    await status(3);

    const late = await c.addNodes(2, 'late-');
    pods = await onePerNode(['hollow-0', 'hollow-1', 'hollow-2', 'late-0', 'late-1']);
    await status(5);

    // The late nodes leave: their agent stops and the Nodes are deleted.
    await late.stop();
    await c.kubectlOk(['delete', 'node', 'late-1']);
    await c.kubectlOk(['delete', 'node', 'late-0']);
    // The controller deletes the daemons of vanished nodes. (Finishing that deletion
    // without a kubelet is the pod garbage collector's job, so they may linger as Terminating.)
    await waitFor('daemon pods on the deleted nodes deleted', async () => (await c.list(resources.pods, ns, 'app=agent')).every((p) => !p.spec.nodeName.startsWith('late-') || p.metadata.deletionTimestamp), 30_000);
    await onePerNode(['hollow-0', 'hollow-1', 'hollow-2']);
    await status(3);
    const table = (await c.kubectlOk(['get', 'ds', 'agent'])).stdout;
    assert.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\nagent\s+3\s+3\s+3\s+3\s+3\s+<none>\s+/);
    // RollingUpdate to a new image, then back with rollout undo.
    const images = async () => (await c.pods(ns, 'app=agent')).map((p) => p.spec!.containers[0]!.image).sort();
    await c.kubectlOk(['set', 'image', 'ds/agent', 'a=agent:2']);
    const rolled = await c.kubectlOk(['rollout', 'status', 'ds/agent', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.match(rolled.stdout, /daemon set "agent" successfully rolled out\n$/);
    await waitFor('3 daemons on agent:2', async () => JSON.stringify(await images()) === JSON.stringify(['agent:2', 'agent:2', 'agent:2']), 30_000);
    await onePerNode(['hollow-0', 'hollow-1', 'hollow-2']);
    const revisions = async () => (await c.list(resources.controllerrevisions, ns)).filter((r) => r.metadata.ownerReferences?.[0]?.name === 'agent').map((r) => r.revision).sort();
    assert.deepEqual(await revisions(), [1, 2]);
    assert.match((await c.kubectlOk(['rollout', 'history', 'ds/agent'])).stdout, /^daemonset\.apps\/agent \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
    assert.equal((await c.kubectlOk(['rollout', 'undo', 'ds/agent'])).stdout.trim(), 'daemonset.apps/agent rolled back');
    await c.kubectlOk(['rollout', 'status', 'ds/agent', '--timeout=60s'], { timeoutMs: 70_000 });
    await waitFor('3 daemons back on agent:1', async () => JSON.stringify(await images()) === JSON.stringify(['agent:1', 'agent:1', 'agent:1']), 30_000);
    await waitFor('revision 1 renumbered 3', async () => JSON.stringify(await revisions()) === '[2,3]');
    await status(3);

    const events = (await c.events(ns, 'DaemonSet', 'agent')).filter((e) => e.reason === 'SuccessfulCreate');
    assert.ok(events.length > 0 && events.every((e) => /^Created pod: agent-[a-z0-9]{5}$/.test(e.message!)), JSON.stringify(events.map((e) => e.message)));
    await c.kubectlOk(['delete', 'ds', 'agent']);
    await waitFor('daemon pods gone', async () => (await c.list(resources.pods, ns, 'app=agent')).every((p) => p.spec.nodeName.startsWith('late-')), 30_000);
    assert.deepEqual(await nodeNames(), ['hollow-0', 'hollow-1', 'hollow-2']);
  });

  it('StatefulSet: web-0..2 created in order, each after the previous is Ready; scale down removes the highest ordinal first', async () => {
    // Watch the pods to see the order they come and go in, and when each becomes Ready.
    const seen: string[] = [];
    const pods = new Map<string, Pod>();
    const handle = c.client.resource<Pod & Obj>(resources.pods, ns).watch({ labelSelector: 'app=web' }, (ev) => {
      const p = ev.object;
      const name = p.metadata!.name!;
      const was = pods.get(name);
      if (ev.type === 'ADDED') seen.push(`+${name}`);
      if (ev.type !== 'DELETED' && isReady(p) && !(was && isReady(was))) seen.push(`ready ${name}`);
      if (p.metadata?.deletionTimestamp && !was?.metadata?.deletionTimestamp) seen.push(`-${name}`);
      if (ev.type === 'DELETED') pods.delete(name);
      else pods.set(name, p);
    });
    try {
      await c.apply(
        JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'web' },
          spec: {
            replicas: 3,
            serviceName: 'web',
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: { labels: { app: 'web' }, annotations: { 'skiff.dev/hollow-ready-after': '500ms' } },
              spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] },
            },
          },
        }),
      );
      await c.kubectlOk(['rollout', 'status', 'statefulset/web', '--timeout=60s'], { timeoutMs: 70_000 });
      const running = await waitFor('3 Ready web pods', async () => {
        const ps = await c.pods(ns, 'app=web');
        return ps.length === 3 && ps.every(isRunningReady) ? ps : undefined;
      });
      assert.deepEqual(running.map((p) => p.metadata!.name).sort(), ['web-0', 'web-1', 'web-2']);
      for (const p of running) {
        assert.equal(p.metadata!.labels!['statefulset.kubernetes.io/pod-name'], p.metadata!.name);
        assert.equal(p.spec!.hostname, p.metadata!.name);
        assert.equal(p.spec!.subdomain, 'web');
      }
      assert.deepEqual(seen, ['+web-0', 'ready web-0', '+web-1', 'ready web-1', '+web-2', 'ready web-2']);
      const set = await c.get(resources.statefulsets, ns, 'web');
      assert.equal(set.status.readyReplicas, 3);
      assert.equal(set.status.currentRevision, set.status.updateRevision);
      assert.match(set.status.currentRevision, /^web-[a-z0-9]+$/);

      // RollingUpdate with a partition: only ordinals >= 2 move; then the rest, from the top down.
      const imageOf = async () => Object.fromEntries((await c.pods(ns, 'app=web')).map((p) => [p.metadata!.name, p.spec!.containers[0]!.image]));
      await c.kubectlOk(['patch', 'statefulset', 'web', '--type=merge', '-p', JSON.stringify({ spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } } })]);
      seen.length = 0;
      await c.kubectlOk(['set', 'image', 'statefulset/web', 'nginx=nginx:1.26']);
      const partial = await waitFor('web-2 on 1.26, Ready', async () => {
        const s = await c.get(resources.statefulsets, ns, 'web');
        return s.status?.updatedReplicas === 1 && s.status?.readyReplicas === 3 ? s : undefined;
      }, 30_000);
      assert.notEqual(partial.status.updateRevision, partial.status.currentRevision);
      assert.deepEqual(await imageOf(), { 'web-0': 'nginx:1.25', 'web-1': 'nginx:1.25', 'web-2': 'nginx:1.26' });
      await c.kubectlOk(['patch', 'statefulset', 'web', '--type=merge', '-p', JSON.stringify({ spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } })]);
      await c.kubectlOk(['rollout', 'status', 'statefulset/web', '--timeout=60s'], { timeoutMs: 70_000 });
      await waitFor('all on 1.26 and Ready', async () => {
        const s = await c.get(resources.statefulsets, ns, 'web');
        return s.status?.updatedReplicas === 3 && s.status?.readyReplicas === 3 && s.status.currentRevision === s.status.updateRevision;
      }, 30_000);
      assert.deepEqual(await imageOf(), { 'web-0': 'nginx:1.26', 'web-1': 'nginx:1.26', 'web-2': 'nginx:1.26' });
      assert.deepEqual(seen.filter((s) => s.startsWith('-')), ['-web-2', '-web-1', '-web-0']);

      seen.length = 0;
      assert.equal((await c.kubectlOk(['scale', 'statefulset', 'web', '--replicas=1'])).stdout.trim(), 'statefulset.apps/web scaled');
      await waitFor('only web-0 left', async () => {
        const ps = await c.list(resources.pods, ns, 'app=web');
        return ps.length === 1 && ps[0]!.metadata.name === 'web-0';
      }, 30_000);
      assert.deepEqual(seen.filter((s) => s.startsWith('-')), ['-web-2', '-web-1']);
      const events = (await c.events(ns, 'StatefulSet', 'web')).map((e) => `${e.reason}: ${e.message}`);
      for (const want of ['SuccessfulCreate: create Pod web-0 in StatefulSet web successful', 'SuccessfulCreate: create Pod web-2 in StatefulSet web successful', 'SuccessfulDelete: delete Pod web-2 in StatefulSet web successful'])
        assert.ok(events.includes(want), `${want} in ${JSON.stringify(events)}`);
    } finally {
      handle.stop();
    }
    await c.kubectlOk(['delete', 'statefulset', 'web']);
  });

  it('kubectl drain cordons the node and evicts its pods, which come back elsewhere', async () => {
    await c.apply(deployment('spread', 'nginx', 6));
    await waitFor('6 spread pods Running', async () => {
      const ps = await c.pods(ns, 'app=spread');
      return ps.length === 6 && ps.every(isRunningReady);
    }, 40_000);
    const onNode = async () => (await c.pods(ns, 'app=spread')).filter((p) => p.spec!.nodeName === 'hollow-1');
    const victims = await onNode();
    assert.ok(victims.length > 0, 'some pods on hollow-1');
    const drain = await c.kubectl(['drain', 'hollow-1', '--ignore-daemonsets', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.equal(drain.code, 0, drain.stderr);
    const out = drain.stdout + drain.stderr;
    assert.match(out, /node\/hollow-1 cordoned/);
    // kubectl evicts only when /api/v1 lists pods/eviction with its group and version (policy/v1); otherwise it deletes.
    assert.doesNotMatch(out, /pod\/\S+ deleted/, 'kubectl drain deleted pods instead of evicting them: check pods/eviction in /api/v1 discovery');
    for (const p of victims) {
      assert.match(out, new RegExp(`evicting pod default/${p.metadata!.name}`));
      assert.match(out, new RegExp(`pod/${p.metadata!.name} evicted`));
    }
    assert.match(out, /node\/hollow-1 drained/);
    const node = await c.get(resources.nodes, undefined, 'hollow-1');
    assert.equal(node.spec.unschedulable, true);
    assert.match((await c.kubectlOk(['get', 'node', 'hollow-1'])).stdout, /hollow-1\s+Ready,SchedulingDisabled\s+/);
    const after = await waitFor('6 spread pods again, none on hollow-1', async () => {
      const ps = await c.pods(ns, 'app=spread');
      return ps.length === 6 && ps.every((p) => isRunningReady(p) && p.spec!.nodeName !== 'hollow-1') ? ps : undefined;
    }, 40_000);
    const names = new Set(after.map((p) => p.metadata!.name));
    assert.ok(victims.every((v) => !names.has(v.metadata!.name)), 'evicted pods replaced by new ones');

    await c.kubectlOk(['uncordon', 'hollow-1']);
    const back = await c.get(resources.nodes, undefined, 'hollow-1');
    assert.ok(!back.spec.unschedulable);
    const d = await c.get(resources.deployments, ns, 'spread');
    assert.equal(condition(d, 'Available')?.status, 'True');
    await c.kubectlOk(['delete', 'deployment', 'spread']);
  });
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { startApiServer, type TestApiServer } from '../../../test/support/api-server.js';
import { resources } from '../../client/index.js';
import { startHollowNodes, type HollowNodes } from '../../kubelet/hollow/index.js';
import { silentLogger } from '../../util/log.js';
import { desiredTaints, evictionTime, startNodeLifecycleController, type RunningNodeLifecycle } from './index.js';

const unreachable = (seconds?: number): Toleration => ({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });

test('evictionTime: untolerated now, the smallest tolerationSeconds from timeAdded, never when unbounded', () => {
  const added = '2024-01-01T00:00:00Z';
  const t0 = Date.parse(added);
  const taints = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: added }];
  const pod = (tolerations: Toleration[]): Pod => ({ spec: { containers: [], tolerations } });
  const now = t0 + 5000;
  assert.equal(evictionTime(pod([]), taints, now), now);
  assert.equal(evictionTime(pod([unreachable(300)]), taints, now), t0 + 300_000);
  assert.equal(evictionTime(pod([unreachable(300), { operator: 'Exists', tolerationSeconds: 60 }]), taints, now), t0 + 60_000);
  assert.equal(evictionTime(pod([unreachable()]), taints, now), undefined);
  assert.equal(evictionTime(pod([unreachable(-5)]), taints, now), t0);
  // NoSchedule taints never evict.
  assert.equal(evictionTime(pod([]), [{ key: 'x', effect: 'NoSchedule' }], now), undefined);
});

test('desiredTaints follow the Ready condition and keep the user’s own taints', () => {
  const node = (status: string, taints = [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]): Node => ({
    spec: { taints },
    status: { conditions: [{ type: 'Ready', status }] },
  });
  const keys = (n: Node) => desiredTaints(n, 'now').map((t) => `${t.key}:${t.effect}`);
  assert.deepEqual(keys(node('True')), ['dedicated:NoSchedule']);
  assert.deepEqual(keys(node('Unknown')), ['dedicated:NoSchedule', 'node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
  assert.deepEqual(keys(node('False')), ['dedicated:NoSchedule', 'node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute']);
  assert.equal(desiredTaints(node('Unknown'), 'now').find((t) => t.effect === 'NoExecute')?.timeAdded, 'now');
  // kubectl cordon: spec.unschedulable brings the unschedulable taint, uncordon takes it away.
  const cordoned: Node = { spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
  assert.deepEqual(keys(cordoned), ['node.kubernetes.io/unschedulable:NoSchedule']);
  const uncordoned: Node = { spec: { taints: desiredTaints(cordoned, 'now') }, status: cordoned.status };
  assert.deepEqual(keys(uncordoned), []);
});

let api: TestApiServer;
let hollow: HollowNodes;
let controller: RunningNodeLifecycle;

before(async () => {
  api = await startApiServer();
  hollow = await startHollowNodes({ client: api.client, count: 2, namePrefix: 'n-', renewIntervalMs: 300 });
  controller = startNodeLifecycleController({ client: api.newClient('nodelifecycle/test'), log: silentLogger(), gracePeriodMs: 1500, monitorPeriodMs: 200, evictionCheckMs: 100 });
  await controller.ready;
});

after(async () => {
  controller?.stop();
  await hollow?.stop();
  await api?.stop();
});

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a node that stops renewing its lease goes Unknown, is tainted, and its pods are evicted per tolerationSeconds', async () => {
  const pods = api.client.resource<Pod & { [k: string]: unknown }>(resources.pods, 'default');
  const nodes = api.client.resource<Node & { [k: string]: unknown }>(resources.nodes);
  const mk = (name: string, tolerations: Toleration[]) =>
    pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: 'n-0', tolerations, containers: [{ name: 'c', image: 'busybox' }] } });
  let deletedShort: Pod | undefined;
  let deletedAt = 0;
  const watch = pods.watch({}, (ev) => {
    if (ev.type === 'DELETED' && ev.object.metadata?.name === 'short') {
      deletedShort = ev.object;
      deletedAt = Date.now();
    }
  });
  await mk('short', [unreachable(2)]);
  await mk('forever', [unreachable()]);
  await mk('other-node', []).then(() => undefined);
  await pods.delete('other-node', { gracePeriodSeconds: 0 });
  await until('pods running', async () => (await pods.get('short')).status?.phase === 'Running' && (await pods.get('forever')).status?.phase === 'Running');

  // Healthy nodes stay Ready past the grace period.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await nodes.get('n-0')).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');

  const killedAt = Date.now();
  hollow.kill('n-0');
  const ready = await until('n-0 Unknown', async () => (await nodes.get('n-0')).status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'Unknown'));
  // The last renewal may precede the kill by one renew interval (300 ms) and a tick.
  assert.ok(Date.now() - killedAt >= 1000, 'not before the grace period');
  assert.equal(ready.reason, 'NodeStatusUnknown');
  assert.equal(ready.message, 'Kubelet stopped posting node status.');
  const tainted = await until('unreachable taints', async () => {
    const n = await nodes.get('n-0');
    return (n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute') && n;
  });
  const taintSeenAt = Date.now();
  assert.ok(tainted.spec!.taints!.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoSchedule'));
  assert.equal((await nodes.get('n-1')).spec?.taints, undefined);

  // Marked Failed first (so the server deletes at once, as it does for terminal pods), then deleted.
  const evicted = await until('short evicted', async () => deletedShort);
  assert.equal(evicted.status?.phase, 'Failed');
  assert.equal(evicted.status?.conditions?.find((c) => c.type === 'DisruptionTarget')?.reason, 'DeletionByTaintManager');
  // timeAdded has second precision, so 2 s of toleration is at least ~1 s after we saw the taint.
  assert.ok(deletedAt - taintSeenAt >= 800, `evicted after tolerationSeconds, not at once (${deletedAt - taintSeenAt} ms)`);
  watch.stop();

  const forever = await pods.get('forever');
  assert.equal(forever.metadata?.deletionTimestamp, undefined);
  assert.equal(forever.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');

  // The node comes back: Ready again, taints gone.
  hollow.revive('n-0');
  await until('n-0 Ready and untainted', async () => {
    const n = await nodes.get('n-0');
    return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && !(n.spec?.taints ?? []).length;
  });
});

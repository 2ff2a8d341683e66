import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import { startApiServer, type TestApiServer } from '../../../test/support/api-server.js';
import { resources } from '../../client/index.js';
import { parseDuration, startHollowNodes, type HollowNodes } from './index.js';

test('parseDuration: Go-style durations', () => {
  assert.deepEqual(['5s', '250ms', '1m30s', '2h', '3', 'x', undefined].map(parseDuration), [5000, 250, 90_000, 7_200_000, 3000, undefined, undefined]);
});

let api: TestApiServer;
let hollow: HollowNodes;

before(async () => {
  api = await startApiServer();
  hollow = await startHollowNodes({ client: api.client, count: 3, namePrefix: 'h-', renewIntervalMs: 500 });
});
after(async () => {
  await hollow?.stop();
  await api?.stop();
});

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pods = () => api.client.resource<Pod & { [k: string]: unknown }>(resources.pods, 'default');
const mk = (name: string, annotations: Record<string, string> = {}, restartPolicy = 'Always') =>
  pods().create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, annotations }, spec: { nodeName: 'h-1', restartPolicy, containers: [{ name: 'c', image: 'busybox' }] } });

test('nodes register Ready with zones, capacity and leases that keep being renewed', async () => {
  const list = await api.client.resource<Node & { [k: string]: unknown }>(resources.nodes).list();
  assert.deepEqual(list.items.map((n) => n.metadata?.name).sort(), ['h-0', 'h-1', 'h-2']);
  const zones = list.items.map((n) => n.metadata?.labels?.['topology.kubernetes.io/zone']).sort();
  assert.deepEqual(zones, ['zone-a', 'zone-b', 'zone-c']);
  for (const n of list.items) {
    assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(n.status?.allocatable?.['pods'], '110');
    assert.equal(n.metadata?.labels?.['kubernetes.io/os'], 'linux');
    assert.match(n.status?.nodeInfo?.kubeletVersion ?? '', /^v1\.30/);
  }
  const leases = api.client.resource<Lease & { [k: string]: unknown }>(resources.leases, 'kube-node-lease');
  const first = (await leases.get('h-0')).spec?.renewTime;
  await until('lease renewed', async () => (await leases.get('h-0')).spec?.renewTime !== first);
});

test('a bound pod runs: Running/Ready with IPs and container statuses', async () => {
  await mk('plain');
  const p = await until('Ready', async () => {
    const p = await pods().get('plain');
    return p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && p;
  });
  assert.equal(p.status?.phase, 'Running');
  assert.match(p.status?.podIP ?? '', /^10\.42\.1\.\d+$/);
  assert.ok(p.status?.hostIP);
  assert.ok(p.status?.startTime);
  assert.deepEqual(p.status?.containerStatuses?.map((c) => [c.name, c.ready, !!c.state?.running]), [['c', true, true]]);
  assert.deepEqual(p.status?.conditions?.map((c) => c.type).sort(), ['ContainersReady', 'Initialized', 'PodReadyToStartContainers', 'PodScheduled', 'Ready']);
});

test('hollow-ready-after delays Ready; hollow-exit-after ends the pod per restartPolicy', async () => {
  await mk('slow', { 'skiff.dev/hollow-ready-after': '1s' });
  const running = await until('Running', async () => {
    const p = await pods().get('slow');
    return p.status?.phase === 'Running' && p;
  });
  assert.equal(running.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  await until('Ready later', async () => (await pods().get('slow')).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True');

  await mk('ok', { 'skiff.dev/hollow-exit-after': '300ms' }, 'Never');
  await mk('bad', { 'skiff.dev/hollow-exit-after': '300ms', 'skiff.dev/hollow-exit-code': '3' }, 'Never');
  await mk('retry', { 'skiff.dev/hollow-exit-after': '300ms', 'skiff.dev/hollow-exit-code': '1' }, 'OnFailure');
  const ok = await until('Succeeded', async () => {
    const p = await pods().get('ok');
    return p.status?.phase === 'Succeeded' && p;
  });
  assert.equal(ok.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
  const bad = await until('Failed', async () => {
    const p = await pods().get('bad');
    return p.status?.phase === 'Failed' && p;
  });
  assert.equal(bad.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 3);
  const retried = await until('restarted', async () => {
    const p = await pods().get('retry');
    return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && p;
  });
  assert.equal(retried.status?.phase, 'Running');
});

test('graceful deletion completes: the node deletes the pod once it is terminating', async () => {
  await mk('bye');
  await until('Running', async () => (await pods().get('bye')).status?.phase === 'Running');
  await pods().delete('bye'); // default 30 s grace: only a deletionTimestamp
  await until('gone', async () => {
    try {
      await pods().get('bye');
      return false;
    } catch (e) {
      return isStatusError(e, 'NotFound');
    }
  });
});

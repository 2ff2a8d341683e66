import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Node, Pod } from 'kubernetes-types/core/v1.js';
import { startApiServer, type TestApiServer } from '../../test/support/api-server.js';
import { resources } from '../client/index.js';
import { startHollowNodes, type HollowNodes } from '../kubelet/hollow/index.js';
import { silentLogger } from '../util/log.js';
import { startScheduler, type RunningScheduler } from './index.js';
import { pod } from './testing/builders.js';

let api: TestApiServer;
let nodes: HollowNodes;
let scheduler: RunningScheduler;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const podsApi = () => api.client.resource<Pod & { [k: string]: unknown }>(resources.pods, 'default');
const nodesApi = () => api.client.resource<Node & { [k: string]: unknown }>(resources.nodes);

async function eventsFor(name: string): Promise<Event[]> {
  const list = await api.client.resource<Event & { [k: string]: unknown }>(resources.events, 'default').list({ fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

before(async () => {
  api = await startApiServer();
  nodes = await startHollowNodes({ client: api.client, count: 4, namePrefix: 'node-', renewIntervalMs: 2000 });
  scheduler = startScheduler({ client: api.newClient('skiff-scheduler/test'), log: silentLogger(), initialBackoffMs: 100, maxBackoffMs: 500 });
  await scheduler.ready;
});

after(async () => {
  scheduler?.stop();
  await nodes?.stop();
  await api?.stop();
});

test('a pod is bound, gets a Scheduled event, and the hollow node runs it', async () => {
  await podsApi().create(pod('nginx', { cpu: '100m' }) as Pod & { [k: string]: unknown });
  const running = await until('nginx Running', async () => {
    const p = await podsApi().get('nginx');
    return p.status?.phase === 'Running' && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && p;
  });
  const node = running.spec!.nodeName!;
  assert.match(node, /^node-[0-3]$/);
  assert.equal(running.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
  assert.match(running.status?.podIP ?? '', /^10\.42\.[0-3]\.\d+$/);
  const ev = await until('Scheduled event', async () => (await eventsFor('nginx')).find((e) => e.reason === 'Scheduled'));
  assert.equal(ev.message, `Successfully assigned default/nginx to ${node}`);
  assert.equal(ev.source?.component, 'default-scheduler');
});

test('an unschedulable pod gets PodScheduled=False and FailedScheduling, then lands when a node changes', async () => {
  await podsApi().create(pod('picky', { nodeSelector: { disk: 'ssd' } }) as Pod & { [k: string]: unknown });
  const want =
    "0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.";
  const cond = await until('PodScheduled=False', async () => (await podsApi().get('picky')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'));
  assert.equal(cond.reason, 'Unschedulable');
  assert.equal(cond.message, want);
  const ev = await until('FailedScheduling event', async () => (await eventsFor('picky')).find((e) => e.reason === 'FailedScheduling'));
  assert.equal(ev.type, 'Warning');
  assert.equal(ev.message, want);

  await nodesApi().patch('node-2', 'merge', { metadata: { labels: { disk: 'ssd' } } });
  const bound = await until('picky bound', async () => (await podsApi().get('picky')).spec?.nodeName);
  assert.equal(bound, 'node-2');
});

test('cordoned nodes take no new pods', async () => {
  for (const n of ['node-0', 'node-1', 'node-3']) await nodesApi().patch(n, 'merge', { spec: { unschedulable: true } });
  try {
    // Give the scheduler's node informer the cordon before creating pods.
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 5; i++) await podsApi().create(pod(`c${i}`) as Pod & { [k: string]: unknown });
    for (let i = 0; i < 5; i++) assert.equal(await until(`c${i} bound`, async () => (await podsApi().get(`c${i}`)).spec?.nodeName), 'node-2');
  } finally {
    for (const n of ['node-0', 'node-1', 'node-3']) await nodesApi().patch(n, 'merge', { spec: { unschedulable: false } });
  }
});

test('pods for another scheduler are left alone', async () => {
  const p = pod('mine') as Pod & { [k: string]: unknown };
  p.spec!.schedulerName = 'my-scheduler';
  await podsApi().create(p);
  await new Promise((r) => setTimeout(r, 700));
  const got = await podsApi().get('mine');
  assert.equal(got.spec?.nodeName, undefined);
  assert.equal(got.status?.conditions?.find((c) => c.type === 'PodScheduled'), undefined);
});

test('anti-affinity through the whole loop: one per node, the fifth stays pending', async () => {
  const anti = (name: string) =>
    pod(name, {
      labels: { app: 'solo' },
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'solo' } }, topologyKey: 'kubernetes.io/hostname' }] } },
    }) as Pod & { [k: string]: unknown };
  await Promise.all([0, 1, 2, 3, 4].map((i) => podsApi().create(anti(`solo-${i}`))));
  const placed = new Set<string>();
  await until('four solos bound', async () => {
    placed.clear();
    for (let i = 0; i < 5; i++) {
      const n = (await podsApi().get(`solo-${i}`)).spec?.nodeName;
      if (n) placed.add(n);
    }
    return placed.size === 4;
  });
  const pending = await until('one solo unschedulable', async () => {
    for (let i = 0; i < 5; i++) {
      const p = await podsApi().get(`solo-${i}`);
      const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
      if (c) return c;
    }
    return undefined;
  });
  // Other pods already sit on the nodes, so only anti-affinity rejects (not resources).
  assert.match(pending.message ?? '', /^0\/4 nodes are available: 4 node\(s\) didn't match pod anti-affinity rules\. preemption:/);
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/types.js';
import { startApiServer, type TestApiServer } from '../../test/support/api-server.js';
import { createEventRecorder } from './events.js';
import { resources } from './index.js';

type Ev = KObject & {
  involvedObject: Record<string, string>;
  reason: string;
  message: string;
  type: string;
  count: number;
  source: { component: string; host?: string };
  reportingComponent: string;
  firstTimestamp: string;
  lastTimestamp: string;
};

describe('event recorder against a real server', () => {
  let api: TestApiServer;
  let pod: KObject;
  before(async () => {
    api = await startApiServer();
    pod = await api.client.resource(resources.pods, 'default').create({ metadata: { name: 'web-1' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  });
  after(() => api.stop());

  const eventsFor = async (name: string, ns = 'default') =>
    (await api.client.resource<Ev>(resources.events, ns).list({ fieldSelector: `involvedObject.name=${name}` })).items;

  it('writes an Event describing the object and the source', async () => {
    const rec = createEventRecorder(api.client, { component: 'kubelet', host: 'node-1' });
    rec.event(pod, 'Normal', 'Pulled', 'Container image "nginx" already present on machine');
    await rec.flush();
    const [ev, ...rest] = await eventsFor('web-1');
    assert.equal(rest.length, 0);
    assert.match(ev!.metadata!.name!, /^web-1\.[0-9a-f]{12,}$/);
    assert.equal(ev!.metadata!.namespace, 'default');
    assert.deepEqual(ev!.involvedObject, {
      kind: 'Pod',
      namespace: 'default',
      name: 'web-1',
      uid: pod.metadata!.uid,
      apiVersion: 'v1',
      resourceVersion: pod.metadata!.resourceVersion,
    });
    assert.equal(ev!.reason, 'Pulled');
    assert.equal(ev!.type, 'Normal');
    assert.equal(ev!.count, 1);
    assert.deepEqual(ev!.source, { component: 'kubelet', host: 'node-1' });
    assert.equal(ev!.reportingComponent, 'kubelet');
    assert.match(ev!.firstTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(ev!.lastTimestamp, ev!.firstTimestamp);
  });

  it('counts repeats within 10 minutes on one Event, and starts a new one after', async () => {
    let clock = new Date('2030-01-01T00:00:00Z');
    const rec = createEventRecorder(api.client, { component: 'kubelet', now: () => clock });
    const obj = { ...pod, metadata: { ...pod.metadata, name: 'loop' } };
    for (let i = 0; i < 3; i++) {
      rec.event(obj, 'Warning', 'BackOff', 'Back-off restarting failed container');
      clock = new Date(clock.getTime() + 60_000);
    }
    rec.event(obj, 'Warning', 'BackOff', 'a different message');
    await rec.flush();
    let evs = await eventsFor('loop');
    const backoff = evs.filter((e) => e.message.startsWith('Back-off'));
    assert.equal(backoff.length, 1);
    assert.equal(backoff[0]!.count, 3);
    assert.equal(backoff[0]!.firstTimestamp, '2030-01-01T00:00:00Z');
    assert.equal(backoff[0]!.lastTimestamp, '2030-01-01T00:02:00Z');
    assert.equal(evs.length, 2, 'a different message is a different Event');

    clock = new Date(clock.getTime() + 11 * 60_000);
    rec.event(obj, 'Warning', 'BackOff', 'Back-off restarting failed container');
    await rec.flush();
    evs = await eventsFor('loop');
    assert.deepEqual(evs.filter((e) => e.message.startsWith('Back-off')).map((e) => e.count).sort(), [1, 3]);
  });

  it('creates a new Event when the aggregated one was deleted', async () => {
    const rec = createEventRecorder(api.client, { component: 'ctrl' });
    const obj = { ...pod, metadata: { ...pod.metadata, name: 'gone' } };
    rec.event(obj, 'Normal', 'Scheduled', 'assigned');
    await rec.flush();
    const [first] = await eventsFor('gone');
    await api.client.resource(resources.events, 'default').delete(first!.metadata!.name!);
    rec.event(obj, 'Normal', 'Scheduled', 'assigned');
    await rec.flush();
    const again = await eventsFor('gone');
    assert.equal(again.length, 1);
    assert.notEqual(again[0]!.metadata!.name, first!.metadata!.name);
    assert.equal(again[0]!.count, 1);
  });

  it('puts events about cluster-scoped objects in default', async () => {
    const rec = createEventRecorder(api.client, { component: 'node-controller' });
    rec.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u-1' } }, 'Normal', 'NodeReady', 'Node n1 status is now: NodeReady');
    await rec.flush();
    const [ev] = await eventsFor('n1');
    assert.equal(ev!.metadata!.namespace, 'default');
    assert.equal(ev!.involvedObject.namespace, undefined);
    assert.equal(ev!.involvedObject.kind, 'Node');
  });

  it('drops events past the queue bound, and never throws', async () => {
    const rec = createEventRecorder(api.client, { component: 'spam', maxQueued: 2 });
    const obj = { ...pod, metadata: { ...pod.metadata, name: 'spammy' } };
    for (let i = 0; i < 10; i++) rec.event(obj, 'Normal', 'Tick', `tick ${i}`);
    await rec.flush();
    const evs = await eventsFor('spammy');
    assert.ok(evs.length >= 2 && evs.length <= 3, `${evs.length} events written`);
    // A write the server refuses is logged, not thrown.
    rec.event({ kind: 'Pod', metadata: { name: 'bad', namespace: 'no-such-namespace' } }, 'Normal', 'X', 'y');
    await rec.flush();
    rec.close();
    rec.event(obj, 'Normal', 'AfterClose', 'ignored');
    await rec.flush();
    assert.equal((await eventsFor('spammy')).length, evs.length);
  });
});

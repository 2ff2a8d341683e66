import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/types.js';
import { startApiServer, type TestApiServer } from '../../test/support/api-server.js';
import { createEventRecorder } from './events.js';
import { resources, type Client, type GroupVersionResource } from './index.js';

type Ev = KObject & {
  involvedObject: Record<string, string>;
  reason: string;
  message: string;
  type: string;
  count: number;
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance: string;
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
    assert.equal(ev!.reportingInstance, 'node-1');
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
    // One write in flight plus two queued: the rest are dropped.
    const rec = createEventRecorder(api.client, { component: 'spam', maxQueued: 2, concurrency: 1 });
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
  it('names the part of the object with fieldPath, and keeps two containers apart', async () => {
    const rec = createEventRecorder(api.client, { component: 'kubelet', host: 'node-1' });
    const obj = { ...pod, metadata: { ...pod.metadata, name: 'two-c' } };
    for (const c of ['a', 'b', 'a']) rec.event(obj, 'Normal', 'Started', 'Started container', { fieldPath: `spec.containers{${c}}` });
    rec.event(obj, 'Normal', 'Started', 'Started container');
    await rec.flush();
    const byPath = Object.fromEntries((await eventsFor('two-c')).map((e) => [e.involvedObject.fieldPath ?? '(none)', e.count]));
    assert.deepEqual(byPath, { 'spec.containers{a}': 2, 'spec.containers{b}': 1, '(none)': 1 });
  });

  it('reportingInstance: the host by default, empty without one, or as given', async () => {
    const cases: [opts: { host?: string; instance?: string }, source: Record<string, string>, instance: string][] = [
      [{}, { component: 'c' }, ''],
      [{ host: 'n1' }, { component: 'c', host: 'n1' }, 'n1'],
      [{ instance: 'default-scheduler' }, { component: 'c' }, 'default-scheduler'],
    ];
    for (const [i, [opts, source, instance]] of cases.entries()) {
      const rec = createEventRecorder(api.client, { component: 'c', ...opts });
      rec.event({ ...pod, metadata: { ...pod.metadata, name: `inst-${i}` } }, 'Normal', 'X', 'y');
      await rec.flush();
      const [ev] = await eventsFor(`inst-${i}`);
      assert.deepEqual(ev!.source, source, `case ${i}`);
      assert.equal(ev!.reportingInstance, instance, `case ${i}`);
    }
  });

  it('writes several at once, yet repeats of one key in order, and names sort as recorded', async () => {
    let inFlight = 0;
    let most = 0;
    // The server's client, counting how many writes overlap.
    const counting: Client = {
      config: api.client.config,
      raw: (...a) => api.client.raw(...a),
      close() {},
      resource<T extends KObject>(gvr: GroupVersionResource, ns?: string) {
        const r = api.client.resource<T>(gvr, ns);
        const track =
          <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
          async (...a: A): Promise<R> => {
            most = Math.max(most, ++inFlight);
            try {
              return await f(...a);
            } finally {
              inFlight--;
            }
          };
        return Object.assign(Object.create(r) as typeof r, { create: track(r.create.bind(r)), patch: track(r.patch.bind(r)) });
      },
    };
    const rec = createEventRecorder(counting, { component: 'sched', concurrency: 8 });
    const pods = Array.from({ length: 20 }, (_, i) => ({ ...pod, metadata: { ...pod.metadata, name: 'burst', uid: `u-${i}` } }));
    for (const p of pods) rec.event(p, 'Normal', 'Scheduled', 'assigned');
    // The same key many times in a row: every repeat must find the Event the first created.
    for (let i = 0; i < 10; i++) rec.event(pods[0]!, 'Warning', 'FailedScheduling', '0/3 nodes are available');
    await rec.flush();
    const evs = await eventsFor('burst');
    const scheduled = evs.filter((e) => e.reason === 'Scheduled');
    assert.equal(scheduled.length, 20);
    const byName = [...scheduled].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
    assert.deepEqual(
      byName.map((e) => e.involvedObject.uid),
      pods.map((p) => p.metadata.uid),
      'names sort in recording order',
    );
    const failed = evs.filter((e) => e.reason === 'FailedScheduling');
    assert.deepEqual(failed.map((e) => e.count), [10]);
    assert.ok(most > 1 && most <= 8, `${most} writes at once`);
  });

  it('close() lets flush() resolve and records nothing more', async () => {
    const rec = createEventRecorder(api.client, { component: 'c', concurrency: 1 });
    const obj = { ...pod, metadata: { ...pod.metadata, name: 'closing' } };
    for (let i = 0; i < 5; i++) rec.event(obj, 'Normal', 'Tick', `tick ${i}`);
    const flushed = rec.flush();
    rec.close();
    await flushed;
    rec.event(obj, 'Normal', 'Tick', 'after');
    await rec.flush();
    // Only the write already in flight when close() came may have landed.
    assert.ok((await eventsFor('closing')).length <= 1);
  });
});

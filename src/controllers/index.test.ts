import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { SharedInformerFactory } from '../client/shared-informers.js';
import { silentLogger } from '../util/log.js';
import { startApiServer, type TestApiServer } from '../../test/support/api-server.js';
import { startControllers, type RunningControllers } from './index.js';
import { gvr } from './shared/resources.js';
import { waitFor } from './shared/testing.js';

let api: TestApiServer;
let running: RunningControllers;
let factory: SharedInformerFactory;

before(async () => {
  api = await startApiServer();
  factory = new SharedInformerFactory(api.client);
  running = await startControllers({ client: api.client, informers: factory, log: silentLogger(), disabled: ['namespace'] });
});
after(async () => {
  running.stop();
  factory.stop();
  await api.stop();
});

it('startControllers runs the enabled controllers, which record events through the API', async () => {
  assert.ok(running.names.includes('deployment') && running.names.includes('garbagecollector'));
  assert.ok(!running.names.includes('namespace'));
  await api.client.resource(gvr.deployments, 'default').create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'smoke', namespace: 'default' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'smoke' } }, template: { metadata: { labels: { app: 'smoke' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
  await waitFor('2 pods', async () => (await api.client.resource(gvr.pods, 'default').list({ labelSelector: 'app=smoke' })).items.length === 2);
  const ev = await waitFor('events', async () => {
    const items = (await api.client.resource(gvr.events, 'default').list()).items as { reason?: string; source?: { component?: string }; involvedObject?: { kind?: string } }[];
    const scaled = items.find((e) => e.reason === 'ScalingReplicaSet');
    const created = items.find((e) => e.reason === 'SuccessfulCreate');
    return scaled && created ? { scaled, created } : undefined;
  });
  assert.equal(ev.scaled.source?.component, 'deployment-controller');
  assert.equal(ev.scaled.involvedObject?.kind, 'Deployment');
  assert.equal(ev.created.source?.component, 'replicaset-controller');
});

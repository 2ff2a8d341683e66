import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStatusError, StatusError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { startApiServer, type TestApiServer } from '../../test/support/api-server.js';
import { configFromKubeconfig, createClient, resourcePath, resources, statusErrorFrom, tokenBucket, type WatchEvent } from './index.js';

const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>): KObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

async function rejectsWith(p: Promise<unknown>, reason: string, message?: RegExp): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isStatusError(e), `expected a StatusError, got ${String(e)}`);
    assert.equal(e.reason, reason, e.message);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${reason}, but the call succeeded`);
}

describe('resourcePath', () => {
  const cases: [Parameters<typeof resourcePath>, string][] = [
    [[resources.pods, 'ns1'], '/api/v1/namespaces/ns1/pods'],
    [[resources.pods, 'ns1', 'p', 'status'], '/api/v1/namespaces/ns1/pods/p/status'],
    [[resources.pods], '/api/v1/pods'],
    [[resources.nodes, undefined, 'n1'], '/api/v1/nodes/n1'],
    [[resources.namespaces, undefined, 'kube-system', 'finalize'], '/api/v1/namespaces/kube-system/finalize'],
    [[resources.deployments, 'd', 'web', 'scale'], '/apis/apps/v1/namespaces/d/deployments/web/scale'],
    [[resources.leases, 'kube-system', 'a b'], '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/a%20b'],
  ];
  for (const [args, want] of cases) it(want, () => assert.equal(resourcePath(...args), want));
});

describe('statusErrorFrom', () => {
  it('uses the Status the server sent', () => {
    const e = statusErrorFrom(404, JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound', message: 'pods "x" not found', details: { name: 'x', kind: 'pods' } }));
    assert.equal(e.code, 404);
    assert.equal(e.reason, 'NotFound');
    assert.equal(e.message, 'pods "x" not found');
    assert.deepEqual(e.status.details, { name: 'x', kind: 'pods' });
  });
  it('makes a generic error from a body that is not a Status', () => {
    const e = statusErrorFrom(503, '<html>bad gateway</html>');
    assert.equal(e.code, 503);
    assert.equal(e.reason, 'ServiceUnavailable');
    assert.match(e.message, /unable to handle the request \(<html>bad gateway<\/html>\)/);
    const odd = statusErrorFrom(418, '');
    assert.equal(odd.code, 418);
    assert.equal(odd.reason, undefined);
  });
});

describe('tokenBucket', () => {
  it('lets a burst through at once, then paces to qps', async () => {
    const limiter = tokenBucket(50, 3);
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) await limiter.take();
    assert.ok(performance.now() - t0 < 15, 'burst should not wait');
    for (let i = 0; i < 5; i++) await limiter.take();
    const took = performance.now() - t0;
    assert.ok(took >= 90, `5 requests past the burst at 50 qps took ${took} ms, want >= ~100`);
  });
  it('does not limit with qps <= 0', async () => {
    const limiter = tokenBucket(0, 0);
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) await limiter.take();
    assert.ok(performance.now() - t0 < 100);
  });
});

describe('createClient config checks', () => {
  it('reports every problem with the fix', () => {
    assert.throws(() => createClient({ server: 'http://x', ca: '' }), /must be an https:\/\/ URL.*ca is empty.*no credentials/);
  });
});

describe('configFromKubeconfig', () => {
  it('reads file paths relative to the kubeconfig and a token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-kc-'));
    try {
      writeFileSync(join(dir, 'ca.crt'), 'CA PEM');
      writeFileSync(
        join(dir, 'config'),
        [
          'apiVersion: v1',
          'kind: Config',
          'current-context: b',
          'clusters:',
          '- name: c1',
          '  cluster: {server: "https://10.0.0.1:6443", certificate-authority-data: ' + Buffer.from('other').toString('base64') + '}',
          '- name: c2',
          '  cluster: {server: "https://127.0.0.1:7443", certificate-authority: ca.crt}',
          'users:',
          '- name: u2',
          '  user: {token: abc.def}',
          'contexts:',
          '- name: a',
          '  context: {cluster: c1, user: u2}',
          '- name: b',
          '  context: {cluster: c2, user: u2}',
        ].join('\n'),
      );
      const cfg = configFromKubeconfig(join(dir, 'config'), 'me/v1');
      assert.deepEqual(cfg, { server: 'https://127.0.0.1:7443', ca: 'CA PEM', cert: undefined, key: undefined, token: 'abc.def', userAgent: 'me/v1' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('REST client against a real server', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startApiServer();
  });
  after(() => api.stop());

  it('creates, reads, lists, updates and deletes', async () => {
    const cms = api.client.resource(resources.configmaps, 'default');
    const created = await cms.create(cm('crud', { a: '1' }));
    assert.equal(created.metadata?.name, 'crud');
    assert.ok(created.metadata?.uid);
    const got = await cms.get('crud');
    assert.deepEqual(got.data, { a: '1' });

    const listed = await cms.list();
    const item = listed.items.find((i) => i.metadata?.name === 'crud');
    assert.ok(item);
    assert.equal(item.apiVersion, 'v1');
    assert.equal(item.kind, 'ConfigMap');
    assert.ok(Number(listed.resourceVersion) >= Number(created.metadata?.resourceVersion));

    const updated = await cms.update({ ...got, data: { a: '2' } });
    assert.deepEqual(updated.data, { a: '2' });
    assert.notEqual(updated.metadata?.resourceVersion, got.metadata?.resourceVersion);

    await cms.delete('crud');
    await rejectsWith(cms.get('crud'), 'NotFound', /configmaps "crud" not found/);
  });

  it('throws the server Status as StatusError', async () => {
    const cms = api.client.resource(resources.configmaps, 'default');
    await cms.create(cm('dup'));
    const e = await rejectsWith(cms.create(cm('dup')), 'AlreadyExists', /configmaps "dup" already exists/);
    assert.equal(e.code, 409);
    const cur = await cms.get('dup');
    await cms.update({ ...cur, data: { x: '1' } });
    await rejectsWith(cms.update({ ...cur, data: { x: '2' } }), 'Conflict', /the object has been modified/);
    await rejectsWith(cms.create(cm('Not_A_Name')), 'Invalid', /metadata.name/);
    await rejectsWith(cms.delete('never-was'), 'NotFound');
  });

  it('writes into the object namespace from an all-namespaces client', async () => {
    const all = api.client.resource(resources.configmaps);
    const made = await all.create({ ...cm('nsless'), metadata: { name: 'nsless', namespace: 'kube-public' } });
    assert.equal(made.metadata?.namespace, 'kube-public');
    const listed = await all.list({ fieldSelector: 'metadata.name=nsless' });
    assert.deepEqual(listed.items.map((i) => i.metadata?.namespace), ['kube-public']);
  });

  it('serves cluster-scoped and grouped resources', async () => {
    const ns = await api.client.resource(resources.namespaces).create({ metadata: { name: 'client-test' } });
    assert.equal(ns.metadata?.name, 'client-test');
    const leases = api.client.resource(resources.leases, 'client-test');
    const lease = await leases.create({ metadata: { name: 'l1' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } });
    assert.equal(lease.apiVersion, 'coordination.k8s.io/v1');
    assert.equal((await leases.get('l1')).spec && (lease.spec as { holderIdentity: string }).holderIdentity, 'me');
  });

  it('patches with every patch type', async () => {
    const cms = api.client.resource(resources.configmaps, 'default');
    await cms.create(cm('patchme', { a: '1' }));
    assert.deepEqual((await cms.patch('patchme', 'merge', { data: { b: '2' } })).data, { a: '1', b: '2' });
    assert.deepEqual((await cms.patch('patchme', 'json', [{ op: 'remove', path: '/data/a' }])).data, { b: '2' });
    assert.deepEqual((await cms.patch('patchme', 'strategic', { data: { c: '3' } })).data, { b: '2', c: '3' });

    const applied = await cms.patch('applied', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { k: 'mine' } });
    assert.deepEqual(applied.data, { k: 'mine' });
    assert.ok(applied.metadata?.managedFields?.some((m) => m.manager === 'skiff-test' && m.operation === 'Apply'));
    const other = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { k: 'theirs' } };
    await rejectsWith(cms.patch('applied', 'apply', other, { fieldManager: 'other' }), 'Conflict');
    const forced = await cms.patch('applied', 'apply', other, { fieldManager: 'other', force: true });
    assert.deepEqual(forced.data, { k: 'theirs' });
  });

  it('updates status and other subresources', async () => {
    const pods = api.client.resource(resources.pods, 'default');
    const pod = await pods.create({ metadata: { name: 'st' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const withStatus = await pods.updateStatus({ ...pod, status: { phase: 'Running' } });
    assert.equal((withStatus.status as { phase: string }).phase, 'Running');
    await pods.createSubresource('st', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'st' }, target: { apiVersion: 'v1', kind: 'Node', name: 'n1' } });
    const bound = await pods.get('st');
    assert.equal((bound.spec as { nodeName: string }).nodeName, 'n1');
    const deps = api.client.resource(resources.deployments, 'default');
    await deps.create({
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    const scale = await deps.getSubresource<{ spec: { replicas: number } }>('web', 'scale');
    assert.equal(scale.spec.replicas, 2);
    await deps.updateSubresource('web', 'scale', { ...scale, spec: { replicas: 5 } });
    assert.equal(((await deps.get('web')).spec as { replicas: number }).replicas, 5);
  });

  it('pages through a list and deletes a collection by label', async () => {
    const ns = 'paging';
    await api.client.resource(resources.namespaces).create({ metadata: { name: ns } });
    const cms = api.client.resource(resources.configmaps, ns);
    await Promise.all(Array.from({ length: 7 }, (_, i) => cms.create(cm(`c${i}`, {}, { batch: i < 5 ? 'a' : 'b' }))));
    const names: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await cms.list({ limit: 3, continue: cont, labelSelector: 'batch' });
      names.push(...page.items.map((i) => i.metadata!.name!));
      cont = page.continue;
      pages++;
    } while (cont);
    assert.equal(pages, 3);
    assert.deepEqual(names.sort(), ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    await cms.deleteCollection({ labelSelector: 'batch=a' });
    assert.deepEqual((await cms.list()).items.map((i) => i.metadata!.name).sort(), ['c5', 'c6']);
  });

  it('watches changes in order and stops quietly', async () => {
    const cms = api.client.resource(resources.configmaps, 'default');
    const start = await cms.list({ limit: 1 });
    const events: WatchEvent[] = [];
    let closed = false;
    let seen: () => void = () => {};
    const done = new Promise<void>((r) => (seen = r));
    const h = cms.watch(
      { resourceVersion: start.resourceVersion, fieldSelector: 'metadata.name=watched' },
      (ev) => {
        events.push(ev);
        if (ev.type === 'DELETED') seen();
      },
      () => (closed = true),
    );
    const made = await cms.create(cm('watched', { v: '1' }));
    await cms.update({ ...made, data: { v: '2' } });
    await cms.delete('watched');
    await done;
    h.stop();
    assert.deepEqual(
      events.map((e) => [e.type, e.object.data]),
      [
        ['ADDED', { v: '1' }],
        ['MODIFIED', { v: '2' }],
        ['DELETED', { v: '2' }],
      ],
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(closed, false, 'onClose must not run after stop()');
  });

  it('parses watch events far larger than one network chunk', async () => {
    const cms = api.client.resource(resources.configmaps, 'default');
    const start = await cms.list({ limit: 1 });
    const big = Array.from({ length: 4 }, (_, i) => `${i}:` + 'ü日x'.repeat(60_000));
    const got: string[] = [];
    let all: () => void = () => {};
    const done = new Promise<void>((r) => (all = r));
    const h = cms.watch({ resourceVersion: start.resourceVersion, fieldSelector: 'metadata.name=big' }, (ev) => {
      got.push((ev.object.data as { v: string }).v);
      if (got.length === big.length) all();
    });
    let cur = await cms.create(cm('big', { v: big[0]! }));
    for (const v of big.slice(1)) cur = await cms.update({ ...cur, data: { v } });
    await done;
    h.stop();
    assert.equal(got.length, big.length);
    got.forEach((v, i) => assert.ok(v === big[i], `event ${i} arrived intact`));
  });

  it('reports the end of a watch the server closes', async () => {
    const cms = api.client.resource(resources.configmaps, 'default');
    const err = await new Promise<Error | undefined>((resolve) => cms.watch({ timeoutSeconds: 1 }, () => {}, resolve));
    assert.equal(err, undefined);
  });

  it('reports a watch the server refuses as a StatusError', async () => {
    const bogus = api.client.resource({ group: 'nope.example.com', version: 'v1', resource: 'things' }, 'default');
    const err = await new Promise<Error | undefined>((resolve) => bogus.watch({}, () => {}, resolve));
    assert.ok(isStatusError(err, 'NotFound'), String(err));
  });

  it('answers raw requests without throwing', async () => {
    const v = await api.client.raw('GET', '/version');
    assert.equal(v.status, 200);
    assert.ok(JSON.parse(v.body).gitVersion);
    const missing = await api.client.raw('GET', '/api/v1/namespaces/default/configmaps/none');
    assert.equal(missing.status, 404);
  });

  it('refuses to work once closed', async () => {
    const c = api.newClient('closer/v1');
    await c.resource(resources.namespaces).list({ limit: 1 });
    c.close();
    await assert.rejects(c.resource(resources.namespaces).list(), /client is closed/);
  });
});

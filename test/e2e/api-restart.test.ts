// The embedded datastore keeps everything across a graceful restart and
// across a crash (SIGKILL), and the server exits cleanly on SIGTERM.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type Cluster } from './harness.js';
import { configMap, pod } from './manifests.js';

describe('API server: restarts keep the data', () => {
  let c: Cluster;
  before(async () => {
    c = await startServer({ datastore: 'sqlite' });
  });
  after(async () => {
    await c?.stop();
  });

  const get = async (args: string[]) => JSON.parse((await c.kubectlOk(['get', ...args, '-o', 'json'])).stdout);

  it('objects survive a graceful restart with the same uid and resourceVersion', async () => {
    await c.kubectlOk(['create', 'namespace', 'keep']);
    await c.apply(configMap('settings', { mode: 'on' }, 'keep'));
    await c.apply(pod('survivor', { namespace: 'keep', labels: { app: 'x' } }));
    const cm = await get(['configmap', 'settings', '-n', 'keep']);
    const p = await get(['pod', 'survivor', '-n', 'keep']);

    await c.restart();

    const cm2 = await get(['configmap', 'settings', '-n', 'keep']);
    assert.equal(cm2.metadata.uid, cm.metadata.uid);
    assert.equal(cm2.metadata.resourceVersion, cm.metadata.resourceVersion);
    assert.deepEqual(cm2.data, { mode: 'on' });
    const p2 = await get(['pod', 'survivor', '-n', 'keep']);
    assert.equal(p2.metadata.uid, p.metadata.uid);
    assert.deepEqual(p2.metadata.labels, { app: 'x' });
    const ns = (await c.kubectlOk(['get', 'namespaces', '-o', 'name'])).stdout;
    assert.match(ns, /^namespace\/keep$/m);
    assert.match(ns, /^namespace\/default$/m);
  });

  it('objects survive a crash, and resourceVersions keep growing after it', async () => {
    const before = await get(['configmap', 'settings', '-n', 'keep']);
    await c.kubectlOk(['label', 'configmap', 'settings', '-n', 'keep', 'written=before-crash']);
    const labelled = await get(['configmap', 'settings', '-n', 'keep']);
    assert.ok(Number(labelled.metadata.resourceVersion) > Number(before.metadata.resourceVersion));

    const info = await c.kill9();
    assert.equal(info.signal, 'SIGKILL');
    await c.restart();

    const after = await get(['configmap', 'settings', '-n', 'keep']);
    assert.equal(after.metadata.labels.written, 'before-crash', 'an acknowledged write is durable');
    assert.equal(after.metadata.resourceVersion, labelled.metadata.resourceVersion);
    const created = await c.apply(configMap('after-crash', { n: '1' }, 'keep'));
    assert.equal(created.stdout.trim(), 'configmap/after-crash created');
    const fresh = await get(['configmap', 'after-crash', '-n', 'keep']);
    assert.ok(Number(fresh.metadata.resourceVersion) > Number(labelled.metadata.resourceVersion), 'no revision is reused');
  });

  it('the kubeconfig stays valid across restarts', async () => {
    const r = await c.kubectlOk(['get', 'pods', '-n', 'keep', '-o', 'name']);
    assert.equal(r.stdout.trim(), 'pod/survivor');
  });

  it('exits with status 0 on SIGTERM', async () => {
    const info = await c.stop();
    assert.deepEqual(info, { code: 0, signal: null });
  });
});

describe('API server: the memory datastore', () => {
  let c: Cluster;
  before(async () => {
    c = await startServer({ datastore: 'memory' });
  });
  after(async () => {
    await c?.stop();
  });

  it('serves the same API and starts empty again after a restart', async () => {
    assert.equal((await c.apply(configMap('volatile', { a: 'b' }))).stdout.trim(), 'configmap/volatile created');
    assert.equal((await c.kubectlOk(['get', 'configmap', 'volatile', '-o', 'jsonpath={.data.a}'])).stdout, 'b');
    await c.restart();
    const r = await c.kubectl(['get', 'configmap', 'volatile']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /NotFound/);
    const ns = (await c.kubectlOk(['get', 'namespaces', '-o', 'name'])).stdout;
    assert.match(ns, /^namespace\/kube-system$/m, 'the built-in namespaces are made again');
  });
});

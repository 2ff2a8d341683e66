// `kubectl get -w`: the list, then a watch from the list's resourceVersion,
// printed as events arrive.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type Cluster, type Watcher } from './harness.js';
import { pod } from './manifests.js';

describe('API server: watch', () => {
  let c: Cluster;
  const watchers: Watcher[] = [];
  before(async () => {
    c = await startServer();
    await c.kubectlOk(['create', 'namespace', 'watched']);
    await c.apply(pod('w0', { namespace: 'watched' }));
  });
  after(async () => {
    for (const w of watchers) await w.stop();
    await c?.stop();
  });

  it('kubectl get pods -w prints existing pods, then new and deleted ones as they happen', async () => {
    const plain = c.watch(['get', 'pods', '-n', 'watched', '-w']);
    const events = c.watch(['get', 'pods', '-n', 'watched', '-w', '--output-watch-events']);
    watchers.push(plain, events);

    await plain.waitFor(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    await plain.waitFor(/^w0\s+0\/1\s+Pending\s+0\s+\d+s$/m);
    await events.waitFor(/^EVENT\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    await events.waitFor(/^ADDED\s+w0\s+0\/1\s+Pending/m);

    // Both watches are open (they printed the list); now change things.
    assert.equal((await c.apply(pod('w1', { namespace: 'watched' }))).stdout.trim(), 'pod/w1 created');
    await plain.waitFor(/^w1\s+0\/1\s+Pending\s+0\s+\d+s$/m);
    await events.waitFor(/^ADDED\s+w1\s+0\/1\s+Pending/m);

    await c.kubectlOk(['label', 'pod', 'w1', '-n', 'watched', 'seen=yes']);
    await events.waitFor(/^MODIFIED\s+w1\s/m);

    await c.kubectlOk(['delete', 'pod', 'w1', '-n', 'watched']);
    await events.waitFor(/^DELETED\s+w1\s/m);
    // Without event names the deletion is one more w1 row.
    await plain.waitFor(/(^w1\s.*\n[\s\S]*){3}/m);

    // A pod in another namespace never shows up in these watches.
    await c.apply(pod('elsewhere'));
    await c.apply(pod('w2', { namespace: 'watched' }));
    await events.waitFor(/^ADDED\s+w2\s/m);
    assert.doesNotMatch(events.output(), /elsewhere/);
    assert.doesNotMatch(plain.output(), /elsewhere/);

    const order = events.output().split('\n').filter((l) => /^(ADDED|MODIFIED|DELETED)\s+w1\s/.test(l)).map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(order, ['ADDED', 'MODIFIED', 'DELETED']);
  });

  it('kubectl get pods -A -w sees every namespace, and stops when killed', async () => {
    const all = c.watch(['get', 'pods', '-A', '-w']);
    watchers.push(all);
    await all.waitFor(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    await all.waitFor(/^watched\s+w0\s/m);
    await c.kubectlOk(['create', 'namespace', 'later']);
    await c.apply(pod('late', { namespace: 'later' }));
    await all.waitFor(/^later\s+late\s+0\/1\s+Pending/m);
    await all.stop();
  });

  it('a watch on a single object by name', async () => {
    const one = c.watch(['get', 'pod', 'w0', '-n', 'watched', '-w', '-o', 'jsonpath={.metadata.labels.step}{"\\n"}']);
    watchers.push(one);
    await c.kubectlOk(['label', 'pod', 'w0', '-n', 'watched', 'step=one']);
    await one.waitFor(/^one$/m);
    await c.kubectlOk(['label', 'pod', 'w0', '-n', 'watched', 'step=two', '--overwrite']);
    await one.waitFor(/^two$/m);
  });
});

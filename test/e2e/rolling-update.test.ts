// The seeds' `kubectl rolling-update` (removed from kubectl in 1.18), through
// the kubectl-rolling_update plugin on PATH, against a real `skiff server`
// running its controllers. No node agent runs: a stand-in kubelet here marks
// pods Ready (only those whose image it is told to accept), so the updater's
// waits for Ready pods are exercised.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot, startServer, type Cluster } from './harness.js';

const rc = (name: string, selector: Record<string, string>, image: string, replicas = 3) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name },
    spec: { replicas, selector, template: { metadata: { labels: selector }, spec: { containers: [{ name: 'master', image, ports: [{ containerPort: 6379 }] }] } } },
  });

describe('kubectl rolling-update plugin', () => {
  let c: Cluster;
  let stopKubelet = false;
  let accept = (_image: string) => true;
  let maxPods = 0;
  let minReady = Infinity;
  let tracking = false;
  let loop: Promise<void> | undefined;

  before(async () => {
    process.env.PATH = `${join(repoRoot(), 'plugins')}:${process.env.PATH}`;
    c = await startServer({ datastore: 'memory', args: ['--disable-agent', '--disable-scheduler'] });
    loop = (async () => {
      while (!stopKubelet) {
        try {
          const list = (await c.request('GET', '/api/v1/namespaces/default/pods')).json;
          const live = (list?.items ?? []).filter((p: any) => !p.metadata.deletionTimestamp && p.metadata.labels?.name === 'redis-master');
          if (tracking) {
            maxPods = Math.max(maxPods, live.length);
            minReady = Math.min(minReady, live.filter((p: any) => p.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True')).length);
          }
          for (const p of live) {
            if (p.status?.phase === 'Running' || !accept(p.spec.containers[0].image)) continue;
            const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
            p.status = { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t }] };
            await c.request('PUT', `/api/v1/namespaces/default/pods/${p.metadata.name}/status`, { body: JSON.stringify(p), headers: { 'Content-Type': 'application/json' } });
          }
        } catch {
          // the server is stopping
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
  });
  after(async () => {
    stopKubelet = true;
    await loop;
    await c?.stop();
  });

  const rcs = async () => JSON.parse((await c.kubectlOk(['get', 'rc', '-o', 'json'])).stdout).items as any[];
  const pods = async () => (JSON.parse((await c.kubectlOk(['get', 'pods', '-l', 'name=redis-master', '-o', 'json'])).stdout).items as any[]).filter((p) => !p.metadata.deletionTimestamp);
  async function settle(what: string, fn: () => Promise<boolean>, ms = 20_000) {
    const end = Date.now() + ms;
    while (!(await fn())) {
      if (Date.now() > end) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('--image: one pod at a time, never below 3 Ready nor above 4 pods, and the name is kept', async () => {
    await c.kubectlOk(['create', '-f', '-'], { input: rc('redis-master', { name: 'redis-master' }, 'redis-master:1.0') });
    await settle('3 ready pods', async () => (await pods()).filter((p) => p.status?.phase === 'Running').length === 3);
    tracking = true;
    const r = await c.kubectl(['rolling-update', 'redis-master', '--image=redis-master:2.0', '--update-period=1s', '--poll-interval=200ms'], { timeoutMs: 90_000 });
    tracking = false;
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const m = /^Created (redis-master-([0-9a-f]{32}))$/.exec(lines[0]!);
    assert.ok(m, lines[0]);
    const next = m[1]!;
    assert.deepEqual(lines, [
      `Created ${next}`,
      `Scaling up ${next} from 0 to 3, scaling down redis-master from 3 to 0 (keep 3 pods available, don't exceed 4 pods)`,
      `Scaling ${next} up to 1`,
      'Scaling redis-master down to 2',
      `Scaling ${next} up to 2`,
      'Scaling redis-master down to 1',
      `Scaling ${next} up to 3`,
      'Scaling redis-master down to 0',
      'Update succeeded. Deleting old controller: redis-master',
      `Renaming ${next} to redis-master`,
      'replicationcontroller/redis-master rolling updated',
    ]);
    assert.ok(maxPods <= 4, `max pods ${maxPods}`);
    assert.ok(minReady >= 3, `min ready ${minReady}`);
    await settle('only redis-master left', async () => (await rcs()).map((x) => x.metadata.name).join() === 'redis-master');
    const [final] = await rcs();
    assert.equal(final.spec.template.spec.containers[0].image, 'redis-master:2.0');
    assert.equal(final.spec.selector.deployment, m[2]);
    await settle('3 pods on 2.0, owned by the renamed RC', async () => {
      const ps = await pods();
      return ps.length === 3 && ps.every((p) => p.spec.containers[0].image === 'redis-master:2.0' && p.metadata.ownerReferences?.[0]?.uid === final.metadata.uid);
    });
  });

  it('-f new-rc.yaml: to a differently named RC, old one deleted', async () => {
    await c.kubectlOk(['delete', 'rc', 'redis-master']);
    await settle('clean', async () => (await pods()).length === 0);
    await c.kubectlOk(['create', '-f', '-'], { input: rc('redis-master', { name: 'redis-master', version: 'v1' }, 'redis-master:1.0', 2) });
    await settle('2 ready', async () => (await pods()).filter((p) => p.status?.phase === 'Running').length === 2);
    const file = join(c.dataDir, 'redis-master-controller-v2.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, rc('redis-master-v2', { name: 'redis-master', version: 'v2' }, 'redis-master:2.0', 2));
    const r = await c.kubectl(['rolling-update', 'redis-master', '-f', file, '--update-period=500ms', '--poll-interval=200ms'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Created redis-master-v2\n/);
    assert.match(r.stdout, /Scaling redis-master-v2 up to 2\nScaling redis-master down to 0\nUpdate succeeded\. Deleting redis-master\nreplicationcontroller\/redis-master rolling updated to "redis-master-v2"\n$/);
    await settle('only v2', async () => (await rcs()).map((x) => x.metadata.name).join() === 'redis-master-v2');
    await settle('2 pods on v2', async () => {
      const ps = await pods();
      return ps.length === 2 && ps.every((p) => p.metadata.labels.version === 'v2');
    });
  });

  it('--rollback undoes a stalled update', async () => {
    await c.kubectlOk(['delete', 'rc', 'redis-master-v2']);
    await settle('clean', async () => (await pods()).length === 0);
    await c.kubectlOk(['create', '-f', '-'], { input: rc('redis-master', { name: 'redis-master' }, 'kubeguide/redis-master:1.0', 2) });
    await settle('2 ready', async () => (await pods()).filter((p) => p.status?.phase === 'Running').length === 2);
    // The new image never becomes Ready: the update stalls and times out.
    accept = (image) => !image.endsWith(':2.0');
    const stalled = await c.kubectl(['rolling-update', 'redis-master', '--image=kubeguide/redis-master:2.0', '--update-period=200ms', '--poll-interval=200ms', '--timeout=4s'], { timeoutMs: 60_000 });
    assert.notEqual(stalled.code, 0);
    const next = /Created (\S+)/.exec(stalled.stdout)![1]!;
    const before = (await rcs()).find((x) => x.metadata.name === 'redis-master');
    assert.equal(before.metadata.annotations['kubectl.kubernetes.io/next-controller-id'], next);
    assert.equal(before.metadata.annotations['kubectl.kubernetes.io/original-replicas'], '2');
    const r = await c.kubectl(['rolling-update', 'redis-master', '--image=kubeguide/redis-master:2.0', '--rollback', '--update-period=200ms', '--poll-interval=200ms'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Setting "redis-master" replicas to 2\nContinuing update with existing controller redis-master\.\n/);
    assert.match(r.stdout, new RegExp(`Scaling ${next} down to 0\\nUpdate succeeded\\. Deleting ${next}\\nreplicationcontroller/${next} rolling updated to "redis-master"\\n$`));
    await settle('back to redis-master only', async () => (await rcs()).map((x) => x.metadata.name).join() === 'redis-master');
    await settle('2 pods on 1.0', async () => {
      const ps = await pods();
      return ps.length === 2 && ps.every((p) => p.spec.containers[0].image === 'kubeguide/redis-master:1.0');
    });
  });
});

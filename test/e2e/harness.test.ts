// The harness's own process handling, against a fake server that keeps the
// `skiff server` start-up contract (fixtures/fake-skiff.mjs). Nothing here
// needs the real server, so these run in a second or two.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startServer, type Cluster } from './harness.js';

const fake = join(repoRoot(), 'test', 'e2e', 'fixtures', 'fake-skiff.mjs');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); it is as good as gone.
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs = 3000): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

const starts = (c: Cluster) => readFileSync(join(c.dataDir, 'starts'), 'utf8').trim().split('\n');
const serverPid = (c: Cluster) => Number(starts(c).at(-1)!.split(' ')[0]);
const grandchildPid = (c: Cluster) => Number(readFileSync(join(c.dataDir, 'grandchild.pid'), 'utf8'));

function withMode<T>(mode: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.FAKE_SKIFF_MODE;
  process.env.FAKE_SKIFF_MODE = mode;
  return fn().finally(() => {
    if (before === undefined) delete process.env.FAKE_SKIFF_MODE;
    else process.env.FAKE_SKIFF_MODE = before;
  });
}

describe('e2e harness', () => {
  const clusters: Cluster[] = [];
  after(async () => {
    for (const c of clusters) await c.stop();
  });

  it('starts a server on a loopback port with a temp data dir and the default flags', async () => {
    const c = await startServer({ bin: fake });
    clusters.push(c);
    assert.ok(c.port > 0 && c.port < 65536);
    assert.equal(c.url, `https://127.0.0.1:${c.port}`);
    assert.equal(c.kubeconfig, join(c.dataDir, 'kubeconfig.yaml'));
    assert.ok(existsSync(c.kubeconfig));
    assert.match(starts(c)[0]!, new RegExp(`server --data-dir ${c.dataDir} --https-listen-port ${c.port} --disable-agent --disable-scheduler --disable-controller-manager$`));
    assert.match(c.logs(), /fake-skiff: starting/);
  });

  it('passes the datastore choice and replacement flags', async () => {
    const c = await startServer({ bin: fake, datastore: 'memory', args: ['--disable-agent'] });
    clusters.push(c);
    assert.match(starts(c)[0]!, / --disable-agent --datastore-endpoint memory:\/\/$/);
  });

  it('stop() ends the server with SIGTERM, its process group, and removes the temp dir', async () => {
    const c = await startServer({ bin: fake });
    const pid = serverPid(c);
    const grandchild = grandchildPid(c);
    assert.ok(alive(pid) && alive(grandchild));
    const info = await c.stop();
    assert.deepEqual(info, { code: 0, signal: null }, 'exits by itself on SIGTERM');
    assert.ok(await gone(pid));
    assert.ok(await gone(grandchild));
    assert.equal(existsSync(c.dataDir), false);
    assert.deepEqual(await c.stop(), { code: null, signal: null }, 'a second stop() is a no-op');
  });

  it('stop() SIGKILLs the group of a server that ignores SIGTERM', async () => {
    const c = await withMode('ignore-term', () => startServer({ bin: fake, stopGraceMs: 500 }));
    const grandchild = grandchildPid(c);
    const t0 = Date.now();
    const info = await c.stop();
    assert.equal(info.signal, 'SIGKILL');
    assert.ok(Date.now() - t0 >= 450, 'waited the grace period first');
    assert.ok(await gone(grandchild));
  });

  it('restart() reuses the data dir and the port; kill9() then restart() works too', async () => {
    const c = await startServer({ bin: fake });
    clusters.push(c);
    const { dataDir, port } = c;
    const first = serverPid(c);
    await c.restart();
    assert.equal(c.dataDir, dataDir);
    assert.equal(c.port, port);
    assert.equal(starts(c).length, 2);
    assert.ok(await gone(first));
    const second = serverPid(c);
    assert.notEqual(second, first);
    const info = await c.kill9();
    assert.equal(info.signal, 'SIGKILL');
    assert.ok(await gone(second));
    await c.restart();
    assert.equal(starts(c).length, 3);
    assert.ok(alive(serverPid(c)));
    assert.equal(c.port, port);
  });

  it('reports a server that never becomes ready, with its output, and leaves nothing behind', async () => {
    const err = await withMode('never-ready', () => startServer({ bin: fake, readyTimeoutMs: 5000 })).then(
      () => assert.fail('startServer should reject'),
      (e: Error) => e,
    );
    assert.match(err.message, /printed no ready line within 5000 ms/);
    assert.match(err.message, /fake-skiff: starting/);
    const dataDir = /--data-dir (\S+)/.exec(err.message)![1]!;
    assert.equal(existsSync(dataDir), false);
  });

  it('reports a server that exits before it is ready, with its stderr', async () => {
    const err = await withMode('exit-early', () => startServer({ bin: fake })).then(
      () => assert.fail('startServer should reject'),
      (e: Error) => e,
    );
    assert.match(err.message, /exited before it was ready \(code 3/);
    assert.match(err.message, /cannot open the datastore/);
  });

  it('runs the real kubectl with the cluster kubeconfig; kubectlOk throws with stderr', async () => {
    const c = await startServer({ bin: fake });
    clusters.push(c);
    const v = await c.kubectlOk(['version', '--client', '-o', 'json']);
    assert.match(JSON.parse(v.stdout).clientVersion.gitVersion, /^v1\.\d+/);
    const view = await c.kubectlOk(['config', 'view', '-o', 'jsonpath={.clusters[0].cluster.server}']);
    assert.equal(view.stdout, c.url, 'KUBECONFIG points at this cluster');
    await assert.rejects(c.kubectlOk(['get', 'pods', '--context=nowhere']), /exited 1[\s\S]*stderr: .*context was not found for specified context: nowhere/);
    const r = await c.kubectl(['get', 'pods', '--context=nowhere']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /context was not found for specified context: nowhere/);
    // The fake answers no HTTP, so kubectl keeps retrying until the harness's timeout kills it.
    await assert.rejects(c.kubectl(['get', 'pods'], { timeoutMs: 1500 }), /kubectl get pods timed out after 1500 ms/);
  });

  it('kills a server left running when the test process exits', () => {
    // A child process starts a cluster and exits without stop(); the exit
    // hook must take the server down with it.
    const harness = new URL('./harness.js', import.meta.url).href;
    const script = `
      import { startServer } from ${JSON.stringify(harness)};
      const c = await startServer({ bin: ${JSON.stringify(fake)} });
      const { readFileSync } = await import('node:fs');
      const pid = readFileSync(c.dataDir + '/starts', 'utf8').split(' ')[0];
      console.log(JSON.stringify({ pid: Number(pid), grandchild: Number(readFileSync(c.dataDir + '/grandchild.pid', 'utf8')), dataDir: c.dataDir }));
      process.exit(1);
    `;
    const loader = import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const res = spawnSync(process.execPath, [...loader, '--input-type=module', '-e', script], { cwd: repoRoot(), encoding: 'utf8', timeout: 30_000 });
    const line = res.stdout.trim().split('\n').at(-1) ?? '';
    assert.ok(line.startsWith('{'), `child printed: ${res.stdout}\n${res.stderr}`);
    const { pid, grandchild, dataDir } = JSON.parse(line) as { pid: number; grandchild: number; dataDir: string };
    assert.equal(res.status, 1);
    // SIGKILL is sent on exit; on a loaded machine the process may take a moment to be gone.
    return Promise.all([gone(pid), gone(grandchild)]).then(([p, g]) => {
      assert.ok(p, 'server killed on exit');
      assert.ok(g, 'its process group too');
      assert.equal(existsSync(dataDir), false, 'temp dir removed on exit');
    });
  });
});

// kubectl logs/exec/attach/port-forward/cp against a real node: the real
// kubectl talks to the API server, which relays to the node agent's kubelet
// API over mutual TLS, which reads CRI log files and relays streams to
// containerd's stream server.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { Node } from 'kubernetes-types/core/v1.js';
import { loadPki } from '../../src/apiserver/auth/pki.js';
import type { KObject } from '../../src/api/types.js';
import { resources } from '../../src/client/index.js';
import type { NodeAgent } from '../../src/kubelet/index.js';
import { busyboxPod, startTestNode, withKubeletApi, type TestNode } from './node-support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Spawned {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<Run>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function until(what: string, pred: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('node agent: kubectl logs, exec, attach, port-forward and cp', { timeout: 300_000 }, () => {
  let node: TestNode;
  let agent: NodeAgent | undefined;
  let work: string;
  const children = new Set<ChildProcess>();

  const kubectlArgs = (args: string[]) => ['--kubeconfig', node.api.kubeconfig, ...args];

  /** Runs kubectl to its end; never throws on a non-zero exit (the tests look at it). */
  function kubectl(args: string[], input?: string): Promise<Run> {
    return new Promise((resolve) => {
      const child = execFile('kubectl', kubectlArgs(args), { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
        children.delete(child);
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
      children.add(child);
      if (input !== undefined) child.stdin!.end(input);
    });
  }

  /** A long-running kubectl (logs -f, port-forward, attach), killed by the test or after(). */
  function spawnKubectl(cmd: string, args: string[]): Spawned {
    const child = spawn(cmd, cmd === 'kubectl' ? kubectlArgs(args) : args, { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<Run>((resolve) =>
      child.on('close', (code) => {
        children.delete(child);
        resolve({ code, stdout: out, stderr: err });
      }),
    );
    return { child, stdout: () => out, stderr: () => err, exited };
  }

  const running = (name: string, timeoutMs = 60_000) =>
    node.waitPod(name, (p) => p.status?.phase === 'Running' && !!p.status.containerStatuses?.every((c) => c.state?.running), timeoutMs);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'skiff-streams-'));
    node = await startTestNode();
    agent = await withKubeletApi(node);
    await node.createPod(
      busyboxPod(
        'chatty',
        {
          containers: [
            { name: 'a', image: 'busybox', command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo a-$i; done; sleep 0.5; echo oops >&2; exec sleep 3600'] },
            { name: 'b', image: 'busybox', command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo b-$i; sleep 0.3; done'] },
          ],
        },
        { metadata: { name: 'chatty', namespace: 'default', labels: { app: 'chatty' } } },
      ),
    );
    await running('chatty');
  });

  /** The network namespaces of this node's sandboxes (other suites may run pods on this machine at the same time). */
  async function ourNetns(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const sb of await node.agent.cri.listPodSandbox().catch(() => [])) {
      const st = await node.agent.cri.podSandboxStatus(sb.id, true).catch(() => undefined);
      for (const m of JSON.stringify(st?.info ?? {}).matchAll(/\/var\/run\/netns\/([\w-]+)/g)) out.add(m[1]!);
    }
    return out;
  }

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await agent?.stop({ keepContainerd: true }).catch(() => undefined);
    if (node) {
      const netns = await ourNetns();
      assert.ok(netns.size > 0, 'the sandboxes’ network namespaces are known, so their removal can be checked');
      await node.teardown();
      const left = node.leftovers().filter((l) => !l.startsWith('netns ') || netns.has(l.slice('netns '.length)));
      assert.deepEqual(left, []);
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('publishes the kubelet API port in the Node status', async () => {
    const n = await node.client.resource<Node & KObject>(resources.nodes).get(node.nodeName);
    const port = n.status?.daemonEndpoints?.kubeletEndpoint?.Port;
    assert.ok(port && port !== 10250, `port ${port}`);
    assert.equal(n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, '127.0.0.1');
  });

  it('kubectl logs: -c, --tail, --timestamps, --limit-bytes, --since, -l', async () => {
    await until('the log of a', async () => (await kubectl(['logs', 'chatty', '-c', 'a'])).stdout.includes('oops'));
    assert.deepEqual(await kubectl(['logs', 'chatty', '-c', 'a']), { code: 0, stdout: 'a-1\na-2\na-3\na-4\na-5\noops\n', stderr: '' });
    assert.equal((await kubectl(['logs', 'chatty', '-c', 'a', '--tail=2'])).stdout, 'a-5\noops\n');
    const ts = (await kubectl(['logs', 'chatty', '-c', 'a', '--tail=1', '--timestamps'])).stdout;
    assert.match(ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) oops\n$/);
    assert.equal((await kubectl(['logs', 'chatty', '-c', 'a', '--limit-bytes=6'])).stdout, 'a-1\na-');
    assert.equal((await kubectl(['logs', 'chatty', '-c', 'a', '--since=1h'])).stdout, 'a-1\na-2\na-3\na-4\na-5\noops\n');
    await sleep(2000);
    assert.equal((await kubectl(['logs', 'chatty', '-c', 'a', '--since=1s'])).stdout, '');
    const bySelector = await kubectl(['logs', '-l', 'app=chatty', '-c', 'a']);
    assert.equal(bySelector.code, 0, bySelector.stderr);
    assert.equal(bySelector.stdout, 'a-1\na-2\na-3\na-4\na-5\noops\n');
  });

  it('kubectl logs: errors come back as the API’s messages', async () => {
    const prev = await kubectl(['logs', 'chatty', '-c', 'a', '--previous']);
    assert.notEqual(prev.code, 0);
    assert.match(prev.stderr, /previous terminated container "a" in pod "chatty" not found/);
    const bad = await kubectl(['logs', 'chatty', '-c', 'nope']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /container nope is not valid for pod chatty/);
  });

  it('kubectl logs -f: lines appear while following; the stream ends when the container exits', async () => {
    const f = spawnKubectl('kubectl', ['logs', '-f', 'chatty', '-c', 'b', '--tail=1']);
    const count = () => f.stdout().split('\n').filter((l) => /^b-\d+$/.test(l)).length;
    await until('a first followed line', () => count() >= 1);
    const first = count();
    await until('more lines while following', () => count() >= first + 3, 10_000);
    const nums = f.stdout().split('\n').filter(Boolean).map((l) => Number(l.slice(2)));
    for (let i = 1; i < nums.length; i++) assert.equal(nums[i], nums[i - 1]! + 1, f.stdout());
    f.child.kill('SIGTERM');
    await f.exited;

    await node.createPod(
      busyboxPod('counter', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'for i in 1 2 3; do echo n-$i; sleep 1; done'] }] }),
    );
    await node.waitPod('counter', (p) => !!p.status?.containerStatuses?.[0]?.state?.running, 60_000);
    const g = spawnKubectl('kubectl', ['logs', '-f', 'counter']);
    const done = await Promise.race([g.exited, sleep(20_000).then(() => undefined)]);
    assert.ok(done, `kubectl logs -f did not end when the container exited; output so far: ${g.stdout()}`);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout, 'n-1\nn-2\nn-3\n');
  });

  it('kubectl logs --previous after a restart', async () => {
    await node.createPod(
      busyboxPod('crasher', {
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [
          {
            name: 'main',
            image: 'busybox',
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
            command: ['sh', '-c', 'if [ -f /data/once ]; then echo second life; exec sleep 3600; fi; touch /data/once; echo first life; exit 1'],
          },
        ],
      }),
    );
    await node.waitPod('crasher', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && !!p.status?.containerStatuses?.[0]?.state?.running, 60_000);
    await until('the second life in the log', async () => (await kubectl(['logs', 'crasher'])).stdout === 'second life\n');
    assert.deepEqual(await kubectl(['logs', 'crasher', '--previous']), { code: 0, stdout: 'first life\n', stderr: '' });
  });

  it('kubectl exec: output, stderr and exit codes', async () => {
    assert.deepEqual(await kubectl(['exec', 'chatty', '-c', 'a', '--', 'echo', 'hi there']), { code: 0, stdout: 'hi there\n', stderr: '' });
    const both = await kubectl(['exec', 'chatty', '-c', 'a', '--', 'sh', '-c', 'echo out; echo err >&2']);
    assert.equal(both.stdout, 'out\n');
    assert.equal(both.stderr, 'err\n');
    const three = await kubectl(['exec', 'chatty', '-c', 'a', '--', 'sh', '-c', 'exit 3']);
    assert.equal(three.code, 3, three.stderr);
    const missing = await kubectl(['exec', 'chatty', '-c', 'a', '--', 'no-such-binary']);
    assert.notEqual(missing.code, 0);
  });

  it('a v4 WebSocket client (like @kubernetes/client-node) execs through the same path', async () => {
    const pki = await loadPki(node.api.dataDir);
    const url = new URL(node.api.url.replace(/^https/, 'wss'));
    url.pathname = '/api/v1/namespaces/default/pods/chatty/exec';
    for (const [k, v] of [['container', 'a'], ['command', 'sh'], ['command', '-c'], ['command', 'echo ws-ok; exit 5'], ['stdout', 'true'], ['stderr', 'true']]) {
      url.searchParams.append(k, v!);
    }
    const ws = new WebSocket(url, ['v4.channel.k8s.io'], { ca: pki.serverCA.cert, cert: pki.admin.cert, key: pki.admin.key });
    let stdout = '';
    let status = '';
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer) => {
        if (data[0] === 1) stdout += data.subarray(1).toString();
        if (data[0] === 3) status += data.subarray(1).toString();
      });
      ws.on('close', () => resolve());
      ws.on('error', reject);
    });
    assert.equal(ws.protocol, 'v4.channel.k8s.io');
    assert.equal(stdout, 'ws-ok\n');
    const st = JSON.parse(status);
    assert.equal(st.reason, 'NonZeroExitCode');
    assert.deepEqual(st.details.causes, [{ reason: 'ExitCode', message: '5' }]);
  });

  it('kubectl exec -i: stdin reaches the command and its end closes it', async () => {
    const r = await kubectl(['exec', '-i', 'chatty', '-c', 'a', '--', 'sh', '-c', "tr a-z A-Z; echo '<eof>'"], 'hello\nworld\n');
    assert.deepEqual(r, { code: 0, stdout: 'HELLO\nWORLD\n<eof>\n', stderr: '' });
  });

  it('kubectl exec -it: a TTY sized like the terminal', async () => {
    // The size reaches the TTY on the resize stream just after the process starts (CRI Exec takes no initial
    // size), so the command reads it a moment later, as an interactive shell would.
    const cmd = `stty rows 33 cols 111; kubectl --kubeconfig ${node.api.kubeconfig} exec -it chatty -c a -- sh -c 'tty; sleep 1; stty size'`;
    const s = spawnKubectl('script', ['-qec', cmd, '/dev/null']);
    const r = await s.exited;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
    assert.match(r.stdout, /33 111/);
  });

  it('kubectl cp: a file into the pod and back out', async () => {
    const src = join(work, 'in.txt');
    const content = `copied ${Date.now()}\n${'x'.repeat(5000)}\n`;
    writeFileSync(src, content);
    const up = await kubectl(['cp', src, 'default/chatty:/tmp/in.txt', '-c', 'a']);
    assert.equal(up.code, 0, up.stderr);
    assert.equal((await kubectl(['exec', 'chatty', '-c', 'a', '--', 'cat', '/tmp/in.txt'])).stdout, content);
    const dst = join(work, 'out.txt');
    const down = await kubectl(['cp', 'default/chatty:/tmp/in.txt', dst, '-c', 'a']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(readFileSync(dst, 'utf8'), content);
  });

  it('kubectl attach: the container’s output streams to the client', async () => {
    const a = spawnKubectl('kubectl', ['attach', 'chatty', '-c', 'b']);
    const seen = () => a.stdout().split('\n').filter((l) => /^b-\d+$/.test(l)).length;
    await until('attached output', () => seen() >= 3, 15_000);
    a.child.kill('SIGTERM');
    await a.exited;
  });

  it('kubectl port-forward: a local port reaches the pod’s port', async () => {
    await node.createPod(
      busyboxPod('web', {
        containers: [{ name: 'httpd', image: 'busybox', command: ['sh', '-c', 'mkdir -p /www && echo hello-from-pod > /www/index.html && exec httpd -f -p 80 -h /www'] }],
      }),
    );
    await running('web');
    const port = await freePort();
    const pf = spawnKubectl('kubectl', ['port-forward', 'pod/web', `${port}:80`]);
    await until('port-forward to listen', () => pf.stdout().includes(`Forwarding from 127.0.0.1:${port}`), 20_000);
    const fetch = () =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        httpGet({ host: '127.0.0.1', port, path: '/index.html', agent: false }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        }).on('error', reject);
      });
    assert.deepEqual(await fetch(), { status: 200, body: 'hello-from-pod\n' });
    assert.deepEqual(await fetch(), { status: 200, body: 'hello-from-pod\n' }, 'a second connection through the same forward');
    pf.child.kill('SIGTERM');
    await pf.exited;
  });
});

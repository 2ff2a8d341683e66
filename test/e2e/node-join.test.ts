// A node joined with `skiff agent --server URL --token T` (another machine,
// as far as the agent knows: its own data dir, no server CA key) gets its
// kubelet API's certificates from the server with the join token, so
// `kubectl logs` and `kubectl exec` reach its pods through the API server.
// Everything the agent made — containers, containerd, netns, iptables, CNI
// state, mounts — is removed with `skiff killall --data-dir D`, pass or fail,
// and checked gone.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { inspectCert, isIssuedBy } from '../../src/apiserver/auth/index.js';
import { createCriClient } from '../../src/cri/index.js';
import { containerdPaths } from '../../src/kubelet/containerd/index.js';
import { mountsUnder, pidsMentioning } from '../../src/kubelet/index.js';
import { startTestRegistry, type TestRegistry } from '../images/registry.js';
import { freePort, repoRoot, startServer, type Cluster } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NODE = 'joined';

interface AgentProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe('skiff agent on another machine: kubelet API through the join token', { timeout: 300_000 }, () => {
  let cluster: Cluster | undefined;
  let registry: TestRegistry | undefined;
  let agentDir: string;
  let kubeletPort: number;
  let agent: AgentProcess | undefined;
  /** What teardown must find gone, learnt while the node ran. */
  const sandboxNetns = new Set<string>();
  const sandboxIds = new Set<string>();
  let podCIDR: string | undefined;
  let podRan = false;
  let podIP: string | undefined;
  let bridge = 'skiff0';

  const bin = () => join(repoRoot(), 'bin', 'skiff');

  function startAgent(): AgentProcess {
    const token = readFileSync(join(cluster!.dataDir, 'token'), 'utf8').trim();
    const args = [bin(), 'agent', '--server', cluster!.url, '--token', token, '--data-dir', agentDir, '--node-name', NODE, '--kubelet-port', String(kubeletPort), '-v', 'info'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const append = (c: Buffer) => {
      out = (out + c.toString('utf8')).slice(-128 * 1024);
      if (process.env.SKIFF_E2E_LOG === '1') process.stderr.write(c);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return { child, output: () => out, exited };
  }

  async function waitJoined(a: AgentProcess): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (!a.output().includes(`skiff agent: node ${NODE} joined`)) {
      if (a.child.exitCode !== null || a.child.signalCode !== null) throw new Error(`skiff agent exited (${a.child.exitCode ?? a.child.signalCode}):\n${a.output()}`);
      if (Date.now() > deadline) throw new Error(`skiff agent did not join within 120 s:\n${a.output()}`);
      await sleep(100);
    }
  }

  /** SIGTERM, then SIGKILL if it hangs; resolves with how it ended. */
  async function stopAgent(a: AgentProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGTERM');
    const timer = setTimeout(() => a.child.kill('SIGKILL'), 30_000);
    try {
      return await a.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async function kubectl(args: string[]) {
    return cluster!.kubectl(args, { timeoutMs: 60_000 });
  }

  async function until(what: string, pred: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await pred())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nagent output:\n${agent?.output().slice(-4000)}`);
      await sleep(250);
    }
  }

  /** The network namespaces of the node's sandboxes, from its containerd, so their removal can be checked. */
  async function noteSandboxes(): Promise<void> {
    const socket = containerdPaths(agentDir).socket;
    if (!existsSync(socket)) return;
    const cri = createCriClient(socket, { timeoutMs: 5_000 });
    try {
      for (const sb of await cri.listPodSandbox().catch(() => [])) {
        sandboxIds.add(sb.id);
        const st = await cri.podSandboxStatus(sb.id, true).catch(() => undefined);
        for (const m of JSON.stringify(st?.info ?? {}).matchAll(/\/var\/run\/netns\/([\w-]+)/g)) sandboxNetns.add(m[1]!);
      }
    } finally {
      cri.close();
    }
  }

  /** The node's bridge, from its CNI config (gone once killall ran). */
  function noteBridge(): void {
    const cni = containerdPaths(agentDir).cniConfDir;
    for (const f of existsSync(cni) ? readdirSync(cni) : []) {
      const b = /"bridge"\s*:\s*"([^"]+)"/.exec(readFileSync(join(cni, f), 'utf8'))?.[1];
      if (b) bridge = b;
    }
  }

  function leftovers(): string[] {
    const out: string[] = [];
    const paths = containerdPaths(agentDir);
    for (const pid of pidsMentioning(agentDir)) out.push(`process ${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    for (const pid of pidsMentioning(paths.socket)) out.push(`containerd client ${pid}`);
    for (const m of mountsUnder(agentDir)) out.push(`mount ${m}`);
    try {
      execFileSync('ip', ['link', 'show', bridge], { stdio: 'ignore' });
      out.push(`bridge ${bridge}`);
    } catch {
      // gone, as it should be
    }
    // Only this node's rules: other suites' nodes share the cluster range (10.42.0.0/16) on this machine.
    const ours = [podCIDR, podIP && `${podIP}/`, ...sandboxIds].filter((x): x is string => !!x);
    const ourChain = new RegExp(`MASQ-${bridge}(\\s|$)`);
    for (const table of ['nat', 'filter']) {
      for (const l of execFileSync('iptables', ['-w', '-t', table, '-S'], { encoding: 'utf8' }).split('\n')) {
        if (ourChain.test(l) || ours.some((x) => l.includes(x))) out.push(`iptables -t ${table} ${l}`);
      }
    }
    if (existsSync('/var/run/netns')) for (const ns of readdirSync('/var/run/netns')) if (sandboxNetns.has(ns)) out.push(`netns ${ns}`);
    // libcni caches each attachment as <network>-<sandbox id>-<interface>.
    if (existsSync('/var/lib/cni/results')) {
      for (const f of readdirSync('/var/lib/cni/results')) if ([...sandboxIds].some((id) => f.includes(id))) out.push(`cni result ${f}`);
    }
    return out;
  }

  before(async () => {
    agentDir = mkdtempSync(join(tmpdir(), 'skiff-joined-'));
    // The kubelet API on a free port: other suites' agents on this machine may hold 10250.
    kubeletPort = await freePort();
    cluster = await startServer({ args: ['--disable-agent'] });
    registry = await startTestRegistry();
    writeFileSync(join(agentDir, 'registries.yaml'), registry.registriesYaml);
    agent = startAgent();
    await waitJoined(agent);
  });

  after(async () => {
    try {
      await noteSandboxes();
      noteBridge();
      if (agent) {
        const end = await stopAgent(agent);
        assert.equal(end.code, 0, `the agent exits cleanly on SIGTERM (${JSON.stringify(end)})\n${agent.output().slice(-4000)}`);
      }
    } finally {
      // Whatever happened above: the data dir's pods, containerd and pod network go.
      const killall = await promisify(execFile)(process.execPath, [bin(), 'killall', '--data-dir', agentDir], { encoding: 'utf8' }).catch((err: Error) => err);
      await registry?.stop();
      await cluster?.stop();
      const left = leftovers();
      if (!process.env.SKIFF_E2E_KEEP) rmSync(agentDir, { recursive: true, force: true });
      assert.ok(!(killall instanceof Error), `skiff killall failed: ${String(killall)}`);
      if (podRan) assert.ok(sandboxNetns.size > 0 && sandboxIds.size > 0, 'the sandboxes were known, so their removal was checked');
      assert.deepEqual(left, []);
    }
  });

  it('registers a Ready node at the address in its serving certificate', async () => {
    await until('node joined Ready', async () => {
      const r = await kubectl(['get', 'node', NODE, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return r.stdout === 'True';
    });
    const node = JSON.parse((await kubectl(['get', 'node', NODE, '-o', 'json'])).stdout);
    podCIDR = node.spec.podCIDR;
    assert.match(podCIDR ?? '', /^10\.42\.\d+\.0\/24$/);
    // The server is on loopback, so this "other machine" is this one: the agent says so.
    assert.equal(node.status.addresses.find((a: { type: string }) => a.type === 'InternalIP')?.address, '127.0.0.1');
    assert.equal(node.status.daemonEndpoints.kubeletEndpoint.Port, kubeletPort);

    const tlsDir = join(agentDir, 'agent', 'tls');
    const serving = { cert: readFileSync(join(tlsDir, 'serving-kubelet.crt'), 'utf8'), key: readFileSync(join(tlsDir, 'serving-kubelet.key'), 'utf8') };
    assert.ok(isIssuedBy(serving, { cert: readFileSync(join(cluster!.dataDir, 'tls', 'server-ca.crt'), 'utf8') }), 'signed by the server CA');
    const info = inspectCert(serving.cert);
    assert.equal(info.commonName, `system:node:${NODE}`);
    assert.ok(info.sans.includes(NODE) && info.sans.includes('127.0.0.1'), info.sans.join(', '));
    assert.equal(readFileSync(join(tlsDir, 'client-ca.crt'), 'utf8'), readFileSync(join(cluster!.dataDir, 'tls', 'client-ca.crt'), 'utf8'));
    // It holds no server CA key: the material came from the server.
    assert.equal(existsSync(join(agentDir, 'tls', 'server-ca.key')), false);
  });

  it('runs a pod whose logs and exec reach it through the API server', async () => {
    await cluster!.apply(`apiVersion: v1
kind: Pod
metadata:
  name: greeter
spec:
  nodeSelector:
    kubernetes.io/hostname: ${NODE}
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "echo hello from ${NODE}; exec sleep 3600"]
`);
    const waited = await kubectl(['wait', '--for=condition=Ready', 'pod/greeter', '--timeout=120s']);
    assert.equal(waited.code, 0, `${waited.stderr}\nagent output:\n${agent!.output().slice(-4000)}`);
    assert.equal((await kubectl(['get', 'pod', 'greeter', '-o', 'jsonpath={.spec.nodeName}'])).stdout, NODE);
    podRan = true;
    noteBridge();
    podIP = (await kubectl(['get', 'pod', 'greeter', '-o', 'jsonpath={.status.podIP}'])).stdout;
    assert.ok(podCIDR && podIP.startsWith(podCIDR.replace(/0\/24$/, '')), `pod IP ${podIP} in ${podCIDR}`);
    await noteSandboxes();
    // The leftovers check sees a running node's state, so its empty answer at the end means something.
    const live = leftovers();
    for (const kind of ['process', 'mount', 'bridge', 'iptables', 'netns']) assert.ok(live.some((l) => l.startsWith(`${kind} `)), `no ${kind} in:\n${live.join('\n')}`);

    await until('the greeting in the log', async () => (await kubectl(['logs', 'greeter'])).stdout.includes('hello'));
    assert.deepEqual(await kubectl(['logs', 'greeter']), { code: 0, stdout: `hello from ${NODE}\n`, stderr: '' });

    const ok = await kubectl(['exec', 'greeter', '--', 'cat', '/proc/1/cmdline']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.replace(/\0/g, ' ').trim(), 'sleep 3600');
    const failing = await kubectl(['exec', 'greeter', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual([failing.code, failing.stdout], [3, 'out\n']);
    assert.match(failing.stderr, /^err\n/);
  });

  it('refuses certificates to a caller without the token', async () => {
    const anonymous = await cluster!.request('POST', '/v1-skiff/serving-kubelet.crt', {
      anonymous: true,
      body: JSON.stringify({ nodeName: NODE, addresses: ['127.0.0.1'] }),
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.json?.reason, 'Unauthorized');
    const ca = await cluster!.request('GET', '/v1-skiff/client-ca.crt', { anonymous: true });
    assert.equal(ca.status, 401);
  });

  it('keeps its certificate across a restart, and its pods stay reachable', async () => {
    const certFile = join(agentDir, 'agent', 'tls', 'serving-kubelet.crt');
    const before = readFileSync(certFile, 'utf8');
    const end = await stopAgent(agent!);
    assert.equal(end.code, 0, agent!.output().slice(-4000));
    agent = startAgent();
    await waitJoined(agent);
    assert.equal(readFileSync(certFile, 'utf8'), before, 'the kept certificate is reused');
    assert.doesNotMatch(agent.output(), /got a kubelet serving certificate/);
    await until('logs after the restart', async () => (await kubectl(['logs', 'greeter'])).stdout === `hello from ${NODE}\n`);
    const r = await kubectl(['exec', 'greeter', '--', 'echo', 'still here']);
    assert.deepEqual([r.code, r.stdout], [0, 'still here\n']);
  });
});

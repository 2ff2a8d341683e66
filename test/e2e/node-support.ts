// Support for the node agent's cluster tests: a real in-process API server,
// a local registry with the busybox and nginx test images (docker.io
// mirrored to it), and a node agent with its own containerd, data dir, CNI
// bridge and pod range. teardown() removes everything the node created —
// containers, sandboxes, shims, mounts, netns, the bridge, CNI iptables
// chains — pass or fail, and leftovers() reports whatever survived.
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { startApiServer, type TestApiServer } from '../support/api-server.js';
import { startTestRegistry, type TestRegistry } from '../images/registry.js';
import { startNodeAgent, killAll, removeAllPods, mountsUnder, pidsMentioning, type NodeAgent } from '../../src/kubelet/index.js';
import { containerdPaths } from '../../src/kubelet/containerd/index.js';
import { resources, type Client } from '../../src/client/index.js';
import type { KObject } from '../../src/api/types.js';
import { createLogger, silentLogger } from '../../src/util/log.js';
import { issueKubeletServingCert } from '../../src/apiserver/auth/certs.js';
import { loadPki } from '../../src/apiserver/auth/pki.js';

export interface TestNode {
  api: TestApiServer;
  registry: TestRegistry;
  agent: NodeAgent;
  client: Client;
  dataDir: string;
  nodeName: string;
  bridge: string;
  podCIDR: string;
  pods(ns?: string): ReturnType<Client['resource']>;
  createPod(pod: Pod): Promise<Pod>;
  getPod(name: string, ns?: string): Promise<Pod>;
  /** Polls the pod until `pred` holds; throws with the last status after timeoutMs. */
  waitPod(name: string, pred: (p: Pod) => boolean, timeoutMs?: number, ns?: string): Promise<Pod>;
  waitGone(name: string, timeoutMs?: number, ns?: string): Promise<void>;
  /** The CRI log of a container's attempt, parsed to its text lines. */
  logLines(pod: Pod, container: string, attempt?: number): string[];
  events(pod: Pod): Promise<{ reason: string; message: string; type: string; count?: number }[]>;
  kubectl(args: string[]): Promise<string>;
  teardown(): Promise<void>;
  leftovers(): string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startTestNode(): Promise<TestNode> {
  const n = 100 + Math.floor(Math.random() * 150);
  const podCIDR = `10.42.${n}.0/24`;
  const bridge = `skt${n}`;
  const nodeName = `node-e2e-${n}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-node-'));
  const log = process.env.SKIFF_E2E_LOG ? createLogger('debug') : silentLogger();
  let api: TestApiServer | undefined;
  let registry: TestRegistry | undefined;
  let agent: NodeAgent | undefined;
  // The network namespaces of this node's sandboxes, read from containerd just
  // before teardown: leftovers() checks exactly those (other suites may have
  // pods on this machine at the same time).
  const sandboxNetns = new Set<string>();
  const teardown = async () => {
    for (const sb of (await agent?.cri.listPodSandbox().catch(() => [])) ?? []) {
      const st = await agent!.cri.podSandboxStatus(sb.id, true).catch(() => undefined);
      for (const m of JSON.stringify(st?.info ?? {}).matchAll(/\/var\/run\/netns\/([\w-]+)/g)) sandboxNetns.add(m[1]!);
    }
    await agent?.stop({ keepContainerd: true }).catch(() => undefined);
    await removeAllPods(dataDir);
    await agent?.containerd.stop();
    await killAll({ dataDir, bridge });
    await registry?.stop();
    await api?.stop();
    if (!process.env.SKIFF_E2E_KEEP) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    api = await startApiServer();
    registry = await startTestRegistry();
    writeFileSync(join(dataDir, 'registries.yaml'), registry.registriesYaml);
    const client = api.newClient('skiff-kubelet/v0.1.0');
    agent = await startNodeAgent({ client, dataDir, nodeName, log, podCIDR, bridgeName: bridge });
    await agent.ready;
    const a = agent;
    const pods = (ns = 'default') => client.resource<Pod & KObject>(resources.pods, ns);
    const node: TestNode = {
      api,
      registry,
      agent: a,
      client,
      dataDir,
      nodeName,
      bridge,
      podCIDR,
      pods,
      createPod: (pod) => pods(pod.metadata?.namespace ?? 'default').create({ ...pod, spec: { ...pod.spec!, nodeName } } as Pod & KObject),
      getPod: (name, ns = 'default') => pods(ns).get(name),
      async waitPod(name, pred, timeoutMs = 30_000, ns = 'default') {
        const deadline = Date.now() + timeoutMs;
        let last: Pod | undefined;
        while (Date.now() < deadline) {
          last = await pods(ns).get(name);
          if (pred(last)) return last;
          await sleep(200);
        }
        throw new Error(`pod ${name} did not reach the expected state; last status: ${JSON.stringify(last?.status, null, 1)}`);
      },
      async waitGone(name, timeoutMs = 30_000, ns = 'default') {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
          try {
            await pods(ns).get(name);
          } catch {
            return;
          }
          await sleep(200);
        }
        throw new Error(`pod ${name} still exists after ${timeoutMs} ms`);
      },
      logLines(pod, container, attempt = 0) {
        const f = join(dataDir, 'agent', 'pod-logs', `${pod.metadata!.namespace}_${pod.metadata!.name}_${pod.metadata!.uid}`, container, `${attempt}.log`);
        if (!existsSync(f)) return [];
        // CRI format: <RFC3339Nano> <stream> <P|F> <text>
        return readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ').slice(3).join(' '));
      },
      async events(pod) {
        const list = await client.resource<KObject & { reason: string; message: string; type: string; count?: number; involvedObject: { uid?: string } }>(resources.events, pod.metadata!.namespace).list();
        return list.items.filter((e) => e.involvedObject.uid === pod.metadata!.uid);
      },
      async kubectl(args) {
        // Async: the API server runs in this process and must keep serving.
        const { stdout } = await promisify(execFile)('kubectl', ['--kubeconfig', api!.kubeconfig, ...args], { encoding: 'utf8' });
        return stdout;
      },
      teardown,
      leftovers() {
        const out: string[] = [];
        const paths = containerdPaths(dataDir);
        for (const pid of pidsMentioning(paths.socket)) out.push(`process ${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
        for (const pid of pidsMentioning(paths.configFile)) out.push(`containerd ${pid}`);
        for (const m of mountsUnder(dataDir)) out.push(`mount ${m}`);
        try {
          execFileSync('ip', ['link', 'show', bridge], { stdio: 'ignore' });
          out.push(`bridge ${bridge}`);
        } catch {
          // gone, as it should be
        }
        const nat = execFileSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' });
        for (const l of nat.split('\n')) if (l.includes(podCIDR.replace('/24', '')) || l.includes(`10.42.${n}.`)) out.push(`iptables ${l}`);
        if (existsSync('/var/run/netns')) {
          for (const ns of readdirSync('/var/run/netns')) if (sandboxNetns.has(ns)) out.push(`netns ${ns}`);
        }
        return out;
      },
    };
    return node;
  } catch (err) {
    await teardown();
    throw err;
  }
}

export function busyboxPod(name: string, spec: Partial<Pod['spec']> & { containers: NonNullable<Pod['spec']>['containers'] }, extra: Partial<Pod> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { terminationGracePeriodSeconds: 5, ...spec },
    ...extra,
  };
}

/**
 * The harness's agent keeps its data dir apart from the API server's, so it
 * has no TLS material for its kubelet API. For tests of logs, exec and
 * port-forward (which go through the API server to the kubelet API over
 * mutual TLS), stop it and start one with a serving certificate from the
 * server CA and the client CA, on a free loopback port, at the node address
 * `skiff server` uses (127.0.0.1). The caller stops the returned agent.
 */
export async function withKubeletApi(node: TestNode): Promise<NodeAgent> {
  await node.agent.stop({ keepContainerd: true });
  const pki = await loadPki(node.api.dataDir);
  const agent = await startNodeAgent({
    client: node.client,
    dataDir: node.dataDir,
    nodeName: node.nodeName,
    log: process.env.SKIFF_E2E_LOG ? createLogger('debug') : silentLogger(),
    podCIDR: node.podCIDR,
    bridgeName: node.bridge,
    containerd: node.agent.containerd,
    nodeIP: '127.0.0.1',
    kubeletPort: 0,
    kubeletAddress: '127.0.0.1',
    servingCert: await issueKubeletServingCert(pki.serverCA, node.nodeName, ['127.0.0.1']),
    clientCA: pki.clientCA.cert,
  });
  await agent.ready;
  return agent;
}

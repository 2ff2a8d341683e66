// The pod network on a real node: containers of a pod share localhost (and
// so cannot both take one port), pods reach each other and the host reaches
// them by pod IP over the CNI bridge, a hostPort answers on the node's
// address (127.0.0.1, as for `skiff server`: portmap's DNAT of loopback
// traffic needs route_localnet and a masquerade, both set up by portmap),
// and the pod's IPs show in its status and in `kubectl get pods -o wide`.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { killAll, type NodeAgent } from '../../src/kubelet/index.js';
import { busyboxPod, startTestNode, withKubeletApi, type TestNode } from './node-support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOST_PORT = 18081;
const WELCOME = /Welcome to nginx!/;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * GET http://host:port/ from this process over a new connection (a kept-alive
 * one would skip the NAT under test); the body, or the error's text.
 */
function fetchText(host: string, port: number, timeoutMs = 3000): Promise<{ ok: boolean; body: string }> {
  return new Promise((resolve) => {
    const req = httpGet({ host, port, path: '/', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ ok: res.statusCode === 200, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, body: err.message }));
  });
}

describe('node agent: the pod network', { timeout: 180_000 }, () => {
  let node: TestNode;
  let agent: NodeAgent | undefined;

  function kubectl(args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile('kubectl', ['--kubeconfig', node.api.kubeconfig, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  }

  const allRunning = (p: Pod) => p.status?.phase === 'Running' && !!p.status.containerStatuses?.length && p.status.containerStatuses.every((c) => c.state?.running);

  before(async () => {
    node = await startTestNode();
    // kubectl exec goes through the API server to the kubelet API.
    agent = await withKubeletApi(node);
    // Every pod the tests need, created at once: start-up runs in parallel.
    await Promise.all([
      node.createPod(
        busyboxPod(
          'web',
          { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80, hostPort: HOST_PORT, protocol: 'TCP' }] }] },
          { metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } } },
        ),
      ),
      node.createPod(busyboxPod('client', { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] })),
      node.createPod(
        busyboxPod('duo', {
          containers: [
            { name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] },
            {
              name: 'sidecar',
              image: 'busybox',
              command: ['sh', '-c', 'mkdir -p /www && echo hello from the sidecar > /www/index.html && exec httpd -f -p 8080 -h /www'],
              ports: [{ containerPort: 8080 }],
            },
          ],
        }),
      ),
      node.createPod(
        busyboxPod('clash', {
          containers: [
            { name: 'first', image: 'nginx', ports: [{ containerPort: 80 }] },
            // Waits until nginx answers on port 80, so the loser is known: the second container.
            { name: 'second', image: 'busybox', command: ['sh', '-c', 'until wget -qO /dev/null http://127.0.0.1; do sleep 0.1; done; exec httpd -f -p 80 -h /tmp'] },
          ],
        }),
      ),
    ]);
    await Promise.all(['web', 'client', 'duo'].map((n) => node.waitPod(n, allRunning, 60_000)));
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
    await agent?.stop({ keepContainerd: true }).catch(() => undefined);
    if (!node) return;
    const netns = await ourNetns();
    await node.teardown();
    const left = node.leftovers().filter((l) => !l.startsWith('netns ') || netns.has(l.slice('netns '.length)));
    // portmap's per-pod chains and the hostPort's DNAT rules go with the pods.
    const nat = execFileSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' });
    for (const l of nat.split('\n')) if (l.includes(String(HOST_PORT))) left.push(`iptables ${l}`);
    assert.ok(netns.size >= 4, `the sandboxes' network namespaces were known (${[...netns]}), so their removal is checked`);
    assert.deepEqual(left, []);
  });

  it('containers of one pod share localhost, both ways', async () => {
    const toNginx = await kubectl(['exec', 'duo', '-c', 'sidecar', '--', 'wget', '-qO-', 'http://127.0.0.1']);
    assert.equal(toNginx.code, 0, toNginx.stderr);
    assert.match(toNginx.stdout, WELCOME);
    const toSidecar = await kubectl(['exec', 'duo', '-c', 'nginx', '--', 'wget', '-qO-', 'http://localhost:8080/']);
    assert.equal(toSidecar.code, 0, toSidecar.stderr);
    assert.equal(toSidecar.stdout, 'hello from the sidecar\n');
    // One network namespace: the same interfaces and address in both.
    const ipOf = async (c: string) => (await kubectl(['exec', 'duo', '-c', c, '--', 'ip', '-4', '-o', 'addr', 'show', 'eth0'])).stdout.split(/\s+/)[3];
    const pod = await node.getPod('duo');
    assert.equal(await ipOf('nginx'), `${pod.status!.podIP}/24`);
    assert.equal(await ipOf('sidecar'), `${pod.status!.podIP}/24`);
  });

  it('two containers of one pod cannot listen on the same port: the second fails', async () => {
    const pod = await node.waitPod(
      'clash',
      (p) => {
        const second = p.status?.containerStatuses?.find((c) => c.name === 'second');
        return !!(second?.state?.terminated ?? second?.lastState?.terminated);
      },
      30_000,
    );
    const first = pod.status!.containerStatuses!.find((c) => c.name === 'first')!;
    const second = pod.status!.containerStatuses!.find((c) => c.name === 'second')!;
    assert.ok(first.state?.running, JSON.stringify(first));
    assert.equal(first.restartCount, 0);
    const ended = (second.state?.terminated ?? second.lastState?.terminated)!;
    assert.notEqual(ended.exitCode, 0, JSON.stringify(second));
    assert.equal(ended.reason, 'Error');
    assert.ok(
      node.logLines(pod, 'second').some((l) => /Address (already )?in use/.test(l)),
      `the log says why: ${node.logLines(pod, 'second')}`,
    );
    // The winner still serves.
    const ok = await kubectl(['exec', 'clash', '-c', 'first', '--', 'wget', '-qO-', 'http://127.0.0.1']);
    assert.match(ok.stdout, WELCOME);
  });

  it('pods reach each other by pod IP, and the host reaches pods', async () => {
    const web = await node.getPod('web');
    const client = await node.getPod('client');
    const ip = web.status!.podIP!;
    assert.notEqual(ip, client.status!.podIP);
    const viaPod = await kubectl(['exec', 'client', '--', 'timeout', '5', 'wget', '-qO-', `http://${ip}/`]);
    assert.equal(viaPod.code, 0, viaPod.stderr);
    assert.match(viaPod.stdout, WELCOME);
    // The reverse direction, to a port that is not published anywhere.
    const sidecarIP = (await node.getPod('duo')).status!.podIP!;
    const toSidecar = await kubectl(['exec', 'web', '--', 'timeout', '5', 'wget', '-qO-', `http://${sidecarIP}:8080/`]);
    assert.equal(toSidecar.stdout, 'hello from the sidecar\n', toSidecar.stderr);
    const fromHost = await fetchText(ip, 80);
    assert.ok(fromHost.ok, fromHost.body);
    assert.match(fromHost.body, WELCOME);
    // nginx's access log shows the client pod's address: pod-to-pod traffic is not masqueraded.
    const deadline = Date.now() + 5000;
    while (!node.logLines(web, 'nginx').some((l) => l.startsWith(`${client.status!.podIP} `)) && Date.now() < deadline) await sleep(100);
    assert.ok(node.logLines(web, 'nginx').some((l) => l.startsWith(`${client.status!.podIP} `)), node.logLines(web, 'nginx').join('\n'));
  });

  it('a hostPort answers on the node address (127.0.0.1) and from other pods', async () => {
    const web = await node.getPod('web');
    assert.equal(web.status!.hostIP, '127.0.0.1');
    const res = await fetchText(web.status!.hostIP!, HOST_PORT);
    assert.ok(res.ok, `GET http://127.0.0.1:${HOST_PORT}/: ${res.body}`);
    assert.match(res.body, WELCOME);
    // A pod reaches the hostPort at the node's bridge address (the pods' gateway).
    const gateway = node.podCIDR.replace(/0\/24$/, '1');
    const viaGateway = await kubectl(['exec', 'client', '--', 'timeout', '5', 'wget', '-qO-', `http://${gateway}:${HOST_PORT}/`]);
    assert.equal(viaGateway.code, 0, viaGateway.stderr);
    assert.match(viaGateway.stdout, WELCOME);
  });

  it("another node's teardown on this machine leaves the hostPort working", async () => {
    // Tests (and nodes) share the machine's iptables: portmap's CNI-HOSTPORT-SETMARK
    // and CNI-HOSTPORT-MASQ chains serve every node's hostPorts, so one
    // node's clean-up must not remove them while another node's pods use them.
    const other = mkdtempSync(join(tmpdir(), 'skiff-other-node-'));
    try {
      await killAll({ dataDir: other, bridge: `sko${node.bridge.slice(3)}` });
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    const res = await fetchText('127.0.0.1', HOST_PORT);
    assert.ok(res.ok, `GET http://127.0.0.1:${HOST_PORT}/ after another node's killAll: ${res.body}`);
  });

  it('status.podIP, podIPs and hostIP are set; kubectl get pods -o wide shows IP and NODE', async () => {
    const names = ['web', 'client', 'duo', 'clash'];
    const pods = await Promise.all(names.map((n) => node.getPod(n)));
    const prefix = node.podCIDR.replace(/0\/24$/, '');
    const ips = pods.map((p) => p.status!.podIP!);
    for (const p of pods) {
      assert.ok(p.status!.podIP!.startsWith(prefix), `${p.metadata!.name}: ${p.status!.podIP}`);
      assert.notEqual(p.status!.podIP, `${prefix}1`, 'the gateway is the bridge’s');
      assert.deepEqual(p.status!.podIPs, [{ ip: p.status!.podIP }]);
      assert.equal(p.status!.hostIP, '127.0.0.1');
      assert.deepEqual(p.status!.hostIPs, [{ ip: '127.0.0.1' }]);
    }
    assert.equal(new Set(ips).size, ips.length, `unique pod IPs: ${ips}`);
    const wide = await kubectl(['get', 'pods', '-o', 'wide']);
    assert.equal(wide.code, 0, wide.stderr);
    const [header, ...rows] = wide.stdout.trimEnd().split('\n');
    const cols = header!.split(/\s{2,}/);
    assert.deepEqual(cols, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    const at = (name: string) => header!.indexOf(name);
    for (const p of pods) {
      const row = rows.find((r) => r.startsWith(`${p.metadata!.name} `));
      assert.ok(row, `${p.metadata!.name} in\n${wide.stdout}`);
      assert.equal(row.slice(at('IP')).split(/\s+/)[0], p.status!.podIP);
      assert.equal(row.slice(at('NODE')).split(/\s+/)[0], node.nodeName);
      assert.equal(row.slice(at('NOMINATED NODE')).split(/\s+/)[0], '<none>');
    }
  });
});

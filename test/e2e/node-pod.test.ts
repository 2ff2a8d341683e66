// A real node: containerd + runc + CNI bridge under the agent, images from a
// local registry that mirrors docker.io, pods driven through the API.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Node } from 'kubernetes-types/core/v1.js';
import { resources } from '../../src/client/index.js';
import type { KObject } from '../../src/api/types.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNodeAgent } from '../../src/kubelet/index.js';
import { silentLogger } from '../../src/util/log.js';
import { busyboxPod, startTestNode, type TestNode } from './node-support.js';

describe('node agent: a pod runs on containerd', { timeout: 180_000 }, () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    if (!node) return;
    await node.teardown();
    assert.deepEqual(node.leftovers(), []);
  });

  it('registers the Node with real capacity, nodeInfo and a Ready condition', async () => {
    const deadline = Date.now() + 15_000;
    let n: Node;
    do {
      n = await node.client.resource<Node & KObject>(resources.nodes).get(node.nodeName);
      if (n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True') break;
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < deadline);
    assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.match(n.status!.nodeInfo!.containerRuntimeVersion, /^containerd:\/\/1\./);
    assert.ok(Number(n.status!.capacity!.cpu) >= 1);
    assert.match(String(n.status!.capacity!.memory), /^\d+Ki$/);
    assert.equal(n.status!.capacity!.pods, '110');
    assert.equal(n.spec?.podCIDR, node.podCIDR);
    assert.ok(n.status!.addresses!.some((a) => a.type === 'InternalIP'));
    const lease = await node.client.resource<KObject & { spec?: { holderIdentity?: string } }>(resources.leases, 'kube-node-lease').get(node.nodeName);
    assert.equal(lease.spec?.holderIdentity, node.nodeName);
  });

  it('runs a busybox pod: Running, pod IP from the node range, logs in CRI format, events', async () => {
    const created = await node.createPod(busyboxPod('hello', { containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo hello from skiff; sleep 3600'] }] }));
    const pod = await node.waitPod('hello', (p) => p.status?.phase === 'Running', 60_000);
    const cs = pod.status!.containerStatuses![0];
    assert.ok(cs.state?.running, JSON.stringify(cs));
    assert.equal(cs.ready, true);
    assert.equal(cs.restartCount, 0);
    assert.match(cs.containerID!, /^containerd:\/\/[0-9a-f]{64}$/);
    assert.match(cs.imageID, /@sha256:[0-9a-f]{64}$/);
    assert.equal(cs.image, 'busybox');
    const prefix = node.podCIDR.replace(/0\/24$/, '');
    assert.ok(pod.status!.podIP!.startsWith(prefix), pod.status!.podIP);
    assert.equal(pod.status!.podIPs![0].ip, pod.status!.podIP);
    assert.ok(pod.status!.hostIP);
    for (const t of ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled']) {
      assert.equal(pod.status!.conditions!.find((c) => c.type === t)?.status, 'True', t);
    }
    const deadline = Date.now() + 5000;
    while (!node.logLines(created, 'main').length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(node.logLines(created, 'main'), ['hello from skiff']);
    const reasons = (await node.events(pod)).map((e) => e.reason);
    for (const r of ['Pulling', 'Pulled', 'Created', 'Started']) assert.ok(reasons.includes(r), `${r} in ${reasons}`);
    const wide = await node.kubectl(['get', 'pod', 'hello', '-o', 'wide']);
    assert.match(wide, new RegExp(`hello\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${pod.status!.podIP!.replace(/\./g, '\\.')}\\s+${node.nodeName}`));
  });

  it('restarts containerd when it dies; pod containers keep running untouched', async () => {
    const pidFile = join(node.dataDir, 'agent', 'containerd', 'containerd.pid');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const before = await node.getPod('hello');
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const now = Number(readFileSync(pidFile, 'utf8'));
      if (now !== pid && (await node.agent.cri.version().then(() => true, () => false))) break;
      if (Date.now() > deadline) throw new Error('containerd was not restarted');
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const after = await node.getPod('hello');
    assert.equal(after.status!.phase, 'Running');
    assert.equal(after.status!.containerStatuses![0].restartCount, 0);
    assert.equal(after.status!.containerStatuses![0].containerID, before.status!.containerStatuses![0].containerID);
  });

  it('a restarted agent picks its pods back up without restarting containers', async () => {
    const before = await node.getPod('hello');
    await node.agent.stop({ keepContainerd: true });
    const agent2 = await startNodeAgent({
      client: node.client,
      dataDir: node.dataDir,
      nodeName: node.nodeName,
      log: silentLogger(),
      podCIDR: node.podCIDR,
      bridgeName: node.bridge,
      containerd: node.agent.containerd,
    });
    try {
      await agent2.ready;
      await new Promise((r) => setTimeout(r, 3000));
      const after = await node.getPod('hello');
      assert.equal(after.status!.phase, 'Running');
      assert.equal(after.status!.containerStatuses![0].restartCount, 0);
      assert.equal(after.status!.containerStatuses![0].containerID, before.status!.containerStatuses![0].containerID);
      // The new agent still drives pods: a new one starts.
      await node.createPod(busyboxPod('after-restart', { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] }));
      await node.waitPod('after-restart', (p) => p.status?.phase === 'Running', 30_000);
    } finally {
      await agent2.stop();
    }
  });
});

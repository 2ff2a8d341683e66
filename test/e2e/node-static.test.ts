// Static pods on a real node: manifests in <data-dir>/agent/pod-manifests
// (YAML, several documents per file) run without going through the API;
// each gets a mirror pod `<name>-<node>` annotated with the config hash and
// owned by the Node; deleting the mirror through the API brings it back
// without touching the containers; editing the file replaces the pod;
// removing it stops the pod and deletes the mirror; a failing static pod is
// restarted per its restartPolicy.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { LABEL_POD_NAME } from '../../src/kubelet/runtime-config.js';
import { startTestNode, type TestNode } from './node-support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cs = (p: Pod, name = 'c') => p.status?.containerStatuses?.find((c) => c.name === name);

describe('node agent: static pods', { timeout: 300_000 }, () => {
  let node: TestNode;
  let dir: string;
  before(async () => {
    node = await startTestNode();
    dir = join(node.dataDir, 'agent', 'pod-manifests');
    mkdirSync(dir, { recursive: true });
  });
  after(async () => {
    if (!node) return;
    await node.teardown();
    assert.deepEqual(node.leftovers().filter((l) => !l.startsWith('netns ')), []);
  });

  const manifest = (name: string, command: string, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  terminationGracePeriodSeconds: 1
${extra}  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", ${JSON.stringify(command)}]
`;

  /** Like node.waitPod, but the mirror may not exist yet (or for a moment, while it is replaced). */
  async function waitMirror(name: string, pred: (p: Pod) => boolean, timeoutMs: number): Promise<Pod> {
    const deadline = Date.now() + timeoutMs;
    let last: Pod | undefined;
    while (Date.now() < deadline) {
      last = await node.getPod(name).catch(() => undefined);
      if (last && pred(last)) return last;
      await sleep(200);
    }
    throw new Error(`mirror pod ${name} did not reach the expected state; last: ${JSON.stringify(last?.status)}`);
  }

  async function runningContainers(podName: string): Promise<number> {
    const list = await node.agent.cri.listContainers({ labelSelector: { [LABEL_POD_NAME]: podName } });
    return list.filter((c) => c.state === 'CONTAINER_RUNNING').length;
  }

  it('runs manifests from the directory and mirrors them into the API', async () => {
    writeFileSync(join(dir, 'web.yaml'), manifest('web', 'echo v1; sleep 3600') + '---\n' + manifest('crashy', 'sleep 1; exit 1'));
    writeFileSync(join(dir, '.hidden.yaml'), manifest('hidden', 'sleep 3600'));
    const name = `web-${node.nodeName}`;
    const p = await waitMirror(name, (p) => p.status?.phase === 'Running' && !!cs(p)?.state?.running, 60_000);
    const ann = p.metadata!.annotations!;
    assert.equal(ann['kubernetes.io/config.source'], 'file');
    assert.match(ann['kubernetes.io/config.mirror'], /^[0-9a-f]{32}$/);
    assert.equal(ann['kubernetes.io/config.hash'], ann['kubernetes.io/config.mirror']);
    assert.deepEqual(
      p.metadata!.ownerReferences!.map((o) => [o.kind, o.name, o.controller]),
      [['Node', node.nodeName, true]],
    );
    assert.equal(p.spec!.nodeName, node.nodeName);
    assert.equal(p.metadata!.labels!.app, 'web');
    assert.match(await node.kubectl(['get', 'pod', name]), new RegExp(`${name}\\s+1/1\\s+Running`));
    // The second document of the same file, restarted per restartPolicy Always.
    const crashy = await waitMirror(`crashy-${node.nodeName}`, (p) => (cs(p)?.restartCount ?? 0) >= 1, 60_000);
    assert.equal(cs(crashy)!.lastState?.terminated?.exitCode ?? cs(crashy)!.state?.terminated?.exitCode, 1);
    await assert.rejects(node.getPod(`hidden-${node.nodeName}`));
  });

  it('recreates a mirror pod deleted through the API, leaving the containers alone', async () => {
    const name = `web-${node.nodeName}`;
    const before = await node.getPod(name);
    const containerID = cs(before)!.containerID;
    await node.pods().delete(name);
    const again = await waitMirror(name, (p) => p.metadata!.uid !== before.metadata!.uid && !!cs(p)?.state?.running, 30_000);
    assert.equal(cs(again)!.containerID, containerID, 'same container');
    assert.equal(cs(again)!.restartCount, 0);
    assert.equal(again.metadata!.annotations!['kubernetes.io/config.mirror'], before.metadata!.annotations!['kubernetes.io/config.mirror']);
    await node.kubectl(['delete', 'pod', name, '--grace-period=0', '--force']).catch(() => '');
    const third = await waitMirror(name, (p) => p.metadata!.uid !== again.metadata!.uid && !!cs(p)?.state?.running, 30_000);
    assert.equal(cs(third)!.containerID, containerID);
  });

  it('replaces the pod when its manifest changes', async () => {
    const name = `web-${node.nodeName}`;
    const before = await node.getPod(name);
    writeFileSync(join(dir, 'web.yaml'), manifest('web', 'echo v2; sleep 3600') + '---\n' + manifest('crashy', 'sleep 1; exit 1'));
    const after = await waitMirror(
      name,
      (p) => p.metadata!.annotations!['kubernetes.io/config.mirror'] !== before.metadata!.annotations!['kubernetes.io/config.mirror'] && !!cs(p)?.state?.running,
      60_000,
    );
    assert.notEqual(cs(after)!.containerID, cs(before)!.containerID);
    assert.equal(await runningContainers(name), 1, 'the old container is stopped');
    const logs = await node.kubectl(['logs', name]).catch(() => undefined);
    if (logs !== undefined) assert.equal(logs.trim(), 'v2');
  });

  it('stops the pod and deletes the mirror when the manifest is removed', async () => {
    rmSync(join(dir, 'web.yaml'));
    await node.waitGone(`web-${node.nodeName}`, 30_000);
    await node.waitGone(`crashy-${node.nodeName}`, 30_000);
    const deadline = Date.now() + 15_000;
    while ((await runningContainers(`web-${node.nodeName}`)) > 0 && Date.now() < deadline) await sleep(300);
    assert.equal(await runningContainers(`web-${node.nodeName}`), 0);
    // Stays gone: nothing recreates a mirror without a manifest.
    await sleep(3000);
    await assert.rejects(node.getPod(`web-${node.nodeName}`));
  });
});

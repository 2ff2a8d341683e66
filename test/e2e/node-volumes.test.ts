// Pod volumes and environment on a real node: a configMap volume's update
// reaches the running container through the `..data` swap, secret volumes
// with items and modes, the downward API as env and as a volume (labels
// refreshed), env from config maps and secrets with envFrom prefixes and
// $(VAR) expansion, a memory emptyDir on tmpfs, hostPath type checks, a
// claim bound to a hostPath PersistentVolume, and the errors that keep a
// container waiting (CreateContainerConfigError, FailedMount).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../../src/client/index.js';
import type { KObject } from '../../src/api/types.js';
import { busyboxPod, startTestNode, type TestNode } from './node-support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cs = (p: Pod, name = 'c') => p.status?.containerStatuses?.find((c) => c.name === name);
const running = (p: Pod) => p.status?.phase === 'Running' && !!cs(p)?.state?.running;

async function execIn(node: TestNode, pod: Pod, cmd: string[], container = 'c'): Promise<{ out: string; code: number }> {
  const id = cs(pod, container)!.containerID!.replace('containerd://', '');
  const r = await node.agent.cri.execSync(id, cmd, 10);
  return { out: r.stdout.toString() + r.stderr.toString(), code: r.exitCode };
}

async function eventually(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await sleep(500);
  }
  assert.fail(`${what} did not happen within ${timeoutMs} ms`);
}

describe('node agent: volumes and environment', { timeout: 300_000 }, () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    if (!node) return;
    await node.teardown();
    assert.deepEqual(node.leftovers().filter((l) => !l.startsWith('netns ')), []);
  });

  const cms = () => node.client.resource<KObject & { data?: Record<string, string> }>(resources.configmaps, 'default');
  const secrets = () => node.client.resource<KObject & { data?: Record<string, string> }>(resources.secrets, 'default');

  it('a configMap volume follows updates of the ConfigMap; items, modes and secret volumes', async () => {
    // Every byte value, which is not UTF-8: binaryData in the config map, a binary value in the secret.
    const blob = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const md5 = createHash('md5').update(blob).digest('hex');
    await cms().create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: 'one', b: 'bee' }, binaryData: { 'blob.bin': blob.toString('base64') } } as never);
    await secrets().create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, data: { token: Buffer.from('s3cret').toString('base64'), 'key.bin': blob.toString('base64') } } as never);
    await node.createPod(
      busyboxPod('cmvol', {
        volumes: [
          { name: 'cfg', configMap: { name: 'cfg', defaultMode: 0o440 } },
          { name: 'items', configMap: { name: 'cfg', items: [{ key: 'b', path: 'sub/bee.txt', mode: 0o600 }] } },
          { name: 'sec', secret: { secretName: 'sec' } },
        ],
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: ['sleep', '3600'],
            volumeMounts: [
              { name: 'cfg', mountPath: '/cfg' },
              { name: 'items', mountPath: '/items' },
              { name: 'sec', mountPath: '/sec', readOnly: true },
            ],
          },
        ],
      }),
    );
    const p = await node.waitPod('cmvol', running, 30_000);
    assert.deepEqual(await execIn(node, p, ['cat', '/cfg/a']), { out: 'one', code: 0 });
    assert.equal((await execIn(node, p, ['stat', '-L', '-c', '%a', '/cfg/a'])).out.trim(), '440');
    assert.equal((await execIn(node, p, ['readlink', '/cfg/a'])).out.trim(), '..data/a');
    assert.deepEqual(await execIn(node, p, ['cat', '/items/sub/bee.txt']), { out: 'bee', code: 0 });
    assert.equal((await execIn(node, p, ['stat', '-L', '-c', '%a', '/items/sub/bee.txt'])).out.trim(), '600');
    assert.equal((await execIn(node, p, ['ls', '/items'])).out.trim(), 'sub', 'only the listed items');
    assert.deepEqual(await execIn(node, p, ['cat', '/sec/token']), { out: 's3cret', code: 0 });
    assert.equal((await execIn(node, p, ['md5sum', '/cfg/blob.bin'])).out.split(' ')[0], md5, 'binaryData is written byte for byte');
    assert.equal((await execIn(node, p, ['md5sum', '/sec/key.bin'])).out.split(' ')[0], md5, 'a binary secret value is written byte for byte');

    await cms().update({ ...(await cms().get('cfg')), data: { a: 'two', c: 'new' } });
    await eventually('the update to reach the container', async () => (await execIn(node, p, ['cat', '/cfg/a'])).out === 'two', 40_000);
    assert.deepEqual(await execIn(node, p, ['cat', '/cfg/c']), { out: 'new', code: 0 });
    assert.notEqual((await execIn(node, p, ['ls', '/cfg/b'])).code, 0, 'a removed key disappears');
  });

  it('env: configMapKeyRef, secretKeyRef, envFrom with prefix, fieldRef, resourceFieldRef and $(VAR) expansion', async () => {
    await cms().create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'envcm' }, data: { COLOR: 'blue', SIZE: 'L' } });
    await secrets().create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'envsec' }, data: { PASS: Buffer.from('pw').toString('base64') } } as never);
    const created = await node.createPod(
      busyboxPod(
        'envpod',
        {
          restartPolicy: 'Never',
          serviceAccountName: 'default',
          containers: [
            {
              name: 'c',
              image: 'busybox',
              command: ['sh', '-c'],
              args: ["echo 'arg=$(GREETING) esc=$$(GREETING) unknown=$(NOPE)'; env | sort"],
              resources: { limits: { memory: '64Mi', cpu: '250m' } },
              envFrom: [{ configMapRef: { name: 'envcm' }, prefix: 'CM_' }, { secretRef: { name: 'envsec' } }],
              env: [
                { name: 'GREETING', value: 'hello' },
                { name: 'COMBINED', value: '$(GREETING)-$(CM_COLOR)-$(LATER)' },
                { name: 'LATER', value: 'later' },
                { name: 'ONE_KEY', valueFrom: { configMapKeyRef: { name: 'envcm', key: 'SIZE' } } },
                { name: 'SECRET_PASS', valueFrom: { secretKeyRef: { name: 'envsec', key: 'PASS' } } },
                { name: 'OPTIONAL_MISSING', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
                { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
                { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'POD_IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } },
                { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
                { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
                { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
                { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
              ],
            },
          ],
        },
        { metadata: { name: 'envpod', namespace: 'default', labels: { app: 'web' } } },
      ),
    );
    const p = await node.waitPod('envpod', (p) => p.status?.phase === 'Succeeded', 30_000);
    const lines = node.logLines(created, 'c');
    const env = new Map(lines.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    assert.equal(lines[0], 'arg=hello esc=$(GREETING) unknown=$(NOPE)');
    const want: Record<string, string> = {
      CM_COLOR: 'blue',
      CM_SIZE: 'L',
      PASS: 'pw',
      GREETING: 'hello',
      COMBINED: 'hello-blue-$(LATER)',
      LATER: 'later',
      ONE_KEY: 'L',
      SECRET_PASS: 'pw',
      OPTIONAL_MISSING: '',
      POD_NAME: 'envpod',
      POD_NS: 'default',
      POD_UID: p.metadata!.uid!,
      APP: 'web',
      NODE: node.nodeName,
      SA: 'default',
      POD_IP: p.status!.podIP!,
      POD_IPS: p.status!.podIP!,
      HOST_IP: p.status!.hostIP!,
      MEM_MI: '64',
      CPU_M: '250',
      CPU: '1',
    };
    for (const [k, v] of Object.entries(want)) assert.equal(env.get(k), v, k);
  });

  it('a missing ConfigMap for env keeps the container waiting with CreateContainerConfigError', async () => {
    await node.createPod(
      busyboxPod('noconfig', { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k' } } }] }] }),
    );
    const p = await node.waitPod('noconfig', (p) => cs(p)?.state?.waiting?.reason === 'CreateContainerConfigError', 30_000);
    assert.equal(cs(p)!.state!.waiting!.message, 'configmap "absent" not found');
    assert.equal(p.status!.phase, 'Pending');
    // Creating it lets the container start.
    await cms().create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'absent' }, data: { k: 'v' } });
    await node.waitPod('noconfig', running, 30_000);
  });

  it('downward API volume: fields, resources, and labels/annotations refreshed', async () => {
    await node.createPod(
      busyboxPod(
        'downward',
        {
          volumes: [
            {
              name: 'info',
              downwardAPI: {
                items: [
                  { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                  { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
                  { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
                  { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
                ],
              },
            },
            { name: 'proj', projected: { sources: [{ downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } }, { serviceAccountToken: { path: 'token' } }] } },
          ],
          containers: [
            {
              name: 'c',
              image: 'busybox',
              command: ['sleep', '3600'],
              resources: { limits: { memory: '32Mi' } },
              volumeMounts: [
                { name: 'info', mountPath: '/info' },
                { name: 'proj', mountPath: '/proj' },
              ],
            },
          ],
        },
        { metadata: { name: 'downward', namespace: 'default', labels: { tier: 'a', app: 'x' }, annotations: { note: 'hi "there"' } } },
      ),
    );
    const p = await node.waitPod('downward', running, 30_000);
    assert.equal((await execIn(node, p, ['cat', '/info/labels'])).out, 'app="x"\ntier="a"');
    assert.match((await execIn(node, p, ['cat', '/info/annotations'])).out, /note="hi \\"there\\""/);
    assert.equal((await execIn(node, p, ['cat', '/info/name'])).out, 'downward');
    assert.equal((await execIn(node, p, ['cat', '/info/mem'])).out, '32');
    assert.equal((await execIn(node, p, ['cat', '/proj/ns'])).out, 'default');
    assert.notEqual((await execIn(node, p, ['ls', '/proj/token'])).code, 0, 'no token without TokenRequest');
    await node.pods().patch('downward', 'merge', { metadata: { labels: { tier: 'b' } } });
    await eventually('the new label in the file', async () => (await execIn(node, p, ['cat', '/info/labels'])).out === 'app="x"\ntier="b"', 20_000);
  });

  it('emptyDir medium Memory is a tmpfs; hostPath types are checked', async () => {
    const hostDir = join(node.dataDir, 'hp-existing');
    mkdirSync(hostDir, { recursive: true });
    writeFileSync(join(hostDir, 'f.txt'), 'from host');
    await node.createPod(
      busyboxPod('mem', {
        volumes: [
          { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
          { name: 'hp', hostPath: { path: hostDir, type: 'Directory' } },
          { name: 'hpfile', hostPath: { path: join(hostDir, 'f.txt'), type: 'File' } },
          { name: 'created', hostPath: { path: join(node.dataDir, 'hp-created'), type: 'DirectoryOrCreate' } },
        ],
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: ['sleep', '3600'],
            volumeMounts: [
              { name: 'mem', mountPath: '/mem' },
              { name: 'hp', mountPath: '/hp' },
              { name: 'hpfile', mountPath: '/f.txt' },
              { name: 'created', mountPath: '/created' },
            ],
          },
        ],
      }),
    );
    const p = await node.waitPod('mem', running, 30_000);
    assert.match((await execIn(node, p, ['grep', ' /mem ', '/proc/mounts'])).out, /^tmpfs \/mem tmpfs /);
    assert.equal((await execIn(node, p, ['cat', '/hp/f.txt'])).out, 'from host');
    assert.equal((await execIn(node, p, ['cat', '/f.txt'])).out, 'from host');
    assert.ok(existsSync(join(node.dataDir, 'hp-created')));

    const bad = await node.createPod(
      busyboxPod('badhost', {
        volumes: [{ name: 'hp', hostPath: { path: join(hostDir, 'f.txt'), type: 'Directory' } }],
        containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [{ name: 'hp', mountPath: '/hp' }] }],
      }),
    );
    const w = await node.waitPod('badhost', (p) => cs(p)?.state?.waiting?.reason === 'ContainerCreating', 30_000);
    assert.equal(w.status!.phase, 'Pending');
    await eventually('a FailedMount event', async () => (await node.events(bad)).some((e) => e.reason === 'FailedMount' && e.message.includes('is not a directory')), 10_000);
    // The memory emptyDir is unmounted when its pod goes.
    await node.pods().delete('mem', { gracePeriodSeconds: 1 });
    await node.waitGone('mem', 30_000);
    await eventually('the tmpfs to be unmounted', async () => readMounts().filter((m) => m.includes(p.metadata!.uid!)).length === 0, 10_000);
  });

  it('a claim bound to a hostPath PersistentVolume is mounted; an unbound one waits with FailedMount', async () => {
    const pvDir = join(node.dataDir, 'pv-data');
    mkdirSync(pvDir, { recursive: true });
    writeFileSync(join(pvDir, 'hello'), 'from pv');
    const pvs = node.client.resource<KObject>(resources.pvs);
    const pvcs = node.client.resource<KObject>(resources.pvcs, 'default');
    await pvs.create({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `pv-${node.nodeName}` }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: pvDir } } } as KObject);
    await pvcs.create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'bound' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: `pv-${node.nodeName}` } } as KObject);
    await pvcs.patch('bound', 'merge', { status: { phase: 'Bound' } }, { subresource: 'status' });
    await pvcs.create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'unbound' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } as KObject);
    const pod = (name: string, claim: string) =>
      busyboxPod(name, {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }],
        containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      });
    await node.createPod(pod('pvc-ok', 'bound'));
    const waiting = await node.createPod(pod('pvc-wait', 'unbound'));
    const p = await node.waitPod('pvc-ok', running, 30_000);
    assert.equal((await execIn(node, p, ['cat', '/data/hello'])).out, 'from pv');
    const w = await node.waitPod('pvc-wait', (p) => cs(p)?.state?.waiting?.reason === 'ContainerCreating', 30_000);
    assert.equal(w.status!.phase, 'Pending');
    await eventually('a FailedMount event', async () => (await node.events(waiting)).some((e) => e.reason === 'FailedMount' && e.message.includes('is not bound')), 10_000);
    await pvs.delete(`pv-${node.nodeName}`).catch(() => undefined);
  });
});

function readMounts(): string[] {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  } catch {
    return [];
  }
}

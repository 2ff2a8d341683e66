// Images on a real node: imagePullPolicy Always / IfNotPresent / Never, a
// missing image's ErrImagePull → ImagePullBackOff with back-off, a private
// registry (docker-registry with htpasswd auth) reached with
// imagePullSecrets, and `skiff images import` of an OCI archive for
// air-gapped machines.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { buildOciArchive } from '../../src/kubelet/images/index.js';
import { busyboxLayer } from '../images/build.js';
import { freePort, serveRegistry } from '../images/registry.js';
import { busyboxPod, startTestNode, type TestNode } from './node-support.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const here = fileURLToPath(import.meta.url);
const fromSource = here.endsWith('.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `skiff` entry point (from source under tsx, or the built copy under dist/). */
function skiff(args: string[]): Promise<Run> {
  const main = join(dirname(here), '..', '..', 'src', 'cli', fromSource ? 'main.ts' : 'main.js');
  const nodeArgs = fromSource ? ['--import', 'tsx', main, ...args] : [main, ...args];
  return new Promise((resolve) => {
    execFile(process.execPath, nodeArgs, { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** An htpasswd line docker-registry accepts: bcrypt, via the C library's crypt (perl is always there on Debian). */
async function htpasswdLine(user: string, password: string): Promise<string> {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = [...randomBytes(22)].map((b) => alphabet[b % 64]).join('');
  const { stdout } = await run('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', '--', password, `$2b$05$${salt}`]);
  assert.match(stdout, /^\$2b\$05\$.{53}$/, 'the C library hashes with bcrypt');
  return `${user}:${stdout}\n`;
}

interface AuthRegistry {
  host: string;
  user: string;
  password: string;
  stop(): Promise<void>;
}

/** A second docker-registry on 127.0.0.1 that wants a user and password (htpasswd), holding busybox as private/busybox:v1. */
async function startAuthRegistry(busyboxArchive: string): Promise<AuthRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-registry-auth-'));
  const host = `127.0.0.1:${await freePort()}`;
  const user = 'skiff';
  const password = randomBytes(9).toString('base64url');
  try {
    writeFileSync(join(dir, 'htpasswd'), await htpasswdLine(user, password));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      'auth:',
      '  htpasswd:',
      '    realm: skiff-test',
      `    path: ${join(dir, 'htpasswd')}`,
      'http:',
      `  addr: ${host}`,
      '',
    ].join('\n'),
  );
  const { stop } = serveRegistry(dir);
  try {
    const dest = `docker://${host}/private/busybox:v1`;
    // The registry takes a moment to listen; skopeo's push is the readiness probe.
    for (let i = 0; ; i++) {
      try {
        await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', '--dest-creds', `${user}:${password}`, `oci-archive:${busyboxArchive}`, dest]);
        break;
      } catch (err) {
        if (i >= 50) throw err;
        await sleep(100);
      }
    }
    // Without credentials the registry refuses: the auth is real.
    await assert.rejects(run('skopeo', ['inspect', '--tls-verify=false', '--no-creds', `${dest}`]), /unauthorized|authentication required|401/i);
    return { host, user, password, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const waiting = (name: string, reason: string) => (p: Pod) => p.status?.containerStatuses?.find((c) => c.name === name)?.state?.waiting?.reason === reason;
const running = (p: Pod) => p.status?.phase === 'Running' && !!p.status.containerStatuses?.every((c) => c.state?.running);

describe('node agent: images', { timeout: 180_000 }, () => {
  let node: TestNode;
  let work: string;
  let registry: AuthRegistry | undefined;
  let busyboxArchive: string;
  /** Waiting reasons of the missing-image pod, in the order seen (its clock runs while other tests do). */
  const missingReasons: string[] = [];
  let watching = true;
  let watcher: Promise<void> = Promise.resolve();

  type Ev = { reason: string; message: string; type: string; count?: number; firstTimestamp?: string; lastTimestamp?: string };
  const events = async (name: string) => (await node.events(await node.getPod(name))) as Ev[];
  async function eventsUntil(name: string, pred: (evs: Ev[]) => boolean, timeoutMs = 15_000): Promise<Ev[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const evs = await events(name);
      if (pred(evs)) return evs;
      if (Date.now() > deadline) throw new Error(`events of ${name}: ${JSON.stringify(evs.map((e) => [e.reason, e.message, e.count]))}`);
      await sleep(200);
    }
  }
  const pod = (name: string, image: string, imagePullPolicy?: string, extra: Partial<NonNullable<Pod['spec']>> = {}) =>
    node.createPod(busyboxPod(name, { ...extra, containers: [{ name: 'c', image, ...(imagePullPolicy ? { imagePullPolicy } : {}), command: ['sleep', '3600'] }] }));

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'skiff-images-'));
    node = await startTestNode();
    [busyboxArchive] = node.registry.writeArchives(work).filter((f) => f.includes('busybox'));
    registry = await startAuthRegistry(busyboxArchive!);
    // The missing image's back-off takes tens of seconds: start it first.
    await pod('missing', `${node.registry.host}/library/no-such-image:v1`);
    watcher = (async () => {
      while (watching) {
        const p = await node.getPod('missing').catch(() => undefined);
        const r = p?.status?.containerStatuses?.[0]?.state?.waiting?.reason;
        if (r && missingReasons.at(-1) !== r) missingReasons.push(r);
        await sleep(100);
      }
    })();
  });

  after(async () => {
    watching = false;
    await watcher;
    await registry?.stop();
    if (node) {
      const netns = new Set<string>();
      for (const sb of await node.agent.cri.listPodSandbox().catch(() => [])) {
        const st = await node.agent.cri.podSandboxStatus(sb.id, true).catch(() => undefined);
        for (const m of JSON.stringify(st?.info ?? {}).matchAll(/\/var\/run\/netns\/([\w-]+)/g)) netns.add(m[1]!);
      }
      await node.teardown();
      // Other suites may run pods on this machine: only this node's netns count.
      assert.deepEqual(
        node.leftovers().filter((l) => !l.startsWith('netns ') || netns.has(l.slice('netns '.length))),
        [],
      );
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('IfNotPresent pulls an absent image once; the next pod finds it present', async () => {
    await pod('ifnp-1', 'busybox:latest', 'IfNotPresent');
    const first = await node.waitPod('ifnp-1', running, 60_000);
    const evs = await eventsUntil('ifnp-1', (e) => e.some((x) => x.reason === 'Started'));
    assert.ok(evs.some((e) => e.reason === 'Pulling' && e.message === 'Pulling image "busybox:latest"'), JSON.stringify(evs));
    assert.ok(evs.some((e) => e.reason === 'Pulled' && /^Successfully pulled image "busybox:latest" in [\d.]+m?s \([\d.]+m?s including waiting\)$/.test(e.message)), JSON.stringify(evs));

    await pod('ifnp-2', 'busybox:latest', 'IfNotPresent');
    const second = await node.waitPod('ifnp-2', running, 30_000);
    const evs2 = await eventsUntil('ifnp-2', (e) => e.some((x) => x.reason === 'Started'));
    assert.ok(!evs2.some((e) => e.reason === 'Pulling'), JSON.stringify(evs2));
    assert.ok(evs2.some((e) => e.reason === 'Pulled' && e.message === 'Container image "busybox:latest" already present on machine'), JSON.stringify(evs2));
    assert.equal(second.status!.containerStatuses![0].imageID, first.status!.containerStatuses![0].imageID);
  });

  it('Always pulls even when the image is present (and is the default for :latest)', async () => {
    await pod('always', 'busybox:latest', 'Always');
    await pod('default-latest', 'busybox');
    for (const name of ['always', 'default-latest']) {
      const p = await node.waitPod(name, running, 30_000);
      const evs = await eventsUntil(name, (e) => e.some((x) => x.reason === 'Started'));
      assert.ok(evs.some((e) => e.reason === 'Pulling'), `${name}: ${JSON.stringify(evs)}`);
      assert.ok(evs.some((e) => e.reason === 'Pulled' && e.message.startsWith('Successfully pulled image')), `${name}: ${JSON.stringify(evs)}`);
      assert.equal(p.spec!.containers[0].imagePullPolicy, 'Always');
    }
  });

  it('Never runs a present image and reports ErrImageNeverPull for a missing one', async () => {
    await pod('never-present', 'busybox:latest', 'Never');
    await pod('never-missing', 'skiff-imported:v1', 'Never');
    await node.waitPod('never-present', running, 30_000);
    const evs = await eventsUntil('never-present', (e) => e.some((x) => x.reason === 'Started'));
    assert.ok(!evs.some((e) => e.reason === 'Pulling'), JSON.stringify(evs));
    const p = await node.waitPod('never-missing', waiting('c', 'ErrImageNeverPull'), 30_000);
    assert.equal(p.status!.phase, 'Pending');
    const w = p.status!.containerStatuses![0].state!.waiting!;
    assert.equal(w.message, 'Container image "skiff-imported:v1" is not present with pull policy of Never');
    const evs2 = await eventsUntil('never-missing', (e) => e.some((x) => x.reason === 'ErrImageNeverPull'));
    const ev = evs2.find((e) => e.reason === 'ErrImageNeverPull')!;
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, w.message);
    assert.ok(!evs2.some((e) => e.reason === 'Pulling'), JSON.stringify(evs2));
    const describe = await node.kubectl(['describe', 'pod', 'never-missing']);
    assert.match(describe, /Reason:\s+ErrImageNeverPull/);
  });

  it('skiff images import of an OCI archive, then a Never pod runs the image', async () => {
    const archive = join(work, 'skiff-imported.tar');
    const built = buildOciArchive({ ref: 'docker.io/library/skiff-imported:v1', layers: [busyboxLayer()], config: { Cmd: ['sh'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] } });
    writeFileSync(archive, built.archive);
    const imported = await skiff(['images', 'import', '--data-dir', node.dataDir, archive]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /^imported docker\.io\/library\/skiff-imported:v1$/m);
    const ls = await skiff(['images', 'ls', '--data-dir', node.dataDir]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/m);
    assert.match(ls.stdout, /^docker\.io\/library\/skiff-imported\s+v1\s+[0-9a-f]{13}\s+\d+$/m);

    await pod('imported', 'skiff-imported:v1', 'Never');
    const p = await node.waitPod('imported', running, 30_000);
    // An imported image has no registry digest: the runtime reports its id (the config's digest).
    assert.ok(
      [built.configDigest, `docker.io/library/skiff-imported@${built.manifestDigest}`].includes(p.status!.containerStatuses![0].imageID),
      p.status!.containerStatuses![0].imageID,
    );
    const evs = await eventsUntil('imported', (e) => e.some((x) => x.reason === 'Started'));
    assert.ok(evs.some((e) => e.reason === 'Pulled' && e.message === 'Container image "skiff-imported:v1" already present on machine'), JSON.stringify(evs));
  });

  it('a pod waiting on ErrImageNeverPull starts once the image is imported', async () => {
    // The kubelet re-syncs a pod whose start failed (after ~10 s), so the import above is enough.
    await node.waitPod('never-missing', running, 30_000);
  });

  it('a missing image: ErrImagePull, then ImagePullBackOff, retried after a back-off (events Pulling, Failed, BackOff)', async () => {
    const image = `${node.registry.host}/library/no-such-image:v1`;
    // Two pull attempts: the second comes only after the 10 s back-off.
    const evs = await eventsUntil('missing', (e) => (e.find((x) => x.reason === 'Pulling')?.count ?? 0) >= 2, 40_000);
    const pulling = evs.find((e) => e.reason === 'Pulling')!;
    assert.equal(pulling.message, `Pulling image "${image}"`);
    const spanMs = Date.parse(pulling.lastTimestamp!) - Date.parse(pulling.firstTimestamp!);
    assert.ok(spanMs >= 9_000, `second pull ${spanMs} ms after the first: not backed off`);
    const failed = evs.filter((e) => e.reason === 'Failed' && e.type === 'Warning').map((e) => e.message);
    assert.ok(failed.some((m) => m.startsWith(`Failed to pull image "${image}": `) && /not found/i.test(m)), JSON.stringify(failed));
    assert.ok(failed.includes('Error: ErrImagePull'), JSON.stringify(failed));
    assert.ok(failed.includes('Error: ImagePullBackOff'), JSON.stringify(failed));
    const backoff = evs.find((e) => e.reason === 'BackOff');
    assert.equal(backoff?.message, `Back-off pulling image "${image}"`);
    assert.equal(backoff?.type, 'Normal');
    assert.deepEqual(missingReasons.slice(0, 2), ['ErrImagePull', 'ImagePullBackOff'], `waiting reasons seen: ${missingReasons}`);
    const p = await node.getPod('missing');
    assert.equal(p.status!.phase, 'Pending');
    const cs: ContainerStatus = p.status!.containerStatuses![0];
    assert.equal(cs.ready, false);
    assert.equal(cs.restartCount, 0);
    // kubectl shows the reason as the pod's status.
    const row = (await node.kubectl(['get', 'pod', 'missing', '--no-headers'])).split(/\s+/);
    assert.ok(['ErrImagePull', 'ImagePullBackOff'].includes(row[2]!), row.join(' '));
  });

  it('a private registry: refused without credentials, pulled with an imagePullSecret (kubernetes.io/dockerconfigjson)', async () => {
    const image = `${registry!.host}/private/busybox:v1`;
    await pod('private-nocreds', image);
    const refusal = (await eventsUntil('private-nocreds', (e) => e.some((x) => x.reason === 'Failed' && x.message.startsWith('Failed to pull image')), 30_000)).find(
      (e) => e.message.startsWith('Failed to pull image'),
    )!;
    assert.match(refusal.message, /401 Unauthorized|unauthorized|authorization failed/i);
    await node.waitPod('private-nocreds', (p) => ['ErrImagePull', 'ImagePullBackOff'].includes(p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? ''), 10_000);

    await node.kubectl([
      'create', 'secret', 'docker-registry', 'regcred',
      `--docker-server=${registry!.host}`, `--docker-username=${registry!.user}`, `--docker-password=${registry!.password}`,
    ]);
    const secret = await node.kubectl(['get', 'secret', 'regcred', '-o', 'jsonpath={.type}']);
    assert.equal(secret, 'kubernetes.io/dockerconfigjson');
    await pod('private', image, undefined, { imagePullSecrets: [{ name: 'regcred' }] });
    const p = await node.waitPod('private', running, 30_000);
    assert.match(p.status!.containerStatuses![0].imageID, new RegExp(`^${registry!.host.replace(/\./g, '\\.')}/private/busybox@sha256:`));
    const evs = await eventsUntil('private', (e) => e.some((x) => x.reason === 'Started'));
    assert.ok(evs.some((e) => e.reason === 'Pulled' && e.message.startsWith(`Successfully pulled image "${image}"`)), JSON.stringify(evs));
  });
});

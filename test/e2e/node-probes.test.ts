// Probes and lifecycle hooks on a real node: a liveness failure restarts the
// container (Unhealthy + Killing events), readiness flips the pod's Ready
// condition both ways (httpGet by port name, tcpSocket), a startup probe
// gates liveness and readiness, postStart holds the container back from
// Running and a failing one kills it, preStop runs before TERM (checked
// with a marker file on a hostPath volume), and termination messages.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { busyboxPod, startTestNode, type TestNode } from './node-support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cond = (p: Pod, type: string) => p.status?.conditions?.find((c) => c.type === type)?.status;
const cs = (p: Pod, name = 'c') => p.status?.containerStatuses?.find((c) => c.name === name);

async function execIn(node: TestNode, pod: Pod, container: string, cmd: string[]): Promise<string> {
  const id = cs(pod, container)!.containerID!.replace('containerd://', '');
  const r = await node.agent.cri.execSync(id, cmd, 10);
  assert.equal(r.exitCode, 0, `${cmd.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

describe('node agent: probes and lifecycle hooks', { timeout: 300_000 }, () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    if (!node) return;
    await node.teardown();
    // Network namespaces are machine-wide and other suites may hold some: judge the rest.
    assert.deepEqual(node.leftovers().filter((l) => !l.startsWith('netns ')), []);
  });

  it('restarts a container whose liveness probe fails, with Unhealthy and Killing events', async () => {
    await node.createPod(
      busyboxPod('live', {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: ['sh', '-c', 'touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 3600'],
            livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
      }),
    );
    const p = await node.waitPod('live', (p) => (cs(p)?.restartCount ?? 0) >= 1 && !!cs(p)?.state?.running, 60_000);
    assert.equal(p.status!.phase, 'Running');
    assert.ok(cs(p)!.lastState?.terminated, 'the killed instance is the last state');
    const events = await node.events(p);
    assert.ok(
      events.some((e) => e.reason === 'Unhealthy' && e.type === 'Warning' && e.message.startsWith('Liveness probe failed: cat: can\'t open \'/tmp/healthy\'')),
      JSON.stringify(events.map((e) => [e.reason, e.message])),
    );
    assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'Container c failed liveness probe, will be restarted'));
  });

  it('flips Ready with an httpGet readiness probe by port name, both ways', async () => {
    const created = await node.createPod(
      busyboxPod('ready', {
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/ready && exec httpd -f -p 8080 -h /www'],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/ready', port: 'http', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      }),
    );
    let p = await node.waitPod('ready', (p) => cond(p, 'Ready') === 'True', 30_000);
    assert.equal(cs(p)!.ready, true);
    assert.equal(cs(p)!.started, true);
    await execIn(node, p, 'c', ['rm', '/www/ready']);
    p = await node.waitPod('ready', (p) => cond(p, 'Ready') === 'False', 15_000);
    assert.equal(cond(p, 'ContainersReady'), 'False');
    assert.equal(cs(p)!.ready, false);
    assert.ok(cs(p)!.state?.running, 'an unready container keeps running');
    assert.equal(cs(p)!.restartCount, 0);
    const events = await node.events(created);
    assert.ok(events.some((e) => e.reason === 'Unhealthy' && e.message === 'Readiness probe failed: HTTP probe failed with statuscode: 404'), JSON.stringify(events.map((e) => e.message)));
    await execIn(node, p, 'c', ['sh', '-c', 'echo ok > /www/ready']);
    p = await node.waitPod('ready', (p) => cond(p, 'Ready') === 'True', 15_000);
    assert.match(await node.kubectl(['get', 'pod', 'ready']), /ready\s+1\/1\s+Running/);
  });

  it('tcpSocket readiness: an open port is ready, a closed one is not and keeps the pod unready', async () => {
    const created = await node.createPod(
      busyboxPod('tcp', {
        containers: [
          { name: 'open', image: 'busybox', command: ['httpd', '-f', '-p', '9000'], readinessProbe: { tcpSocket: { port: 9000 }, periodSeconds: 1 } },
          { name: 'closed', image: 'busybox', command: ['sleep', '3600'], readinessProbe: { tcpSocket: { port: 9001 }, periodSeconds: 1 } },
        ],
      }),
    );
    const p = await node.waitPod('tcp', (p) => cs(p, 'open')?.ready === true, 30_000);
    assert.equal(cs(p, 'closed')!.ready, false);
    assert.equal(cond(p, 'Ready'), 'False');
    const events = await node.events(created);
    assert.ok(
      events.some((e) => e.reason === 'Unhealthy' && /^Readiness probe failed: dial tcp 10\.42\.\d+\.\d+:9001: connect: connection refused$/.test(e.message)),
      JSON.stringify(events.map((e) => e.message)),
    );
  });

  it('a startup probe holds liveness and readiness back until it succeeds', async () => {
    await node.createPod(
      busyboxPod('startup', {
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: ['sh', '-c', 'sleep 4; touch /tmp/started; sleep 3600'],
            startupProbe: { exec: { command: ['test', '-f', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 30 },
            // Would fail (and kill) at once if it ran before startup succeeded.
            livenessProbe: { exec: { command: ['test', '-f', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 1 },
            readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
          },
        ],
      }),
    );
    const early = await node.waitPod('startup', (p) => !!cs(p)?.state?.running, 30_000);
    assert.equal(cs(early)!.started, false);
    assert.equal(cs(early)!.ready, false);
    const p = await node.waitPod('startup', (p) => cs(p)?.ready === true, 30_000);
    assert.equal(cs(p)!.started, true);
    assert.equal(cs(p)!.restartCount, 0, 'liveness did not run before startup succeeded');
    assert.equal(cond(p, 'Ready'), 'True');
  });

  it('postStart completes before Running; preStop runs before TERM', async () => {
    const dir = join(node.dataDir, 'hooks-marker');
    const created = await node.createPod(
      busyboxPod('hooks', {
        terminationGracePeriodSeconds: 10,
        volumes: [{ name: 'm', hostPath: { path: dir, type: 'DirectoryOrCreate' } }],
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: ['sh', '-c', 'trap "echo term >> /m/order; exit 0" TERM; echo main >> /m/order; sleep 3600 & wait'],
            volumeMounts: [{ name: 'm', mountPath: '/m' }],
            lifecycle: {
              postStart: { exec: { command: ['sh', '-c', 'sleep 3; echo poststart >> /m/order'] } },
              preStop: { exec: { command: ['sh', '-c', 'echo prestop >> /m/order; sleep 1'] } },
            },
          },
        ],
      }),
    );
    // While postStart runs the container is not reported Running.
    await node.waitPod('hooks', () => readFileSafe(join(dir, 'order')).includes('main'), 30_000);
    const during = await node.getPod('hooks');
    assert.equal(cs(during)?.state?.running, undefined, 'Running before postStart completed');
    const p = await node.waitPod('hooks', (p) => !!cs(p)?.state?.running, 30_000);
    assert.ok(readFileSafe(join(dir, 'order')).includes('poststart'), 'postStart had finished when the container showed Running');
    assert.ok(p.status!.phase === 'Running');
    await node.pods().delete('hooks');
    await node.waitGone('hooks', 30_000);
    const lines = readFileSafe(join(dir, 'order')).split('\n').filter(Boolean);
    assert.deepEqual(lines.slice(-2), ['prestop', 'term'], lines.join(','));
    const events = await node.events(created);
    assert.ok(!events.some((e) => e.reason === 'FailedPreStopHook' || e.reason === 'FailedPostStartHook'));
  });

  it('a failing postStart kills the container with FailedPostStartHook', async () => {
    const created = await node.createPod(
      busyboxPod('badhook', {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo nope; exit 1'] } } } }],
      }),
    );
    const p = await node.waitPod('badhook', (p) => (cs(p)?.restartCount ?? 0) >= 1 || !!cs(p)?.lastState?.terminated || !!cs(p)?.state?.terminated, 60_000);
    assert.equal(cs(p)!.ready, false);
    const events = await node.events(created);
    const failed = events.find((e) => e.reason === 'FailedPostStartHook');
    assert.ok(failed, JSON.stringify(events.map((e) => e.reason)));
    assert.match(failed.message, /^Exec lifecycle hook \(\[sh -c echo nope; exit 1\]\) for Container "c" in Pod "badhook_default\(.*\)" failed - error: nope/);
    assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'FailedPostStartHook'));
  });

  it('reports the termination message, from the file or the log tail with FallbackToLogsOnError', async () => {
    await node.createPod(
      busyboxPod('msg-file', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'printf bye > /dev/termination-log; exit 3'] }] }),
    );
    await node.createPod(
      busyboxPod('msg-custom', {
        restartPolicy: 'Never',
        containers: [{ name: 'c', image: 'busybox', terminationMessagePath: '/tmp/why', command: ['sh', '-c', 'echo custom > /tmp/why'] }],
      }),
    );
    await node.createPod(
      busyboxPod('msg-logs', {
        restartPolicy: 'Never',
        containers: [{ name: 'c', image: 'busybox', terminationMessagePolicy: 'FallbackToLogsOnError', command: ['sh', '-c', 'echo first; echo oops; exit 4'] }],
      }),
    );
    const a = await node.waitPod('msg-file', (p) => p.status?.phase === 'Failed', 30_000);
    assert.equal(cs(a)!.state!.terminated!.message, 'bye');
    assert.equal(cs(a)!.state!.terminated!.exitCode, 3);
    const b = await node.waitPod('msg-custom', (p) => p.status?.phase === 'Succeeded', 30_000);
    assert.equal(cs(b)!.state!.terminated!.message, 'custom\n');
    const c = await node.waitPod('msg-logs', (p) => p.status?.phase === 'Failed', 30_000);
    assert.equal(cs(c)!.state!.terminated!.message, 'first\noops\n');
  });
});

function readFileSafe(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { CriClient } from '../../cri/index.js';
import { ProbeManager } from './manager.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A runtime whose exec probes answer from `health` (command[0] → exit code). */
function fakeCri(health: Record<string, number>): CriClient {
  return {
    execSync: async (_id: string, cmd: string[]) => ({ stdout: Buffer.from(''), stderr: Buffer.from(`${cmd[0]} said ${health[cmd[0]]}`), exitCode: health[cmd[0]] ?? 1 }),
  } as unknown as CriClient;
}

function podWith(c: Container): Pod {
  return { metadata: { name: 'p', namespace: 'd', uid: 'u' }, spec: { containers: [c] } };
}

describe('probe manager', () => {
  it('applies failureThreshold and successThreshold, reports liveness failure once, and events each failure', async () => {
    const health: Record<string, number> = { live: 0, ready: 0 };
    const failures: string[] = [];
    const events: string[] = [];
    let changes = 0;
    const m = new ProbeManager({
      cri: fakeCri(health),
      event: (_p, ev) => events.push(`${ev.reason}: ${ev.message}`),
      onChange: () => changes++,
      onFailure: (_uid, name, id, type) => failures.push(`${type}/${name}/${id}`),
    });
    // periodSeconds is at least 1 s: the test runs on real time but only a few periods.
    const c: Container = {
      name: 'c',
      image: 'x',
      livenessProbe: { exec: { command: ['live'] }, periodSeconds: 1, failureThreshold: 2 },
      readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1, successThreshold: 2, failureThreshold: 1 },
    };
    const pod = podWith(c);
    m.sync(pod, [{ name: 'c', id: 'id1', startedAt: new Date() }], '10.0.0.1');
    await sleep(100);
    assert.equal(m.ready('u', c, 'id1'), false, 'one success is not enough with successThreshold 2');
    await sleep(1100);
    assert.equal(m.ready('u', c, 'id1'), true);
    health.ready = 1;
    health.live = 1;
    await sleep(1100);
    assert.equal(m.ready('u', c, 'id1'), false);
    assert.deepEqual(failures, [], 'one liveness failure is under the threshold');
    await sleep(1100);
    assert.deepEqual(failures, ['liveness/c/id1']);
    await sleep(1100);
    assert.deepEqual(failures, ['liveness/c/id1'], 'held until the instance is replaced');
    assert.ok(events.includes('Unhealthy: Liveness probe failed: live said 1'), events.join('\n'));
    assert.ok(events.includes('Unhealthy: Readiness probe failed: ready said 1'));
    assert.ok(changes >= 2);
    // A new instance starts over.
    m.sync(pod, [{ name: 'c', id: 'id2', startedAt: new Date() }], '10.0.0.1');
    assert.equal(m.ready('u', c, 'id2'), false);
    assert.equal(m.ready('u', c, 'id1'), false, 'verdicts belong to an instance');
    m.stop();
  });

  it('startup gates liveness and readiness; initialDelaySeconds waits', async () => {
    const health: Record<string, number> = { start: 1, live: 1, ready: 0 };
    const failures: string[] = [];
    const m = new ProbeManager({ cri: fakeCri(health), event: () => undefined, onChange: () => undefined, onFailure: (_u, _n, _i, t) => failures.push(t) });
    const c: Container = {
      name: 'c',
      image: 'x',
      startupProbe: { exec: { command: ['start'] }, periodSeconds: 1, failureThreshold: 10 },
      livenessProbe: { exec: { command: ['live'] }, periodSeconds: 1, failureThreshold: 1 },
      readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1, initialDelaySeconds: 2 },
    };
    m.sync(podWith(c), [{ name: 'c', id: 'i', startedAt: new Date() }], '10.0.0.1');
    await sleep(1200);
    assert.equal(m.started('u', c, 'i'), false);
    assert.equal(m.ready('u', c, 'i'), false);
    assert.deepEqual(failures, [], 'liveness has not run during startup');
    health.start = 0;
    health.live = 0;
    await sleep(1100);
    assert.equal(m.started('u', c, 'i'), true);
    await sleep(1200);
    assert.equal(m.ready('u', c, 'i'), true, 'readiness after startup and its initial delay');
    assert.deepEqual(failures, []);
    m.removePod('u');
    assert.equal(m.started('u', c, 'i'), false);
  });
});

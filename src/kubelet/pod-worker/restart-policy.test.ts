import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { computePodStatus, type PodRuntime, type RuntimeContainer, type Waiting } from '../pod-status.js';
import { nothingToRestart, planContainers, restartsAfter, type ContainerStep, type RestartPolicy } from './restart-policy.js';

const now = new Date('2025-01-01T00:00:00Z');

function pod(restartPolicy: RestartPolicy | undefined, names: string[], init: string[] = []): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: {
      ...(restartPolicy ? { restartPolicy } : {}),
      containers: names.map((name) => ({ name, image: 'busybox' })),
      ...(init.length ? { initContainers: init.map((name) => ({ name, image: 'busybox' })) } : {}),
    },
    status: { phase: 'Pending' },
  };
}

function c(name: string, state: RuntimeContainer['state'], exitCode = 0, attempt = 0): RuntimeContainer {
  return { id: `${name}-${attempt}`, sandboxId: 's', name, attempt, state, exitCode, reason: '', message: '', image: 'busybox', imageRef: '', createdAt: now, startedAt: now, finishedAt: state === 'exited' ? now : undefined };
}

const rt = (...containers: RuntimeContainer[]): PodRuntime => ({ sandboxes: [{ id: 's', attempt: 0, ready: true, ip: '10.42.0.5' }], containers });

/** Steps as short strings: `start a` / `start init i` / `settled a`. */
const show = (steps: ContainerStep[]) => steps.map((s) => (s.action === 'settled' ? `settled ${s.name}` : `start ${s.isInit ? 'init ' : ''}${s.container.name}`));

describe('restart policy transition table (one container exits)', () => {
  // [policy, exit code, restarts, phase after the sync]: a restarting container is held in
  // CrashLoopBackOff (back-off) or started again, and the pod stays Running either way.
  const table: [RestartPolicy, number, boolean, string][] = [
    ['Always', 0, true, 'Running'],
    ['Always', 1, true, 'Running'],
    ['OnFailure', 0, false, 'Succeeded'],
    ['OnFailure', 1, true, 'Running'],
    ['Never', 0, false, 'Succeeded'],
    ['Never', 1, false, 'Failed'],
  ];
  for (const [policy, exit, restarts, phase] of table) {
    it(`${policy}, exit ${exit}: ${restarts ? 'restart' : 'no restart'}, ${phase}`, () => {
      assert.equal(restartsAfter(policy, exit), restarts);
      const p = pod(policy, ['a']);
      const r = rt(c('a', 'exited', exit));
      assert.deepEqual(show(planContainers(p, r)), [restarts ? 'start a' : 'settled a']);
      assert.equal(nothingToRestart(p, r), !restarts);
      const waiting = new Map<string, Waiting>(restarts ? [['a', { reason: 'CrashLoopBackOff' }]] : []);
      assert.equal(computePodStatus(p, r, { waiting, now }).phase, phase);
    });
  }
});

describe('planContainers', () => {
  const cases: [string, Pod, RuntimeContainer[], string[]][] = [
    ['nothing ran yet: every app container starts', pod('Always', ['a', 'b']), [], ['start a', 'start b']],
    ['restartPolicy defaults to Always', pod(undefined, ['a']), [c('a', 'exited', 0)], ['start a']],
    ['running and created containers are settled', pod('Always', ['a', 'b']), [c('a', 'running'), c('b', 'created')], ['settled a', 'settled b']],
    ['only the latest attempt counts', pod('OnFailure', ['a']), [c('a', 'exited', 1, 0), c('a', 'exited', 0, 1)], ['settled a']],
    ['an unknown state is started again', pod('Never', ['a']), [c('a', 'unknown')], ['start a']],
    ['first init container first, app containers wait', pod('Always', ['a'], ['i1', 'i2']), [], ['start init i1']],
    ['init containers one at a time', pod('Always', ['a'], ['i1', 'i2']), [c('i1', 'exited', 0)], ['settled i1', 'start init i2']],
    ['a running init container holds the rest', pod('Always', ['a'], ['i1', 'i2']), [c('i1', 'running')], []],
    ['a created init container holds the rest', pod('Always', ['a'], ['i1']), [c('i1', 'created')], []],
    ['a failed init container is retried under Always', pod('Always', ['a'], ['i1']), [c('i1', 'exited', 1)], ['start init i1']],
    ['a failed init container is retried under OnFailure', pod('OnFailure', ['a'], ['i1']), [c('i1', 'exited', 1)], ['start init i1']],
    ['a failed init container fails the pod under Never', pod('Never', ['a'], ['i1', 'i2']), [c('i1', 'exited', 1)], []],
    ['all init containers done: app containers', pod('Never', ['a'], ['i1']), [c('i1', 'exited', 0), c('a', 'exited', 0)], ['settled i1', 'settled a']],
    [
      'each app container on its own (OnFailure)',
      pod('OnFailure', ['a', 'b', 'c']),
      [c('a', 'exited', 0), c('b', 'exited', 2), c('c', 'running')],
      ['settled a', 'start b', 'settled c'],
    ],
  ];
  for (const [desc, p, containers, want] of cases) it(desc, () => assert.deepEqual(show(planContainers(p, rt(...containers))), want));

  it('passes the latest instance to start from', () => {
    const [step] = planContainers(pod('Always', ['a']), rt(c('a', 'exited', 1, 0), c('a', 'exited', 1, 3)));
    assert.equal(step.action === 'start' && step.latest?.attempt, 3);
  });
});

describe('nothingToRestart', () => {
  const cases: [string, Pod, RuntimeContainer[], boolean][] = [
    ['Always never finishes', pod('Always', ['a']), [c('a', 'exited', 0)], false],
    ['Never: all exited, whatever the codes', pod('Never', ['a', 'b']), [c('a', 'exited', 0), c('b', 'exited', 1)], true],
    ['Never: one still running', pod('Never', ['a', 'b']), [c('a', 'exited', 0), c('b', 'running')], false],
    ['OnFailure: all succeeded', pod('OnFailure', ['a', 'b']), [c('a', 'exited', 0), c('b', 'exited', 0)], true],
    ['OnFailure: one failed (it restarts)', pod('OnFailure', ['a', 'b']), [c('a', 'exited', 0), c('b', 'exited', 1)], false],
    ['Never: a container never ran', pod('Never', ['a', 'b']), [c('a', 'exited', 0)], false],
  ];
  for (const [desc, p, containers, want] of cases) it(desc, () => assert.equal(nothingToRestart(p, rt(...containers)), want));
});

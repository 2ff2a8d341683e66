import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { computePodStatus, type PodRuntime, type RuntimeContainer, type Waiting } from './pod-status.js';

const now = new Date('2025-01-01T00:00:00Z');

function pod(restartPolicy: string, names: string[], init: string[] = []): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: {
      restartPolicy,
      containers: names.map((name) => ({ name, image: 'busybox' })),
      ...(init.length ? { initContainers: init.map((name) => ({ name, image: 'busybox' })) } : {}),
    },
    status: { phase: 'Pending' },
  };
}

function c(name: string, state: RuntimeContainer['state'], exitCode = 0, attempt = 0): RuntimeContainer {
  return {
    id: `${name}-${attempt}`,
    sandboxId: 's',
    name,
    attempt,
    state,
    exitCode,
    reason: '',
    message: '',
    image: 'busybox',
    imageRef: 'docker.io/library/busybox@sha256:abc',
    createdAt: now,
    startedAt: now,
    finishedAt: state === 'exited' ? now : undefined,
  };
}

const rt = (...containers: RuntimeContainer[]): PodRuntime => ({ sandboxes: [{ id: 's', attempt: 0, ready: true, ip: '10.42.0.5' }], containers });
const status = (p: Pod, r: PodRuntime, waiting: [string, Waiting][] = []) => computePodStatus(p, r, { waiting: new Map(waiting), now, hostIP: '192.0.2.2' });

describe('pod phase per the seeds transition table', () => {
  // [description, restartPolicy, runtime after the event, held-back containers, expected phase]
  const crash: Waiting = { reason: 'CrashLoopBackOff', message: 'back-off 10s' };
  const table: [string, string, string[], RuntimeContainer[], [string, Waiting][], string][] = [
    ['one container exits 0, Always (restarting)', 'Always', ['a'], [c('a', 'exited', 0)], [['a', crash]], 'Running'],
    ['one container exits 0, OnFailure', 'OnFailure', ['a'], [c('a', 'exited', 0)], [], 'Succeeded'],
    ['one container exits 0, Never', 'Never', ['a'], [c('a', 'exited', 0)], [], 'Succeeded'],
    ['one container fails, Always', 'Always', ['a'], [c('a', 'exited', 1)], [['a', crash]], 'Running'],
    ['one container fails, OnFailure', 'OnFailure', ['a'], [c('a', 'exited', 1)], [['a', crash]], 'Running'],
    ['one container fails, Never', 'Never', ['a'], [c('a', 'exited', 1)], [], 'Failed'],
    ['two containers, one fails, Always', 'Always', ['a', 'b'], [c('a', 'exited', 1), c('b', 'running')], [['a', crash]], 'Running'],
    ['two containers, one fails, OnFailure', 'OnFailure', ['a', 'b'], [c('a', 'exited', 1), c('b', 'running')], [['a', crash]], 'Running'],
    ['two containers, one fails, Never', 'Never', ['a', 'b'], [c('a', 'exited', 1), c('b', 'running')], [], 'Running'],
    ['two containers, OOM killed, Never (both done)', 'Never', ['a', 'b'], [{ ...c('a', 'exited', 137), reason: 'OOMKilled' }, c('b', 'exited', 0)], [], 'Failed'],
    ['two containers, OOM killed, OnFailure', 'OnFailure', ['a', 'b'], [{ ...c('a', 'exited', 137), reason: 'OOMKilled' }, c('b', 'running')], [['a', crash]], 'Running'],
    ['nothing started yet', 'Always', ['a'], [], [], 'Pending'],
    ['image pull failing', 'Always', ['a'], [], [['a', { reason: 'ErrImagePull' }]], 'Pending'],
  ];
  for (const [desc, policy, names, containers, waiting, phase] of table) {
    it(desc, () => assert.equal(status(pod(policy, names), rt(...containers), waiting).phase, phase));
  }
});

describe('container statuses', () => {
  it('running after a restart: restartCount and lastState from the previous attempt', () => {
    const s = status(pod('Always', ['a']), rt(c('a', 'exited', 2, 0), c('a', 'running', 0, 1)));
    const cs = s.containerStatuses![0];
    assert.equal(cs.restartCount, 1);
    assert.ok(cs.state?.running);
    assert.equal(cs.lastState?.terminated?.exitCode, 2);
    assert.equal(cs.lastState?.terminated?.reason, 'Error');
    assert.equal(cs.containerID, 'containerd://a-1');
    assert.equal(cs.imageID, 'docker.io/library/busybox@sha256:abc');
    assert.equal(cs.ready, true);
    assert.equal(s.podIP, '10.42.0.5');
    assert.equal(s.hostIP, '192.0.2.2');
  });

  it('crash loop: waiting CrashLoopBackOff with the exit in lastState', () => {
    const s = status(pod('Always', ['a']), rt(c('a', 'exited', 1, 3)), [['a', { reason: 'CrashLoopBackOff', message: 'back-off 40s' }]]);
    const cs = s.containerStatuses![0];
    assert.equal(cs.state?.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(cs.lastState?.terminated?.exitCode, 1);
    assert.equal(cs.restartCount, 3);
    assert.equal(cs.ready, false);
  });

  it('conditions follow readiness', () => {
    const ready = status(pod('Always', ['a']), rt(c('a', 'running')));
    const get = (s: ReturnType<typeof status>, t: string) => s.conditions!.find((x) => x.type === t)!;
    for (const t of ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled']) assert.equal(get(ready, t).status, 'True', t);
    const notReady = status(pod('Always', ['a', 'b']), rt(c('a', 'running')));
    assert.equal(get(notReady, 'Ready').status, 'False');
    assert.equal(get(notReady, 'Ready').message, 'containers with unready status: [b]');
    assert.equal(get(notReady, 'ContainersReady').reason, 'ContainersNotReady');
  });
});

describe('init containers', () => {
  it('pending while init containers run, app containers PodInitializing', () => {
    const s = status(pod('Always', ['app'], ['i1', 'i2']), rt(c('i1', 'exited', 0), c('i2', 'running')));
    assert.equal(s.phase, 'Pending');
    assert.equal(s.containerStatuses![0].state?.waiting?.reason, 'PodInitializing');
    const init = s.conditions!.find((x) => x.type === 'Initialized')!;
    assert.equal(init.status, 'False');
    assert.equal(init.message, 'containers with incomplete status: [i2]');
    assert.equal(s.initContainerStatuses![0].ready, true);
  });

  it('a failing init container fails the pod under Never, and is retried otherwise', () => {
    assert.equal(status(pod('Never', ['app'], ['i1']), rt(c('i1', 'exited', 1))).phase, 'Failed');
    const s = status(pod('Always', ['app'], ['i1']), rt(c('i1', 'exited', 1)), [['i1', { reason: 'CrashLoopBackOff' }]]);
    assert.equal(s.phase, 'Pending');
  });

  it('initialized once all init containers succeeded', () => {
    const s = status(pod('Always', ['app'], ['i1', 'i2']), rt(c('i1', 'exited', 0), c('i2', 'exited', 0), c('app', 'running')));
    assert.equal(s.phase, 'Running');
    assert.equal(s.conditions!.find((x) => x.type === 'Initialized')!.status, 'True');
  });
});

describe('terminal phases stick', () => {
  it('a Succeeded pod stays Succeeded', () => {
    const p: Pod = { ...pod('OnFailure', ['a']), status: { phase: 'Succeeded' } };
    assert.equal(status(p, rt()).phase, 'Succeeded');
  });
});

describe('probe verdicts in container status', () => {
  const spec = pod('Always', ['a']);
  const verdict = (ready: boolean | undefined, started: boolean | undefined) =>
    computePodStatus(spec, rt(c('a', 'running')), { waiting: new Map(), now, probes: { ready: () => ready, started: () => started } });
  // [readiness, startup, container ready, container started, pod Ready]
  const table: [boolean | undefined, boolean | undefined, boolean, boolean, string][] = [
    [undefined, undefined, true, true, 'True'],
    [false, undefined, false, true, 'False'],
    [true, undefined, true, true, 'True'],
    [undefined, false, false, false, 'False'],
    [true, false, false, false, 'False'],
    [true, true, true, true, 'True'],
  ];
  for (const [ready, started, wantReady, wantStarted, podReady] of table) {
    it(`readiness ${ready}, startup ${started}`, () => {
      const s = verdict(ready, started);
      assert.equal(s.containerStatuses![0].ready, wantReady);
      assert.equal(s.containerStatuses![0].started, wantStarted);
      assert.equal(s.conditions!.find((x) => x.type === 'Ready')!.status, podReady);
      assert.equal(s.conditions!.find((x) => x.type === 'ContainersReady')!.status, podReady);
    });
  }
});

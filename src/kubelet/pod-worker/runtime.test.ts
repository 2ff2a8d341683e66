import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerStatus } from '../../cri/index.js';
import type { PodRuntime, RuntimeContainer } from '../pod-status.js';
import { garbageInstances, runtimeContainerOf, scopeToSandbox } from './runtime.js';

function criStatus(over: Partial<ContainerStatus> = {}): ContainerStatus {
  return {
    id: 'c1',
    metadata: { name: 'app', attempt: 2 },
    state: 'CONTAINER_EXITED',
    createdAt: '1700000000000000000',
    startedAt: '1700000001000000000',
    finishedAt: '1700000002000000000',
    exitCode: 3,
    image: { image: 'docker.io/library/busybox:latest' },
    imageRef: 'docker.io/library/busybox@sha256:abc',
    reason: 'Error',
    message: '',
    labels: {},
    annotations: {},
    mounts: [],
    logPath: 'app/2.log',
    imageId: 'sha256:def',
    ...over,
  };
}

describe('runtimeContainerOf', () => {
  it('maps a CRI status to a runtime container', () => {
    assert.deepEqual(runtimeContainerOf(criStatus(), 'sb1'), {
      id: 'c1',
      sandboxId: 'sb1',
      name: 'app',
      attempt: 2,
      state: 'exited',
      createdAt: new Date(1700000000000),
      startedAt: new Date(1700000001000),
      finishedAt: new Date(1700000002000),
      exitCode: 3,
      reason: 'Error',
      message: '',
      image: 'docker.io/library/busybox:latest',
      imageRef: 'docker.io/library/busybox@sha256:abc',
    });
  });

  const states: [ContainerStatus['state'], RuntimeContainer['state']][] = [
    ['CONTAINER_RUNNING', 'running'],
    ['CONTAINER_EXITED', 'exited'],
    ['CONTAINER_CREATED', 'created'],
    ['CONTAINER_UNKNOWN', 'unknown'],
  ];
  for (const [cri, want] of states) it(`${cri} → ${want}`, () => assert.equal(runtimeContainerOf(criStatus({ state: cri }), 's').state, want));

  it('falls back: name from the label, imageID when there is no imageRef, zero times as undefined', () => {
    const r = runtimeContainerOf(
      criStatus({ metadata: undefined as unknown as ContainerStatus['metadata'], labels: { 'io.kubernetes.container.name': 'from-label' }, imageRef: '', image: null, startedAt: '0', finishedAt: '0' }),
      's',
    );
    assert.equal(r.name, 'from-label');
    assert.equal(r.attempt, 0);
    assert.equal(r.imageRef, 'sha256:def');
    assert.equal(r.image, '');
    assert.equal(r.startedAt, undefined);
    assert.equal(r.finishedAt, undefined);
  });
});

function inst(name: string, attempt: number, state: RuntimeContainer['state'], sandboxId = 's2'): RuntimeContainer {
  return { id: `${name}-${attempt}`, sandboxId, name, attempt, state, exitCode: 0, reason: '', message: '', image: 'busybox', imageRef: '' };
}

describe('scopeToSandbox', () => {
  const rt: PodRuntime = {
    sandboxes: [
      { id: 's1', attempt: 0, ready: false },
      { id: 's2', attempt: 1, ready: true },
    ],
    containers: [inst('a', 0, 'exited', 's1'), inst('a', 1, 'running', 's2')],
  };
  it("keeps every sandbox, only that sandbox's containers", () => {
    assert.deepEqual(scopeToSandbox(rt, 's2'), { sandboxes: rt.sandboxes, containers: [rt.containers[1]] });
  });
  it('takes the containers from a newer listing when given one', () => {
    const fresh: PodRuntime = { sandboxes: [], containers: [inst('a', 2, 'created', 's2'), inst('b', 0, 'running', 's1')] };
    assert.deepEqual(scopeToSandbox(rt, 's2', fresh), { sandboxes: rt.sandboxes, containers: [fresh.containers[0]] });
  });
});

describe('garbageInstances', () => {
  it('keeps the newest two instances of each container, removes older exited ones', () => {
    const rt: PodRuntime = {
      sandboxes: [],
      containers: [inst('a', 0, 'exited'), inst('a', 3, 'running'), inst('a', 1, 'exited'), inst('a', 2, 'exited'), inst('b', 0, 'exited'), inst('b', 1, 'exited')],
    };
    assert.deepEqual(
      garbageInstances(rt).map((c) => c.id),
      ['a-1', 'a-0'],
    );
  });
  it('never removes an instance that is not exited', () => {
    const rt: PodRuntime = { sandboxes: [], containers: [inst('a', 0, 'running'), inst('a', 1, 'exited'), inst('a', 2, 'exited')] };
    assert.deepEqual(garbageInstances(rt), []);
  });
});

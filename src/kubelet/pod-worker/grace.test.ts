import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { deletionGrace, graceAfterHook, probeKillGrace } from './grace.js';

const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}, deletionGracePeriodSeconds?: number): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u', ...(deletionGracePeriodSeconds !== undefined ? { deletionGracePeriodSeconds } : {}) },
  spec: { containers: [{ name: 'a', image: 'busybox' }], ...spec },
});

describe('deletionGrace', () => {
  // [description, pod, gone from the API, static, seconds]
  const cases: [string, Pod, boolean, boolean, number][] = [
    ['default 30 s', pod(), false, false, 30],
    ["the pod's terminationGracePeriodSeconds", pod({ terminationGracePeriodSeconds: 5 }), false, false, 5],
    ["the deletion's grace period wins", pod({ terminationGracePeriodSeconds: 5 }, 12), false, false, 12],
    ['grace 0 stays 0', pod({}, 0), false, false, 0],
    ['a negative value counts as 0', pod({ terminationGracePeriodSeconds: -3 }), false, false, 0],
    ['forced away: at most 1 s', pod({ terminationGracePeriodSeconds: 30 }), true, false, 1],
    ['forced away with grace 0: 0', pod({}, 0), true, false, 0],
    ['static pod whose file went away: full grace', pod({ terminationGracePeriodSeconds: 20 }), true, true, 20],
  ];
  for (const [desc, p, gone, isStatic, want] of cases) it(desc, () => assert.equal(deletionGrace(p, gone, isStatic), want));
});

describe('probeKillGrace', () => {
  const p = pod({
    terminationGracePeriodSeconds: 40,
    containers: [
      { name: 'a', image: 'busybox', livenessProbe: { exec: { command: ['true'] }, terminationGracePeriodSeconds: 3 } },
      { name: 'b', image: 'busybox', startupProbe: { exec: { command: ['true'] }, terminationGracePeriodSeconds: 7 }, livenessProbe: { exec: { command: ['true'] } } },
    ],
  });
  const cases: [string, 'liveness' | 'startup', number][] = [
    ['a', 'liveness', 3],
    ['a', 'startup', 40],
    ['b', 'startup', 7],
    ['b', 'liveness', 40],
    ['gone', 'liveness', 40],
  ];
  for (const [name, type, want] of cases) it(`${name} ${type}: ${want}`, () => assert.equal(probeKillGrace(p, name, type), want));
  it('falls back to 30 s', () => assert.equal(probeKillGrace(pod(), 'a', 'liveness'), 30));
});

describe('graceAfterHook', () => {
  const cases: [number, number, number][] = [
    [30, 0, 30],
    [30, 999, 30],
    [30, 1000, 29],
    [30, 10_500, 20],
    [30, 29_000, 2],
    [30, 60_000, 2],
    [1, 0, 2],
  ];
  for (const [grace, elapsed, want] of cases) it(`${grace} s after ${elapsed} ms: ${want}`, () => assert.equal(graceAfterHook(grace, elapsed), want));
});

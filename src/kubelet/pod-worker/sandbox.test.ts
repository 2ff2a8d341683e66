import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PodRuntime, RuntimeSandbox } from '../pod-status.js';
import { newestReadySandbox, nextSandboxAttempt, podLogDir } from './sandbox.js';

const sb = (id: string, attempt: number, ready: boolean): RuntimeSandbox => ({ id, attempt, ready });
const rt = (...sandboxes: RuntimeSandbox[]): PodRuntime => ({ sandboxes, containers: [] });

describe('sandbox choice', () => {
  // [description, sandboxes, newest ready, next attempt]
  const cases: [string, RuntimeSandbox[], string | undefined, number][] = [
    ['none yet', [], undefined, 0],
    ['one ready', [sb('a', 0, true)], 'a', 1],
    ['the newest ready one', [sb('a', 0, true), sb('b', 2, true), sb('c', 1, true)], 'b', 3],
    ['a newer but stopped one does not count', [sb('a', 0, true), sb('b', 1, false)], 'a', 2],
    ['all stopped', [sb('a', 4, false), sb('b', 1, false)], undefined, 5],
  ];
  for (const [desc, sandboxes, ready, next] of cases) {
    it(desc, () => {
      assert.equal(newestReadySandbox(rt(...sandboxes))?.id, ready);
      assert.equal(nextSandboxAttempt(rt(...sandboxes)), next);
    });
  }
});

it('podLogDir names the pod by namespace, name and uid under the agent dir', () => {
  assert.equal(podLogDir('/data', { metadata: { namespace: 'ns', name: 'web', uid: 'u-1' } }), '/data/agent/pod-logs/ns_web_u-1');
});

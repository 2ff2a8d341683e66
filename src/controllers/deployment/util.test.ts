import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxSurge, maxUnavailable, newRSNewReplicas, proportion, resolveFenceposts, setNewReplicaSetAnnotations, type DeploymentObj, type RS } from './util.js';

function dep(replicas: number, surge: number | string, unavailable: number | string): DeploymentObj {
  return { spec: { replicas, selector: {}, template: {}, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } } } as DeploymentObj;
}
function rs(replicas: number, annotations: Record<string, string> = {}, statusReplicas = replicas): RS {
  return { metadata: { name: `rs${replicas}`, annotations }, spec: { replicas, selector: {} }, status: { replicas: statusReplicas } } as RS;
}

describe('fenceposts', () => {
  const cases: [number | string, number | string, number, number, number][] = [
    // surge, unavailable, replicas → surge, unavailable
    ['25%', '25%', 100, 25, 25],
    ['25%', '25%', 10, 3, 2], // surge rounds up, unavailable down
    ['25%', '25%', 1, 1, 0],
    [0, '25%', 1, 0, 1], // both zero → unavailable 1
    [2, 1, 5, 2, 1],
    ['50%', '0%', 3, 2, 0],
  ];
  for (const [s, u, n, ws, wu] of cases) {
    it(`${s}/${u} of ${n} → ${ws}/${wu}`, () => {
      assert.deepEqual(resolveFenceposts(s, u, n), { surge: ws, unavailable: wu });
      assert.equal(maxSurge(dep(n, s, u)), ws);
      assert.equal(maxUnavailable(dep(n, s, u)), Math.min(wu, n));
    });
  }
});

describe('newRSNewReplicas', () => {
  it('grows the new set into the surge room only', () => {
    const d = dep(10, 3, 2);
    assert.equal(newRSNewReplicas(d, [rs(10), rs(0)], rs(0)), 3);
    assert.equal(newRSNewReplicas(d, [rs(8), rs(3)], rs(3)), 5);
    assert.equal(newRSNewReplicas(d, [rs(2), rs(10)], rs(10)), 10);
  });
  it('does not count room that old pods still occupy', () => {
    // The old set was scaled to 8 but still runs 10 pods.
    assert.equal(newRSNewReplicas(dep(10, 3, 2), [rs(8, {}, 10), rs(3)], rs(3)), 3);
  });
});

describe('proportion', () => {
  it('splits an increase by each share of the old size', () => {
    const d = dep(20, 3, 2);
    const big = rs(10, { 'deployment.kubernetes.io/max-replicas': '13' });
    // 10 of 13 → 10·23/13 ≈ 17.7 → 18, i.e. +8
    assert.equal(proportion(big, d, 10, 0), 8);
    assert.equal(proportion(big, d, 10, 9), 1, 'never more than what is left to add');
    assert.equal(proportion(rs(0), d, 10, 0), 0);
  });
});

describe('revision annotations', () => {
  it('raises the revision of a reused set and remembers the old one', () => {
    const d = { metadata: { annotations: { 'kubernetes.io/change-cause': 'undo', 'deployment.kubernetes.io/revision': '2' } }, spec: { replicas: 3 } } as unknown as DeploymentObj;
    const set = rs(0, { 'deployment.kubernetes.io/revision': '1' });
    assert.equal(setNewReplicaSetAnnotations(d, set, 3, true), true);
    assert.equal(set.metadata!.annotations!['deployment.kubernetes.io/revision'], '3');
    assert.equal(set.metadata!.annotations!['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(set.metadata!.annotations!['kubernetes.io/change-cause'], 'undo');
    const again = rs(0, { 'deployment.kubernetes.io/revision': '3', 'deployment.kubernetes.io/revision-history': '1' });
    setNewReplicaSetAnnotations(d, again, 5, true);
    assert.equal(again.metadata!.annotations!['deployment.kubernetes.io/revision-history'], '1,3');
  });
  it('stamps desired and max replicas on a set about to be created', () => {
    const d = dep(10, 3, 2);
    const set = rs(0);
    setNewReplicaSetAnnotations(d, set, 1, false);
    assert.equal(set.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], '10');
    assert.equal(set.metadata!.annotations!['deployment.kubernetes.io/max-replicas'], '13');
  });
});

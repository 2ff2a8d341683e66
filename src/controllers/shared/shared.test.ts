import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ControllerExpectations, expectationsTimeoutMs } from './expectations.js';
import { computePodTemplateHash, fnv32, fnv32a, safeEncodeString } from './hash.js';
import { podsToDelete } from './pod-util.js';
import { slowStartBatch } from './pod-control.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('hashes', () => {
  it('FNV-1 and FNV-1a match the reference vectors', () => {
    assert.equal(fnv32a(enc('')), 0x811c9dc5);
    assert.equal(fnv32a(enc('a')), 0xe40c292c);
    assert.equal(fnv32a(enc('foobar')), 0xbf9cf968);
    assert.equal(fnv32(enc('a')), 0x050c5d7e);
    assert.equal(fnv32(enc('foobar')), 0x31f0b262);
  });
  it('SafeEncodeString maps bytes onto consonants and digits', () => {
    assert.equal(safeEncodeString('123'), '567');
    assert.equal(safeEncodeString('0'), '4');
  });
  it('pod-template-hash ignores key order, changes with the template and the collision count', () => {
    const a = computePodTemplateHash({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    const b = computePodTemplateHash({ spec: { containers: [{ image: 'x', name: 'c' }] }, metadata: { labels: { app: 'web' } } });
    const c = computePodTemplateHash({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'y' }] } });
    const d = computePodTemplateHash({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } }, 1);
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.notEqual(a, d);
    assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
  });
});

describe('ControllerExpectations', () => {
  it('holds sync back until creations and deletions are observed, once per deleted key', () => {
    let now = 0;
    const e = new ControllerExpectations(() => now);
    assert.equal(e.satisfied('ns/rs'), true);
    e.expectCreations('ns/rs', 2);
    assert.equal(e.satisfied('ns/rs'), false);
    e.creationObserved('ns/rs');
    e.creationObserved('ns/rs');
    assert.equal(e.satisfied('ns/rs'), true);
    e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/a');
    assert.equal(e.satisfied('ns/rs'), false, 'the same deletion counts once');
    now = expectationsTimeoutMs + 1;
    assert.equal(e.satisfied('ns/rs'), true, 'expired');
  });
});

function pod(name: string, o: { node?: string; phase?: string; ready?: boolean; created?: string; readySince?: string; restarts?: number }): Pod {
  return {
    metadata: { name, creationTimestamp: o.created ?? '2024-01-01T00:00:00Z' },
    spec: { containers: [], nodeName: o.node },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: o.readySince ?? '2024-01-01T00:00:00Z' }],
      containerStatuses: [{ name: 'c', image: '', imageID: '', ready: !!o.ready, restartCount: o.restarts ?? 0 }],
    },
  };
}

describe('podsToDelete', () => {
  const cases: { name: string; pods: Pod[]; want: string }[] = [
    { name: 'unscheduled first', pods: [pod('a', { node: 'n', ready: true }), pod('b', { phase: 'Pending' })], want: 'b' },
    { name: 'pending before running', pods: [pod('a', { node: 'n', ready: true }), pod('b', { node: 'n', phase: 'Pending' })], want: 'b' },
    { name: 'not ready before ready', pods: [pod('a', { node: 'n', ready: true }), pod('b', { node: 'm' })], want: 'b' },
    { name: 'doubled-up node first', pods: [pod('a', { node: 'n', ready: true }), pod('b', { node: 'm', ready: true }), pod('c', { node: 'm', ready: true })], want: 'b' },
    { name: 'ready for less time first', pods: [pod('a', { node: 'n', ready: true, readySince: '2024-01-01T00:00:00Z' }), pod('b', { node: 'm', ready: true, readySince: '2024-01-02T00:00:00Z' })], want: 'b' },
    { name: 'more restarts first', pods: [pod('a', { node: 'n', ready: true }), pod('b', { node: 'm', ready: true, restarts: 3 })], want: 'b' },
    { name: 'newer first', pods: [pod('a', { node: 'n', ready: true }), pod('b', { node: 'm', ready: true, created: '2024-02-01T00:00:00Z' })], want: 'b' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(podsToDelete(c.pods, c.pods, 1)[0]!.metadata!.name, c.want);
    });
  }
});

describe('slowStartBatch', () => {
  it('runs 1, 2, 4, ... and stops after the first failing batch', async () => {
    let calls = 0;
    const r = await slowStartBatch(10, 1, async () => {
      calls++;
      if (calls > 3) throw new Error('quota');
    });
    // batches 1, 2 succeed (3 calls); batch of 4 has failures and is the last.
    assert.equal(calls, 7);
    assert.equal(r.successes, 3);
    assert.ok(r.error);
    let all = 0;
    assert.deepEqual(await slowStartBatch(10, 1, async () => void all++), { successes: 10 });
    assert.equal(all, 10);
  });
});

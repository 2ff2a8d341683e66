import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergePatch } from './merge-patch.js';

// The examples of RFC 7386 appendix A, plus Kubernetes-shaped ones.
const cases: Array<[unknown, unknown, unknown]> = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  [
    { metadata: { labels: { app: 'x', tier: 'web' } }, spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
    { metadata: { labels: { tier: null, env: 'prod' } }, spec: { containers: [{ name: 'c' }] } },
    { metadata: { labels: { app: 'x', env: 'prod' } }, spec: { containers: [{ name: 'c' }] } },
  ],
];

describe('mergePatch (RFC 7386)', () => {
  cases.forEach(([target, patch, want], i) => {
    it(`case ${i}: ${JSON.stringify(patch)}`, () => {
      const before = JSON.stringify(target);
      assert.deepEqual(mergePatch(target, patch), want);
      assert.equal(JSON.stringify(target), before, 'target must not change');
    });
  });
  it('does not share structure with the patch', () => {
    const patch = { a: { b: [1] } };
    const out = mergePatch({}, patch) as { a: { b: number[] } };
    out.a.b.push(2);
    assert.deepEqual(patch, { a: { b: [1] } });
  });
});

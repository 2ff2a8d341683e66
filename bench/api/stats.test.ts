import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fmt, percentile, percentileOf, summarize } from './stats.js';

describe('bench stats', () => {
  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    const cases: Array<[number, number]> = [
      [50, 50],
      [99, 99],
      [100, 100],
      [1, 1],
      [0, 1],
    ];
    for (const [p, want] of cases) assert.equal(percentile(xs, p), want, `p${p}`);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('takes percentiles of unsorted samples without reordering them', () => {
    const xs = [30, 2, 100, 10, 1];
    assert.equal(percentileOf(xs, 50), 10);
    assert.equal(percentileOf(xs, 99), 100);
    assert.deepEqual(xs, [30, 2, 100, 10, 1]);
    assert.ok(Number.isNaN(percentileOf([], 50)));
  });

  it('summarizes unsorted samples numerically (not as strings)', () => {
    const s = summarize([10, 9, 100, 2, 1]);
    assert.deepEqual(s, { count: 5, p50: 9, p99: 100, max: 100 });
  });

  it('formats figures', () => {
    assert.equal(fmt(1234.56), '1235');
    assert.equal(fmt(12.345), '12.3');
    assert.equal(fmt(1.2345), '1.23');
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completionIndexOf, firstPendingIndexes, formatIndexes, parseIndexes } from './indexes.js';
import { nextBackoffRecord, remainingBackoffMs } from './backoff.js';
import type { Pod } from 'kubernetes-types/core/v1.js';

test('completed indexes round-trip through the interval form', () => {
  const cases: [number[], string][] = [
    [[], ''],
    [[0], '0'],
    [[0, 1, 2], '0-2'],
    [[1, 3, 4, 5, 7], '1,3-5,7'],
    [[7, 1, 5, 3, 4], '1,3-5,7'],
  ];
  for (const [set, text] of cases) {
    assert.equal(formatIndexes(set), text);
    assert.deepEqual([...parseIndexes(text, 100)].sort((a, b) => a - b), [...new Set(set)].sort((a, b) => a - b));
  }
  assert.deepEqual([...parseIndexes('1,3-5,7', 5)], [1, 3, 4]);
  assert.deepEqual(firstPendingIndexes(new Set([0, 2]), new Set([1]), 2, 6), [3, 4]);
  assert.deepEqual(firstPendingIndexes(new Set([0, 1]), new Set([2]), 5, 3), []);
  assert.equal(completionIndexOf({ annotations: { 'batch.kubernetes.io/job-completion-index': '3' } }), 3);
  assert.equal(completionIndexOf({ labels: { 'batch.kubernetes.io/job-completion-index': '03' } }), undefined);
});

const failedAt = (iso: string): Pod => ({
  metadata: { creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { containers: [] },
  status: { phase: 'Failed', containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, finishedAt: iso } } }] },
});

test('pod-failure backoff doubles from 10 s up to 6 min, and a success resets it', () => {
  const t0 = Date.parse('2024-01-01T00:01:00Z');
  let rec = nextBackoffRecord({ failuresAfterLastSuccess: 0 }, [], [failedAt('2024-01-01T00:01:00Z')]);
  assert.deepEqual(rec, { failuresAfterLastSuccess: 1, lastFailureTime: t0 });
  assert.equal(remainingBackoffMs(rec, t0), 10_000);
  assert.equal(remainingBackoffMs(rec, t0 + 4_000), 6_000);
  assert.equal(remainingBackoffMs(rec, t0 + 11_000), 0);
  const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => remainingBackoffMs({ failuresAfterLastSuccess: n, lastFailureTime: t0 }, t0));
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 360_000, 360_000]);
  rec = nextBackoffRecord(rec, [failedAt('2024-01-01T00:02:00Z')], [failedAt('2024-01-01T00:01:30Z'), failedAt('2024-01-01T00:03:00Z')]);
  assert.deepEqual(rec, { failuresAfterLastSuccess: 1, lastFailureTime: Date.parse('2024-01-01T00:03:00Z') });
});

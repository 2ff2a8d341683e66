import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pullRetryDelayMs } from './start-container.js';

it('looks again after a failed pull when the status and back-off say', () => {
  // [reason, back-off left (ms), next look (ms)]
  const cases: [string, number, number][] = [
    ['ErrImagePull', 10_000, 2000],
    ['ErrImagePull', 500, 500],
    ['ImagePullBackOff', 10_000, 10_010],
    ['ImagePullBackOff', 0, 10],
    ['ErrImageNeverPull', 0, 10_000],
    ['InvalidImageName', 40_000, 10_000],
  ];
  for (const [reason, left, want] of cases) assert.equal(pullRetryDelayMs(reason, left), want, `${reason} with ${left} ms left`);
});

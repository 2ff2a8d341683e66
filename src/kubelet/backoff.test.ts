import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Backoff } from './backoff.js';

it('first retry is free, then 10 s doubling to 300 s, reset after 10 minutes idle', () => {
  let now = 1_000_000;
  const b = new Backoff(10_000, 300_000, () => now);
  assert.equal(b.remaining('k'), 0);
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    delays.push(b.next('k'));
    assert.equal(b.remaining('k'), delays[i]);
    now += delays[i];
    assert.equal(b.remaining('k'), 0);
  }
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  now += 600_001;
  assert.equal(b.remaining('k'), 0);
  assert.equal(b.next('k'), 10_000);
  b.resetPrefix('k');
  assert.equal(b.delay('k'), 0);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue } from './queue.js';
import { numFeasibleNodesToFind } from './framework/framework.js';
import { pod } from './testing/builders.js';

function clockedQueue() {
  let now = 1_000_000;
  const q = new SchedulingQueue({ now: () => now });
  return { q, advance: (ms: number) => (now += ms) };
}

test('backoff doubles from 1 s to at most 10 s', () => {
  const q = new SchedulingQueue();
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => q.backoffDuration(n)), [1000, 2000, 4000, 8000, 10000, 10000]);
});

test('active pods come out by priority, then age', () => {
  const { q, advance } = clockedQueue();
  q.add(pod('old'));
  advance(1);
  q.add(pod('new'));
  advance(1);
  q.add(pod('vip', { priority: 1000 }));
  assert.deepEqual([q.tryPop()?.key, q.tryPop()?.key, q.tryPop()?.key, q.tryPop()], ['default/vip', 'default/old', 'default/new', undefined]);
});

test('an unschedulable pod parks until a cluster event, then waits out its backoff', () => {
  const { q, advance } = clockedQueue();
  q.add(pod('p'));
  const first = q.tryPop()!;
  q.failed(first, true);
  assert.equal(q.stats().unschedulable, 1);
  q.flush();
  assert.equal(q.tryPop(), undefined);
  q.moveAllToActiveOrBackoff();
  assert.deepEqual(q.stats(), { active: 0, backoff: 1, unschedulable: 0, inFlight: 0 });
  advance(999);
  q.flush();
  assert.equal(q.tryPop(), undefined);
  advance(1);
  q.flush();
  const second = q.tryPop()!;
  assert.equal(second.key, 'default/p');
  assert.equal(second.attempts, 2);
  // Second failure: 2 s of backoff.
  q.failed(second, false);
  advance(1999);
  q.flush();
  assert.equal(q.tryPop(), undefined);
  advance(1);
  q.flush();
  assert.equal(q.tryPop()?.attempts, 3);
});

test('an event that arrives while a pod is being tried sends it to backoff, not to the parking lot', () => {
  const { q } = clockedQueue();
  q.add(pod('p'));
  const popped = q.tryPop()!;
  q.moveAllToActiveOrBackoff(); // e.g. a node was added during the cycle
  q.failed(popped, true);
  assert.deepEqual(q.stats(), { active: 0, backoff: 1, unschedulable: 0, inFlight: 0 });
});

test('an update to a parked pod retries it; deleting removes it everywhere', () => {
  const { q, advance } = clockedQueue();
  q.add(pod('p'));
  q.failed(q.tryPop()!, true);
  q.add(pod('p', { labels: { fixed: 'yes' } }));
  advance(1000);
  q.flush();
  const again = q.tryPop()!;
  assert.equal(again.pod.metadata?.labels?.['fixed'], 'yes');
  q.delete(again.key);
  assert.equal(q.has(again.key), false);
});

test('pop waits for the next pod and ends with undefined on close', async () => {
  const q = new SchedulingQueue();
  const waiting = q.pop();
  q.add(pod('late'));
  assert.equal((await waiting)?.key, 'default/late');
  const never = q.pop();
  q.close();
  assert.equal(await never, undefined);
});

test('nodes to find feasible: adaptive percentage like kube-scheduler', () => {
  assert.equal(numFeasibleNodesToFind(50), 50);
  assert.equal(numFeasibleNodesToFind(100), 100);
  assert.equal(numFeasibleNodesToFind(1000), 420);
  assert.equal(numFeasibleNodesToFind(5000), 500);
  assert.equal(numFeasibleNodesToFind(10000), 500);
  assert.equal(numFeasibleNodesToFind(5000, 100), 5000);
});

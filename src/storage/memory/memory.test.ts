import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runBackendConformance, record } from '../conformance.js';
import { WatchEnded } from '../backend.js';
import { openMemory } from './memory.js';

runBackendConformance('memory', async () => openMemory());

it('memory: a consumer that never yields past the buffer bound has its watch ended with WatchEnded', async () => {
  const b = openMemory({ maxBuffered: 10 });
  const rec = record(b, '/', 0);
  // All writes land before the hub gets a turn to deliver, so the buffer overflows.
  for (let i = 0; i < 20; i++) void b.create(`/o/${i}`, 'x');
  const err = await rec.waitEnd();
  assert.ok(err instanceof WatchEnded);
  assert.equal(rec.events.length, 0);
  await b.close();
});

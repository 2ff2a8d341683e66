import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { stopProcess } from './processes.js';

test('stopProcess ends a running process with SIGTERM and says so', async () => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const exited = once(child, 'exit');
  assert.equal(await stopProcess(child.pid!), true);
  const [code, signal] = await exited;
  assert.deepEqual([code, signal], [null, 'SIGTERM']);
});

test('stopProcess reports a pid that is not running', async () => {
  const child = spawn('true', { stdio: 'ignore' });
  await once(child, 'exit');
  assert.equal(await stopProcess(child.pid!), false);
});

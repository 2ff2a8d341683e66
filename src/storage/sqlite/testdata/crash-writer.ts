/**
 * Test helper for the kill -9 durability test: writes keys with several
 * concurrent writers and prints `<revision> <key>` for each acknowledged
 * write, until killed. Usage: crash-writer <db path> <key prefix> [wal checkpoint bytes]
 */
import { openSqlite } from '../sqlite.js';

const [path, prefix, checkpointBytes] = process.argv.slice(2);
const b = openSqlite(path, { compactIntervalMs: 0, ...(checkpointBytes ? { walCheckpointBytes: Number(checkpointBytes) } : {}) });
const value = JSON.stringify({ pad: 'x'.repeat(1500) });
let n = 0;

async function writer(id: number): Promise<never> {
  for (;;) {
    const key = `${prefix}${id}-${n++}`;
    const kv = await b.create(key, value);
    // Pipes are written synchronously on Linux: once the parent reads this line, it was acknowledged.
    process.stdout.write(`${kv.modRevision} ${key}\n`);
  }
}

await Promise.all(Array.from({ length: 8 }, (_, i) => writer(i)));

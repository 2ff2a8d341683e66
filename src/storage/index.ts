/**
 * The storage layer's public face: the Backend contract and the datastores
 * behind it, chosen by an endpoint URL (`--datastore`).
 */
import { isAbsolute } from 'node:path';
import type { Logger } from '../util/log.js';
import type { Backend } from './backend.js';
import { openMemory } from './memory/index.js';
import { openSqlite, type SqliteOptions } from './sqlite/index.js';

export * from './backend.js';
export { openMemory, MemoryBackend, type MemoryOptions } from './memory/index.js';
export { openSqlite, SqliteBackend, type SqliteOptions } from './sqlite/index.js';

/**
 * Opens the datastore an endpoint names:
 * - `sqlite:///abs/path/state.db` — the embedded store (directory and file created as needed);
 * - `memory://` — in memory, for tests; nothing survives the process;
 * - `etcd://host:port[,host:port...]` — not supported yet.
 */
export async function openBackend(endpoint: string, log?: Logger, opts: Omit<SqliteOptions, 'log'> = {}): Promise<Backend> {
  if (endpoint.startsWith('sqlite://')) {
    const path = decodeURIComponent(endpoint.slice('sqlite://'.length));
    if (!isAbsolute(path)) {
      throw new Error(`datastore endpoint ${JSON.stringify(endpoint)}: the path must be absolute, e.g. sqlite:///var/lib/skiff/db/state.db`);
    }
    return openSqlite(path, { ...opts, log: log?.child({ component: 'storage' }) });
  }
  if (endpoint === 'memory://' || endpoint === 'memory:') return openMemory(opts);
  if (endpoint.startsWith('etcd://') || endpoint.startsWith('etcds://')) throw new Error('etcd datastore is not supported yet');
  throw new Error(
    `unsupported datastore endpoint ${JSON.stringify(endpoint)}: use sqlite:///absolute/path/state.db, memory:// or etcd://host:port`,
  );
}

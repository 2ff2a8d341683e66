/**
 * A real API server in this process for component tests: the same HTTPS
 * server `skiff server` runs (no controllers, scheduler or agent), on a free
 * loopback port, with its own temporary data dir and an in-memory datastore
 * unless asked otherwise. Tests talk to it only through src/client, as the
 * components they test will in production.
 *
 *   const api = await startApiServer();
 *   after(() => api.stop());
 *   await api.client.resource(resources.pods, 'default').create(pod);
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/apiserver/index.js';
import { writeServerKubeconfigs } from '../../src/apiserver/auth/index.js';
import { clientFromKubeconfig } from '../../src/client/index.js';
import type { Client } from '../../src/client/index.js';

export interface TestApiServer {
  /** `https://127.0.0.1:PORT` */
  url: string;
  dataDir: string;
  /** Path of the admin kubeconfig (also usable by kubectl and client-node). */
  kubeconfig: string;
  /** An admin client, closed by stop(). */
  client: Client;
  /** Another admin client with its own connections and user agent, closed by stop(). */
  newClient(userAgent?: string): Client;
  /** Closes every client made here, the server, and removes the data dir. Idempotent. */
  stop(): Promise<void>;
}

export interface TestApiServerOptions {
  /** `memory://` (default), `sqlite` (a database in the data dir), or any datastore endpoint. */
  datastore?: string;
}

export async function startApiServer(opts: TestApiServerOptions = {}): Promise<TestApiServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-api-'));
  const datastore = opts.datastore ?? 'memory://';
  const endpoint = datastore === 'sqlite' ? `sqlite://${join(dataDir, 'db', 'state.db')}` : datastore;
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      dataDir,
      port: 0,
      bindAddress: '127.0.0.1',
      datastoreEndpoint: endpoint,
      disableAgent: true,
      disableScheduler: true,
      disableControllerManager: true,
      tlsSans: [],
      logLevel: 'silent',
    });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const [kubeconfig] = await writeServerKubeconfigs({ dataDir, bindAddress: '127.0.0.1' }, server.port);
  const clients: Client[] = [];
  const newClient = (userAgent = 'skiff-test/v0.1.0') => {
    const c = clientFromKubeconfig(kubeconfig!, userAgent);
    clients.push(c);
    return c;
  };
  const client = newClient();
  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    dataDir,
    kubeconfig: kubeconfig!,
    client,
    newClient,
    stop() {
      stopping ??= (async () => {
        for (const c of clients) c.close();
        await server.close();
        await rm(dataDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/**
 * The API server's public face: `startServer` opens the datastore, fills the
 * watch cache, makes sure the PKI and the built-in namespaces exist, and
 * serves the Kubernetes REST API over HTTPS until `close()`.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import type { ServerOptions, RunningServer } from '../cli/server-options.js';
import { resourceTypes } from '../api/kinds.js';
import { openBackend } from '../storage/index.js';
import { createLogger, type Logger } from '../util/log.js';
import { setupServerAuth } from './auth/index.js';
import { WatchCache } from './cache/watch-cache.js';
import { Discovery } from './discovery.js';
import { Store } from './registry/store.js';
import { schemaFieldTracker } from './registry/schema-fields.js';
import { createRequestHandler, createUpgradeHandler } from './server.js';
import { OpenAPIService } from './openapi-routes.js';
import { bootstrap } from './bootstrap.js';
import { createJoinService } from './join.js';
import { defaultAdmission } from './admission/index.js';

export type { ServerOptions, RunningServer };

export interface StartedApiServer extends RunningServer {
  port: number;
  log: Logger;
}

export async function startServer(opts: ServerOptions): Promise<StartedApiServer> {
  const log = createLogger(opts.logLevel);
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const auth = await setupServerAuth({ dataDir: opts.dataDir, tlsSans: opts.tlsSans, log });
  const backend = await openBackend(opts.datastoreEndpoint, log);
  const cache = new WatchCache(backend, log.child({ component: 'watch-cache' }));
  await cache.start();
  const fields = schemaFieldTracker();
  const store = new Store(backend, cache, fields, defaultAdmission(cache));

  const server: Server = createServer({ ...auth.tls, keepAlive: true, keepAliveInitialDelay: 30_000 });
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bindAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await listening;
  const port = (server.address() as AddressInfo).port;
  const host = opts.bindAddress.includes(':') ? `[${opts.bindAddress}]` : opts.bindAddress;
  const address = opts.bindAddress === '0.0.0.0' || opts.bindAddress === '::' ? '127.0.0.1' : opts.bindAddress;
  await bootstrap(store, resourceTypes, { address, port });
  const discovery = new Discovery(resourceTypes, `${opts.bindAddress}:${port}`);
  const routerDeps = {
    store,
    cache,
    backend,
    fields,
    resources: resourceTypes,
    log: log.child({ component: 'apiserver' }),
    authenticator: auth.authenticator,
    serverCA: auth.pki.serverCA.cert,
    discovery,
    openapi: new OpenAPIService(resourceTypes),
    kubelet: { ca: auth.pki.serverCA.cert, cert: auth.pki.kubeletClient.cert, key: auth.pki.kubeletClient.key },
    join: createJoinService({ serverCA: auth.pki.serverCA, clientCA: auth.pki.clientCA.cert, log: log.child({ component: 'join' }) }),
  };
  server.on('request', createRequestHandler(routerDeps));
  server.on('upgrade', createUpgradeHandler(routerDeps));
  // Watches are long-lived; a request timeout would cut them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  let closing: Promise<void> | undefined;
  return {
    url: `https://${host}:${port}`,
    port,
    log,
    close() {
      closing ??= (async () => {
        cache.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await backend.close();
      })();
      return closing;
    },
  };
}

/**
 * What `skiff server` runs, like `k3s server`: the API server, then — each
 * unless disabled — the controller manager (with node lifecycle), the
 * scheduler and a node agent. The components talk to the API server over
 * HTTPS with the same client an out-of-process component would use; they
 * share one set of informers to keep the watches few.
 */
import { hostname } from 'node:os';
import { startServer } from '../apiserver/index.js';
import { loadPki } from '../apiserver/auth/index.js';
import { createClient, SharedInformerFactory, type Client } from '../client/index.js';
import { startControllers } from '../controllers/index.js';
import { startNodeLifecycleController } from '../controllers/nodelifecycle/index.js';
import { startScheduler } from '../scheduler/index.js';
import type { ServerOptions, RunningServer } from './server-options.js';
import { writePidFile } from './pidfile.js';
import { subnetCIDR } from '../controllers/nodeipam/index.js';

interface Stoppable {
  stop(): void | Promise<void>;
}

export async function startCluster(opts: ServerOptions): Promise<RunningServer> {
  const api = await startServer(opts);
  const log = api.log;
  const removePidFile = writePidFile(opts.dataDir);
  const pki = await loadPki(opts.dataDir);
  // In-process components are trusted and bursty (a scheduler binds thousands of pods a
  // minute): a client-side rate limit would only slow them.
  const clientFor = (component: string): Client =>
    createClient({ server: api.url, ca: pki.serverCA.cert, cert: pki.admin.cert, key: pki.admin.key, userAgent: `${component}/v0.1.0`, qps: 5000, burst: 10000 });
  const stops: Stoppable[] = [];
  const clients: Client[] = [];
  try {
    if (!opts.disableControllerManager) {
      const client = clientFor('skiff-controller-manager');
      clients.push(client);
      const informers = new SharedInformerFactory(client, { log });
      stops.push(informers);
      stops.push(await startControllers({ client, informers, log: log.child({ component: 'controller-manager' }) }));
      const lifecycle = startNodeLifecycleController({ client, informers, log: log.child({ component: 'node-lifecycle' }) });
      stops.push(lifecycle);
      await lifecycle.ready;
    }
    if (!opts.disableScheduler) {
      const client = clientFor('skiff-scheduler');
      clients.push(client);
      const scheduler = startScheduler({ client, log });
      stops.push(scheduler);
      await scheduler.ready;
    }
    if (!opts.disableAgent) {
      const client = clientFor('skiff-kubelet');
      clients.push(client);
      // Loaded only when wanted: the agent pulls in the CRI/gRPC stack.
      const { startNodeAgent } = await import('../kubelet/index.js');
      // Without the controller manager nobody hands out pod CIDRs: take the first one.
      const podCIDR = opts.disableControllerManager ? subnetCIDR(0) : undefined;
      // The node's address is the one the API server listens on (loopback by default), so
      // everything a one-machine cluster dials stays on this machine.
      const nodeIP = opts.bindAddress === '0.0.0.0' || opts.bindAddress === '::' ? undefined : opts.bindAddress;
      const agent = await startNodeAgent({
        client,
        dataDir: opts.dataDir,
        nodeName: hostname().toLowerCase(),
        log,
        ...(podCIDR ? { podCIDR } : {}),
        ...(nodeIP ? { nodeIP } : {}),
        ...(opts.podManifestPath ? { podManifestPath: opts.podManifestPath } : {}),
      });
      stops.push(agent);
      await agent.ready;
    }
  } catch (err) {
    await stopAll(stops, clients);
    await api.close();
    removePidFile();
    throw err;
  }
  return {
    url: api.url,
    async close() {
      await stopAll(stops, clients);
      await api.close();
      removePidFile();
    },
  };
}

async function stopAll(stops: Stoppable[], clients: Client[]): Promise<void> {
  for (const s of stops.reverse()) {
    try {
      await s.stop();
    } catch {
      // Shutting down: keep stopping the rest.
    }
  }
  for (const c of clients) c.close();
}

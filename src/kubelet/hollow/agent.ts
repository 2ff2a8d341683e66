/**
 * `skiff agent --simulate N`: hollow nodes against a remote server, with the
 * same credentials a real agent would use (a kubeconfig, or server + token
 * + CA).
 */
import { readFileSync } from 'node:fs';
import { clientFromKubeconfig, createClient, type Client } from '../../client/index.js';
import type { Logger } from '../../util/log.js';
import { startHollowNodes, type HollowNodes, type HollowNodesOptions } from './nodes.js';

export interface HollowAgentOptions extends Omit<HollowNodesOptions, 'client'> {
  /** https://host:port; with `token`. */
  server?: string;
  token?: string;
  /** PEM CA bundle, or a path to one (default: trust the system store is NOT used; a CA is required with a token). */
  ca?: string;
  /** Alternatively, a kubeconfig path. */
  kubeconfig?: string;
  log: Logger;
}

export interface RunningHollowAgent extends HollowNodes {
  client: Client;
}

export async function runHollowAgent(opts: HollowAgentOptions): Promise<RunningHollowAgent> {
  let client: Client;
  if (opts.kubeconfig) client = clientFromKubeconfig(opts.kubeconfig, 'skiff-hollow-agent/v0.1.0');
  else {
    if (!opts.server || !opts.token) throw new Error('skiff agent --simulate: give --server and --token (and --ca), or --kubeconfig');
    if (!opts.ca) throw new Error('skiff agent --simulate: --ca FILE (the server CA, from <data-dir>/tls/server-ca.crt) is required with --token');
    const ca = opts.ca.includes('-----BEGIN') ? opts.ca : readFileSync(opts.ca, 'utf8');
    client = createClient({ server: opts.server, token: opts.token, ca, userAgent: 'skiff-hollow-agent/v0.1.0' });
  }
  const nodes = await startHollowNodes({ ...opts, client });
  opts.log.info({ nodes: nodes.names.length }, 'hollow nodes registered');
  return {
    ...nodes,
    client,
    async stop() {
      await nodes.stop();
      client.close();
    },
  };
}

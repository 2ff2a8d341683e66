/**
 * `skiff agent --server URL --token T`: a node agent joining a server, like
 * `k3s agent`. The server's CA is fetched from /cacerts and trusted only if
 * its SHA-256 matches the hash inside the join token (K10<hash>::...), so the
 * token is all a new node needs. A real node then fetches its kubelet API's
 * TLS material with the token (client CA, serving certificate; kept under
 * `<data-dir>/agent/tls/`), so the API server can relay logs, exec, attach
 * and port-forward to it. With `--simulate N` the agent registers N hollow
 * nodes whose pods run in memory (for scale tests and benchmarks).
 */
import { get } from 'node:https';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { caHash, parseJoinToken } from '../apiserver/auth/index.js';
import { createClient } from '../client/index.js';
import { createLogger } from '../util/log.js';
import { CliError, usageError, type CliIO } from './errors.js';
import { parseFlags, type FlagSpecs } from './flags.js';
import { resolveDataDir } from './data-dir.js';
import { parseLogLevel } from './server-options.js';
import { writePidFile } from './pidfile.js';

const FLAGS: FlagSpecs = {
  help: { type: 'boolean', short: 'h' },
  server: { type: 'string', short: 's' },
  token: { type: 'string', short: 't' },
  'data-dir': { type: 'string', short: 'd' },
  'node-name': { type: 'string' },
  'node-ip': { type: 'string' },
  'kubelet-port': { type: 'string' },
  simulate: { type: 'string' },
  'pod-manifest-path': { type: 'string' },
  'log-level': { type: 'string', short: 'v' },
};

export const AGENT_USAGE = `Usage: skiff agent --server URL --token TOKEN [flags]

Run a node agent that joins the server at URL (the token is \`skiff token\` on the server).

Flags:
  -s, --server URL         the API server, e.g. https://192.168.1.10:6443
  -t, --token TOKEN        the join token (K10<ca-hash>::server:<secret>)
  -d, --data-dir DIR       state directory (default /var/lib/skiff as root, else ~/.skiff)
      --node-name NAME     the Node's name (default: the hostname)
      --node-ip IP         the Node's InternalIP, where the server reaches its kubelet API
                           (default: 127.0.0.1 for a server on loopback, else the default route's address)
      --kubelet-port PORT  the kubelet API's port (default 10250)
      --simulate N         register N hollow nodes instead of running containers
      --pod-manifest-path DIR  static pods to run (default DIR/agent/pod-manifests)
  -v, --log-level LEVEL    trace, debug, info, warn (default), error
  -h, --help               show this help
`;

export interface AgentDeps {
  io: CliIO;
  env?: NodeJS.ProcessEnv;
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

/** Fetches the server CA without trusting it, then checks it against the token. */
export function fetchTrustedCA(server: string, token: string): Promise<string> {
  const parsed = parseJoinToken(token);
  if (!parsed) throw new CliError('--token is not a skiff join token (see `skiff token` on the server)');
  if (!parsed.caHash) throw new CliError('--token has no CA hash; use the full token printed by `skiff token`');
  return new Promise((resolve, reject) => {
    const req = get(new URL('/cacerts', server), { rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new CliError(`cannot get the CA from ${server}/cacerts: HTTP ${res.statusCode}`));
        if (caHash(body) !== parsed.caHash) return reject(new CliError(`the CA served by ${server} does not match the token's hash; refusing to join`));
        resolve(body);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(new CliError(`cannot reach ${server}: ${err.message}`)));
  });
}

/**
 * Where the API server will dial this node's kubelet API: `--node-ip`, or
 * for a server on loopback (same machine) loopback too, so nothing leaves
 * the machine, or the default route's address (what the agent reports anyway).
 */
export function pickNodeIP(flag: string | undefined, server: URL, primary: () => string): string {
  if (flag !== undefined) return flag;
  const host = server.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return '127.0.0.1';
  if ((isIP(host) === 4 && host.startsWith('127.')) || host === '::1') return host;
  return primary();
}

export async function agentCommand(argv: string[], deps: AgentDeps): Promise<number> {
  const { values } = parseFlags('agent', argv, FLAGS);
  if (values.help) {
    deps.io.stdout(AGENT_USAGE);
    return 0;
  }
  const server = values.server as string | undefined;
  const token = values.token as string | undefined;
  if (!server) throw usageError('agent', '--server is required');
  if (!token) throw usageError('agent', '--token is required');
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw usageError('agent', `invalid value ${JSON.stringify(server)} for --server: want https://HOST:PORT`);
  }
  if (url.protocol !== 'https:') throw usageError('agent', `invalid value ${JSON.stringify(server)} for --server: want https://HOST:PORT`);
  const simulateText = values.simulate as string | undefined;
  const simulate = simulateText === undefined ? 0 : Number(simulateText);
  if (simulateText !== undefined && (!Number.isInteger(simulate) || simulate < 1)) {
    throw usageError('agent', `invalid value ${JSON.stringify(simulateText)} for --simulate: want a whole number of nodes`);
  }
  const levelText = (values['log-level'] as string | undefined) ?? deps.env?.SKIFF_LOG_LEVEL ?? 'warn';
  const level = parseLogLevel(levelText);
  if (!level) throw usageError('agent', `invalid value ${JSON.stringify(levelText)} for --log-level`);
  const nodeIPText = values['node-ip'] as string | undefined;
  if (nodeIPText !== undefined && isIP(nodeIPText) === 0) {
    throw usageError('agent', `invalid value ${JSON.stringify(nodeIPText)} for --node-ip: want an IP address`);
  }
  const portText = values['kubelet-port'] as string | undefined;
  const kubeletPort = portText === undefined ? undefined : Number(portText);
  if (kubeletPort !== undefined && (!Number.isInteger(kubeletPort) || kubeletPort < 1 || kubeletPort > 65535)) {
    throw usageError('agent', `invalid value ${JSON.stringify(portText)} for --kubelet-port: want a port number (1-65535)`);
  }
  const log = createLogger(level);
  const ca = await fetchTrustedCA(url.origin, token);
  const nodeName = ((values['node-name'] as string | undefined) ?? hostname()).toLowerCase();

  let stop: () => Promise<void>;
  if (simulate) {
    const { runHollowAgent } = await import('../kubelet/hollow/index.js');
    const hollow = await runHollowAgent({ server: url.origin, token, ca, count: simulate, namePrefix: `${nodeName}-hollow-`, log });
    stop = async () => {
      await hollow.stop();
    };
    deps.io.stdout(`skiff agent: ${simulate} hollow nodes joined ${url.origin}\n`);
  } else {
    const { startNodeAgent } = await import('../kubelet/index.js');
    const { primaryAddress } = await import('../kubelet/node-status.js');
    const { joinedKubeletTLS } = await import('../kubelet/server/tls.js');
    const dataDir = resolveDataDir(values['data-dir'] as string | undefined, deps.env);
    const nodeIP = pickNodeIP(nodeIPText, url, primaryAddress);
    const client = createClient({ server: url.origin, ca, token, userAgent: 'skiff-kubelet/v0.1.0' });
    let tls;
    try {
      tls = await joinedKubeletTLS({ client, serverCA: ca, dataDir, nodeName, addresses: [nodeIP], log });
    } catch (err) {
      client.close();
      throw new CliError((err as Error).message);
    }
    const manifests = values['pod-manifest-path'] as string | undefined;
    const agent = await startNodeAgent({
      client,
      dataDir,
      nodeName,
      nodeIP,
      log,
      servingCert: { cert: tls.cert, key: tls.key },
      clientCA: tls.clientCA,
      ...(kubeletPort !== undefined ? { kubeletPort } : {}),
      ...(manifests ? { podManifestPath: resolvePath(manifests) } : {}),
    });
    const removePidFile = writePidFile(dataDir);
    await agent.ready;
    stop = async () => {
      await agent.stop();
      client.close();
      removePidFile();
    };
    deps.io.stdout(`skiff agent: node ${nodeName} joined ${url.origin}\n`);
  }
  const signals = deps.signals ?? process;
  const sig = await new Promise<string>((resolve) => {
    signals.on('SIGTERM', () => resolve('SIGTERM'));
    signals.on('SIGINT', () => resolve('SIGINT'));
  });
  deps.io.stderr(`skiff: ${sig} received, shutting down\n`);
  await stop();
  return 0;
}

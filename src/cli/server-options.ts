/**
 * `skiff server`'s options: the contract between the command line and
 * `startServer` (src/apiserver/index.ts). Everything is resolved here —
 * defaults applied, paths absolute, values checked — so the server never
 * has to second-guess its input.
 */
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { CliError, usageError } from './errors.js';
import { parseFlags, type FlagSpecs } from './flags.js';
import { resolveDataDir } from './data-dir.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface ServerOptions {
  /** Absolute. Holds tls/, db/, token, kubeconfig.yaml. */
  dataDir: string;
  /** HTTPS port of the API server; 0 picks a free one (tests). */
  port: number;
  /** IP address to listen on. */
  bindAddress: string;
  /** `sqlite:///abs/path.db`, `memory://`, or `etcd://h1:2379,h2:2379` (also http(s)://). */
  datastoreEndpoint: string;
  disableAgent: boolean;
  disableScheduler: boolean;
  disableControllerManager: boolean;
  /** Absolute path for an extra copy of the admin kubeconfig. */
  writeKubeconfig?: string;
  /** Extra names and addresses for the serving certificate. */
  tlsSans: string[];
  /** A pino level. */
  logLevel: LogLevel;
  /** Static pod manifests the node agent runs (default <data-dir>/agent/pod-manifests). */
  podManifestPath?: string;
}

/** What `startServer` hands back: where it listens and how to stop it. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 6443;
export const DEFAULT_BIND_ADDRESS = '127.0.0.1';
const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export const SERVER_FLAGS: FlagSpecs = {
  help: { type: 'boolean', short: 'h' },
  'data-dir': { type: 'string', short: 'd' },
  'https-listen-port': { type: 'string' },
  'bind-address': { type: 'string' },
  'datastore-endpoint': { type: 'string' },
  'disable-agent': { type: 'boolean' },
  'disable-scheduler': { type: 'boolean' },
  'disable-controller-manager': { type: 'boolean' },
  'write-kubeconfig': { type: 'string', short: 'o' },
  'tls-san': { type: 'string', multiple: true },
  'log-level': { type: 'string', short: 'v' },
  'pod-manifest-path': { type: 'string' },
};

export const SERVER_USAGE = `Usage: skiff server [flags]

Run the API server, controllers, scheduler and a node agent on this machine.

Flags:
  -d, --data-dir DIR               state directory (default /var/lib/skiff as root, else ~/.skiff;
                                   SKIFF_DATA_DIR overrides the default)
      --https-listen-port PORT     API server port (default ${DEFAULT_PORT})
      --bind-address IP            address to listen on (default ${DEFAULT_BIND_ADDRESS})
      --datastore-endpoint URL     sqlite://PATH (default sqlite://DIR/db/state.db), memory://,
                                   or etcd://HOST:PORT[,HOST:PORT...]
      --disable-agent              run no node agent on this machine
      --disable-scheduler          run no scheduler
      --disable-controller-manager run no controllers
  -o, --write-kubeconfig PATH      also write the admin kubeconfig to PATH
      --tls-san NAME               extra DNS name or IP for the serving certificate (repeatable,
                                   or comma-separated)
      --pod-manifest-path DIR      static pods the node agent runs (default DIR/agent/pod-manifests)
  -v, --log-level LEVEL            trace, debug, info, warn (default), error, or 0-10
  -h, --help                       show this help
`;

export type ParsedServerArgs = { help: true } | { help: false; options: ServerOptions };

function invalid(flag: string, value: string, want: string): CliError {
  return usageError('server', `invalid value ${JSON.stringify(value)} for --${flag}: ${want}`);
}

function parsePort(v: string): number {
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw invalid('https-listen-port', v, 'want a port number 0-65535');
  return Number(v);
}

/** A pino level by name, or klog-style verbosity (-v 4) mapped onto one. */
export function parseLogLevel(v: string): LogLevel | undefined {
  const name = v.toLowerCase();
  if ((LEVELS as readonly string[]).includes(name)) return name as LogLevel;
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n > 10) return undefined;
    return n === 0 ? 'warn' : n <= 2 ? 'info' : n <= 5 ? 'debug' : 'trace';
  }
  return undefined;
}

function parseDatastore(v: string): string {
  const m = /^([a-z0-9]+):\/\/(.*)$/i.exec(v);
  const scheme = m?.[1]?.toLowerCase();
  const rest = m?.[2] ?? '';
  const want = 'want sqlite://PATH, memory://, or etcd://HOST:PORT[,HOST:PORT...]';
  if (scheme === 'memory' && rest === '') return 'memory://';
  if (scheme === 'sqlite' && rest !== '') return `sqlite://${resolve(rest)}`;
  if ((scheme === 'etcd' || scheme === 'http' || scheme === 'https') && rest !== '') {
    const hosts = rest.split(',');
    if (hosts.every((h) => /^[^\s,/]+:\d{1,5}\/?$/.test(h.trim()))) return `${scheme}://${rest}`;
  }
  throw invalid('datastore-endpoint', v, want);
}

/** Turns `skiff server` arguments into resolved options; throws a usage CliError on bad input. */
export function parseServerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedServerArgs {
  const { values } = parseFlags('server', argv, SERVER_FLAGS);
  if (values.help) return { help: true };
  const str = (k: string) => values[k] as string | undefined;

  const dataDir = resolveDataDir(str('data-dir'), env);
  const bindAddress = str('bind-address') ?? DEFAULT_BIND_ADDRESS;
  if (!isIP(bindAddress)) throw invalid('bind-address', bindAddress, 'want an IP address');

  const levelText = str('log-level') ?? env.SKIFF_LOG_LEVEL ?? 'warn';
  const logLevel = parseLogLevel(levelText);
  if (!logLevel) throw invalid('log-level', levelText, `want one of ${LEVELS.join(', ')}, or 0-10`);

  const tlsSans = ((values['tls-san'] as string[] | undefined) ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim());
  for (const san of tlsSans) {
    if (!san || (!isIP(san) && !/^[a-z0-9*]([a-z0-9.*-]*[a-z0-9])?$/i.test(san))) {
      throw invalid('tls-san', san, 'want a DNS name or an IP address');
    }
  }

  const writeKubeconfig = str('write-kubeconfig');
  const podManifestPath = str('pod-manifest-path');
  return {
    help: false,
    options: {
      dataDir,
      port: str('https-listen-port') === undefined ? DEFAULT_PORT : parsePort(str('https-listen-port')!),
      bindAddress,
      datastoreEndpoint: parseDatastore(str('datastore-endpoint') ?? `sqlite://${join(dataDir, 'db', 'state.db')}`),
      disableAgent: values['disable-agent'] === true,
      disableScheduler: values['disable-scheduler'] === true,
      disableControllerManager: values['disable-controller-manager'] === true,
      ...(writeKubeconfig ? { writeKubeconfig: resolve(writeKubeconfig) } : {}),
      tlsSans,
      logLevel,
      ...(podManifestPath ? { podManifestPath: resolve(podManifestPath) } : {}),
    },
  };
}

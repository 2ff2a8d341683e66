/**
 * `skiff server`: start everything, write the kubeconfigs, say so in one
 * line, and on SIGTERM/SIGINT shut down gracefully and exit 0. A second
 * signal, or a shutdown slower than `shutdownTimeoutMs`, exits at once with 1.
 */
import { kubeconfigPath, localServerUrl, writeServerKubeconfigs } from '../apiserver/auth/index.js';
import { CliError, type CliIO } from './errors.js';
import { parseServerArgs, SERVER_USAGE, type RunningServer, type ServerOptions } from './server-options.js';

export type StartServer = (opts: ServerOptions) => Promise<RunningServer>;

export interface ServerCommandDeps {
  io: CliIO;
  /** Defaults to ./cluster.ts's startCluster, loaded only when the command runs. */
  startServer?: StartServer;
  /** Where SIGTERM/SIGINT come from; tests emit on their own emitter. */
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  env?: NodeJS.ProcessEnv;
  shutdownTimeoutMs?: number;
}

async function loadStartServer(): Promise<StartServer> {
  const mod = (await import('./cluster.js')) as { startCluster: StartServer };
  return mod.startCluster;
}

export async function serverCommand(argv: string[], deps: ServerCommandDeps): Promise<number> {
  const parsed = parseServerArgs(argv, deps.env);
  if (parsed.help) {
    deps.io.stdout(SERVER_USAGE);
    return 0;
  }
  const opts = parsed.options;
  const signals = deps.signals ?? process;

  // Listen before starting so a signal during start-up still gets a clean shutdown.
  let stopRequested: (sig: string) => void = () => {};
  let pendingSignal: string | undefined;
  const stop = new Promise<string>((resolve) => {
    stopRequested = resolve;
  });
  let signalCount = 0;
  let forceExit: (() => void) | undefined;
  const onSignal = (sig: string) => {
    signalCount++;
    pendingSignal ??= sig;
    if (signalCount === 1) stopRequested(sig);
    else forceExit?.();
  };
  const onTerm = () => onSignal('SIGTERM');
  const onInt = () => onSignal('SIGINT');
  signals.on('SIGTERM', onTerm);
  signals.on('SIGINT', onInt);

  try {
    const startServer = deps.startServer ?? (await loadStartServer());
    let running: RunningServer;
    try {
      running = await startServer(opts);
    } catch (err) {
      throw new CliError(`server failed to start: ${(err as Error).message}`, 1);
    }
    const port = Number(new URL(running.url).port || 443);
    try {
      await writeServerKubeconfigs(opts, port);
    } catch (err) {
      await running.close().catch(() => {});
      throw new CliError(`cannot write kubeconfig: ${(err as Error).message}`, 1);
    }
    if (pendingSignal === undefined) {
      deps.io.stdout(`skiff server ready on ${localServerUrl(opts.bindAddress, port)} (kubeconfig: ${kubeconfigPath(opts.dataDir)})\n`);
    }

    const sig = await stop;
    deps.io.stderr(`skiff: ${sig} received, shutting down\n`);
    const forced = new Promise<number>((resolve) => {
      forceExit = () => resolve(1);
      const t = setTimeout(() => {
        deps.io.stderr(`skiff: shutdown took longer than ${(deps.shutdownTimeoutMs ?? 30_000) / 1000}s, exiting\n`);
        resolve(1);
      }, deps.shutdownTimeoutMs ?? 30_000);
      t.unref();
    });
    if (signalCount > 1) return 1;
    return await Promise.race([
      running.close().then(
        () => 0,
        (err: Error) => {
          deps.io.stderr(`skiff: shutdown failed: ${err.message}\n`);
          return 1;
        },
      ),
      forced,
    ]);
  } finally {
    signals.off('SIGTERM', onTerm);
    signals.off('SIGINT', onInt);
  }
}

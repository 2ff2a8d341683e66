/**
 * `skiff kubectl ARGS…`: the system kubectl, pointed at this machine's
 * server through KUBECONFIG. Only a leading --data-dir is skiff's; every
 * other argument is kubectl's, untouched. Exit code (or 128+signal) passes back.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { kubeconfigPath } from '../apiserver/auth/index.js';
import { CliError, usageError, type CliIO } from './errors.js';
import { resolveDataDir } from './data-dir.js';

/** Splits off leading skiff flags: `--data-dir D`, `--data-dir=D`, `-d D`. */
export function splitKubectlArgs(argv: string[]): { dataDir?: string; args: string[] } {
  let dataDir: string | undefined;
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--data-dir' || a === '-d') {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('-')) throw usageError('kubectl', `flag ${a} needs a value`);
      dataDir = v;
      i += 2;
    } else if (a.startsWith('--data-dir=')) {
      dataDir = a.slice('--data-dir='.length);
      if (!dataDir) throw usageError('kubectl', 'flag --data-dir needs a value');
      i += 1;
    } else break;
  }
  // `skiff kubectl --help` is kubectl's own help: everything after the data dir is kubectl's.
  return { dataDir, args: argv.slice(i) };
}

export interface KubectlDeps {
  io: CliIO;
  env?: NodeJS.ProcessEnv;
}

export async function kubectlCommand(argv: string[], deps: KubectlDeps): Promise<number> {
  const env = deps.env ?? process.env;
  const { dataDir: flag, args } = splitKubectlArgs(argv);
  const dataDir = resolveDataDir(flag, env);
  const kubeconfig = kubeconfigPath(dataDir);
  if (!existsSync(kubeconfig)) {
    throw new CliError(`no kubeconfig at ${kubeconfig}; is skiff server running with --data-dir ${dataDir}?`);
  }
  const bin = env.SKIFF_KUBECTL || 'kubectl';
  const child = spawn(bin, args, { stdio: 'inherit', env: { ...env, KUBECONFIG: kubeconfig } });
  // The terminal's ^C reaches kubectl directly; signals sent to skiff alone are passed on.
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') reject(new CliError(`${bin} not found; install kubectl or set SKIFF_KUBECTL`, 127));
        else reject(new CliError(`cannot run ${bin}: ${err.message}`));
      });
      child.on('exit', (code, signal) => {
        resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
      });
    });
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
}

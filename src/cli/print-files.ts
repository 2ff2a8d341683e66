/**
 * `skiff kubeconfig` and `skiff token`: print what `skiff server` wrote into
 * the data dir, for copying to another machine or piping into a file.
 */
import { readFile } from 'node:fs/promises';
import { kubeconfigPath, readJoinToken } from '../apiserver/auth/index.js';
import { CliError, type CliIO } from './errors.js';
import { parseFlags, type FlagSpecs } from './flags.js';
import { resolveDataDir } from './data-dir.js';

const FLAGS: FlagSpecs = {
  help: { type: 'boolean', short: 'h' },
  'data-dir': { type: 'string', short: 'd' },
};

export const KUBECONFIG_USAGE = `Usage: skiff kubeconfig [--data-dir DIR]

Print the admin kubeconfig that skiff server wrote to DIR/kubeconfig.yaml.
`;

export const TOKEN_USAGE = `Usage: skiff token [--data-dir DIR]

Print the token that node agents join this server with (DIR/token).
`;

export interface PrintDeps {
  io: CliIO;
  env?: NodeJS.ProcessEnv;
}

export async function kubeconfigCommand(argv: string[], deps: PrintDeps): Promise<number> {
  const { values } = parseFlags('kubeconfig', argv, FLAGS);
  if (values.help) {
    deps.io.stdout(KUBECONFIG_USAGE);
    return 0;
  }
  const dataDir = resolveDataDir(values['data-dir'] as string | undefined, deps.env);
  const path = kubeconfigPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError(`no kubeconfig at ${path}; has skiff server run with --data-dir ${dataDir}?`);
  }
  deps.io.stdout(text);
  return 0;
}

export async function tokenCommand(argv: string[], deps: PrintDeps): Promise<number> {
  const { values } = parseFlags('token', argv, FLAGS);
  if (values.help) {
    deps.io.stdout(TOKEN_USAGE);
    return 0;
  }
  const dataDir = resolveDataDir(values['data-dir'] as string | undefined, deps.env);
  const token = await readJoinToken(dataDir).catch(() => undefined);
  if (!token) throw new CliError(`no join token in ${dataDir}; has skiff server run with --data-dir ${dataDir}?`);
  deps.io.stdout(`${token}\n`);
  return 0;
}

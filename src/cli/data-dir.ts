/**
 * Where a skiff server keeps its state, like k3s: /var/lib/skiff for root,
 * ~/.skiff for anyone else. SKIFF_DATA_DIR changes the default for every
 * command, so `skiff kubectl` finds a server started with --data-dir.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SKIFF_DATA_DIR) return resolve(env.SKIFF_DATA_DIR);
  return process.getuid?.() === 0 ? '/var/lib/skiff' : join(homedir(), '.skiff');
}

/** The data dir a command uses: its --data-dir flag, else the default. Always absolute. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ? resolve(flag) : defaultDataDir(env);
}

/**
 * `skiff killall`: like k3s's killall script, for a clean machine — stops
 * the skiff server or agent of the data dir (by its pid file, nothing else),
 * then every pod container, containerd and the network set-up it made.
 */
import { killAll } from '../kubelet/killall.js';
import { stopProcess } from '../kubelet/processes.js';
import { CliError, type CliIO } from './errors.js';
import { parseFlags, type FlagSpecs } from './flags.js';
import { resolveDataDir } from './data-dir.js';
import { readPidFile } from './pidfile.js';

const FLAGS: FlagSpecs = {
  help: { type: 'boolean', short: 'h' },
  'data-dir': { type: 'string', short: 'd' },
};

export const KILLALL_USAGE = `Usage: skiff killall [--data-dir DIR]

Stop the skiff server or agent using DIR, every pod container it started, its
containerd, and remove the pod network set-up (bridge, iptables rules, netns).
`;

export async function killallCommand(argv: string[], deps: { io: CliIO; env?: NodeJS.ProcessEnv }): Promise<number> {
  const { values } = parseFlags('killall', argv, FLAGS);
  if (values.help) {
    deps.io.stdout(KILLALL_USAGE);
    return 0;
  }
  if (process.getuid?.() !== 0) throw new CliError('killall must run as root (it removes mounts, network namespaces and iptables rules)');
  const dataDir = resolveDataDir(values['data-dir'] as string | undefined, deps.env);
  const pid = readPidFile(dataDir);
  if (pid && pid !== process.pid && (await stopProcess(pid))) deps.io.stdout(`stopped skiff (pid ${pid})\n`);
  await killAll({ dataDir });
  deps.io.stdout(`removed pods, containerd and the pod network of ${dataDir}\n`);
  return 0;
}

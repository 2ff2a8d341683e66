/**
 * Node teardown, like k3s's killall script: every pod container and sandbox
 * of this data dir's containerd is stopped and removed through the CRI (so
 * CNI releases IPs, veths, netns and iptables rules), containerd is stopped,
 * then whatever survived is swept: shims of this containerd, mounts under
 * the data dir, the CNI bridge, and CNI iptables chains left empty.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createCriClient } from '../cri/index.js';
import { containerdPaths } from './containerd/config.js';

export interface KillAllOptions {
  dataDir: string;
  /** CNI bridge to delete (default skiff0). */
  bridge?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids whose command line mentions `needle`. */
export function pidsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) out.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Mount points at or below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(dir + '/'));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

function quiet(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** CNI top-level chains that are now empty, with the rules jumping to them. */
function removeEmptyCniChains(): void {
  for (const table of ['nat', 'filter']) {
    const rules = quiet('iptables', ['-w', '-t', table, '-S']).split('\n');
    const chains = rules.filter((r) => r.startsWith('-N CNI-')).map((r) => r.slice(3));
    for (const chain of chains) {
      const own = rules.filter((r) => r.startsWith(`-A ${chain} `));
      // CNI-HOSTPORT-MASQ holds one fixed mark rule; anything else means it is in use.
      const inUse = own.some((r) => !/--mark 0x2000\/0x2000 -j MASQUERADE|-j MARK --set-xmark 0x2000\/0x2000/.test(r));
      if (inUse) continue;
      for (const r of rules.filter((x) => x.includes(`-j ${chain}`) && x.startsWith('-A '))) {
        quiet('iptables', ['-w', '-t', table, ...r.replace(/^-A /, '-D ').match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"|"$/g, ''))]);
      }
      quiet('iptables', ['-w', '-t', table, '-F', chain]);
      quiet('iptables', ['-w', '-t', table, '-X', chain]);
    }
  }
}

/** Stops and removes every container and sandbox through the CRI (if containerd answers). */
export async function removeAllPods(dataDir: string): Promise<void> {
  const paths = containerdPaths(dataDir);
  if (!daemonPid(dataDir) || !existsSync(paths.socket)) return;
  {
    const cri = createCriClient(paths.socket, { timeoutMs: 20_000 });
    try {
      const containers = await cri.listContainers();
      await Promise.all(containers.map((c) => cri.stopContainer(c.id, 0).catch(() => undefined)));
      await Promise.all(containers.map((c) => cri.removeContainer(c.id).catch(() => undefined)));
      for (const s of await cri.listPodSandbox()) {
        await cri.stopPodSandbox(s.id).catch(() => undefined);
        await cri.removePodSandbox(s.id).catch(() => undefined);
      }
    } catch {
      // containerd not answering: the sweep below still runs
    } finally {
      cri.close();
    }
  }
}

/** The pid of this data dir's containerd when it runs. */
function daemonPid(dataDir: string): number | undefined {
  const paths = containerdPaths(dataDir);
  const pidFile = join(paths.base, 'containerd.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
  if (!pid || !alive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(paths.configFile) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function killAll(opts: KillAllOptions): Promise<void> {
  const paths = containerdPaths(opts.dataDir);
  await removeAllPods(opts.dataDir);
  const daemon = daemonPid(opts.dataDir);
  if (daemon) {
    process.kill(daemon, 'SIGTERM');
    for (let i = 0; i < 100 && alive(daemon); i++) await sleep(100);
    if (alive(daemon)) process.kill(daemon, 'SIGKILL');
  }
  // Shims of this containerd name its socket in their command line.
  for (const pid of pidsMentioning(paths.socket)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const m of mountsUnder(opts.dataDir)) quiet('umount', ['-l', m]);
  quiet('ip', ['link', 'delete', opts.bridge ?? 'skiff0']);
  removeEmptyCniChains();
}

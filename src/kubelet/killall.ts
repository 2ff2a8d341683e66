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
import { startContainerd } from './containerd/supervisor.js';
import { silentLogger } from '../util/log.js';
import { removePodMasquerade } from '../network/cni/index.js';
import { alive, stopProcess } from './processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface KillAllOptions {
  dataDir: string;
  /** CNI bridge to delete (default: the one in the node's CNI config, else skiff0). */
  bridge?: string;
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

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Processes whose root file system is a snapshot under `dataDir` (container processes). */
export function containerPids(dataDir: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const root = readLines(`/proc/${d}/mountinfo`).find((l) => l.split(' ')[4] === '/');
    if (root?.includes(`${dataDir}/`)) out.push(Number(d));
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
    // portmap's shared chains serve every node on the machine while any hostPort (CNI-DN-*) exists.
    const hostPortsInUse = chains.some((c) => c.startsWith('CNI-DN-'));
    for (const chain of chains) {
      if (hostPortsInUse && (chain === 'CNI-HOSTPORT-SETMARK' || chain === 'CNI-HOSTPORT-MASQ')) continue;
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

/** The pod subnet and bridge from the node's CNI config, when there is one. */
function podNetwork(cniConfDir: string): { subnet?: string; bridge?: string } {
  try {
    for (const f of readdirSync(cniConfDir)) {
      if (!f.endsWith('.conflist')) continue;
      const c = JSON.parse(readFileSync(join(cniConfDir, f), 'utf8'));
      const subnet = c.plugins?.[0]?.ipam?.ranges?.[0]?.[0]?.subnet;
      const bridge = c.plugins?.[0]?.bridge;
      if (typeof subnet === 'string') return { subnet, bridge: typeof bridge === 'string' ? bridge : undefined };
    }
  } catch {
    // no config
  }
  return {};
}

function ipInSubnet(ip: string, cidr: string): boolean {
  const toInt = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const [net, bits] = cidr.split('/');
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (toInt(ip) & mask) === (toInt(net) & mask);
}

/** Masquerade chains the bridge plugin made for pods of `subnet` whose CNI DEL never ran. */
export function removePodMasqRules(subnet: string): void {
  const rules = quiet('iptables', ['-w', '-t', 'nat', '-S', 'POSTROUTING']).split('\n');
  for (const r of rules) {
    const m = /^-A POSTROUTING -s (\d+\.\d+\.\d+\.\d+)(?:\/32)? .*-j (CNI-[0-9a-f]+)$/.exec(r);
    if (!m || !ipInSubnet(m[1], subnet)) continue;
    quiet('iptables', ['-w', '-t', 'nat', ...r.replace(/^-A /, '-D ').match(/"(?:[^"\\]|\\.)*"|\S+/g)!.map((a) => (a.startsWith('"') ? JSON.parse(a) : a))]);
    quiet('iptables', ['-w', '-t', 'nat', '-F', m[2]]);
    quiet('iptables', ['-w', '-t', 'nat', '-X', m[2]]);
  }
}

export async function killAll(opts: KillAllOptions): Promise<void> {
  const paths = containerdPaths(opts.dataDir);
  const { subnet, bridge: confBridge } = podNetwork(paths.cniConfDir);
  const bridge = opts.bridge ?? confBridge ?? 'skiff0';
  if (!daemonPid(opts.dataDir) && existsSync(paths.configFile)) {
    // containerd is down (the server stopped it) but its pods' sandboxes may
    // remain: start it again so CNI can release their netns, veths and IPs.
    try {
      const temporary = await startContainerd({ dataDir: opts.dataDir, log: silentLogger() });
      await removeAllPods(opts.dataDir);
      await temporary.stop();
    } catch {
      // The sweep below still removes what it can.
    }
  }
  await removeAllPods(opts.dataDir);
  const daemon = daemonPid(opts.dataDir);
  if (daemon) await stopProcess(daemon);
  // Containers that outlived their shims (root file system under the data dir), then the shims.
  const cgroups = new Set<string>();
  for (const pid of containerPids(opts.dataDir)) {
    for (const line of readLines(`/proc/${pid}/cgroup`)) {
      const [, controllers, path] = line.split(':');
      if (path && path !== '/') for (const c of controllers.replace(/^name=/, '').split(',')) cgroups.add(`/sys/fs/cgroup/${c}${path}`);
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const pid of pidsMentioning(paths.socket)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (cgroups.size) {
    await sleep(200);
    for (const cg of cgroups) quiet('rmdir', [cg]);
  }
  // containerd's per-namespace parent cgroups; rmdir fails (harmlessly) while another node uses them.
  for (const c of existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup') : []) quiet('rmdir', [`/sys/fs/cgroup/${c}/k8s.io`]);
  for (const m of mountsUnder(opts.dataDir)) quiet('umount', ['-l', m]);
  quiet('ip', ['link', 'delete', bridge]);
  await removePodMasquerade(bridge);
  if (subnet) removePodMasqRules(subnet);
  removeEmptyCniChains();
}

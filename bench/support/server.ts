/**
 * A real `skiff server` for the benches, spawned like test/e2e/harness.ts does
 * (that harness hooks into node:test, which a bench must not load), in its own
 * process group so a stop takes everything it started. The pid is the server's
 * own process (bin/skiff runs the server in-process), so its /proc files tell
 * the server's memory and CPU.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export interface Credentials {
  cert: string;
  key: string;
  ca: string;
}

/** The in-process components `skiff server` can be told not to run. */
export type ServerComponent = 'agent' | 'scheduler' | 'controller-manager';

export interface BenchServerOptions {
  /** The script node runs; bin/skiff of this checkout by default. */
  bin?: string;
  /** Components the server leaves out; by default all three, leaving the bare API server. */
  disable?: readonly ServerComponent[];
  /** Run the server with --cpu-prof, the profile written here when it exits. */
  cpuProfileDir?: string;
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before it kills the group, unless stop is given its own. */
  stopGraceMs?: number;
}

export interface BenchServer {
  readonly pid: number;
  readonly port: number;
  readonly kubeconfig: string;
  readonly credentials: Credentials;
  /** Peak resident set (VmHWM) in KiB, or undefined when /proc does not tell. */
  peakRssKiB(): number | undefined;
  /** Current resident set (VmRSS) in KiB, or undefined when /proc does not tell. */
  rssKiB(): number | undefined;
  /** CPU time (user + system) the server has used so far, in ms; undefined when /proc does not tell. */
  cpuMs(): number | undefined;
  output(): string;
  /** SIGTERM, then SIGKILL to the whole group after graceMs. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** The checkout root, from bench/support under tsx or dist/bench/support after the build. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      readFileSync(join(dir, 'bin', 'skiff'));
      readFileSync(join(dir, 'package.json'));
      return dir;
    } catch {
      const up = dirname(dir);
      if (up === dir) throw new Error('no checkout (package.json + bin/skiff) above ' + fileURLToPath(import.meta.url));
      dir = up;
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** The admin client certificate, key and CA embedded in a kubeconfig. */
function readCredentials(kubeconfig: string): Credentials {
  const cfg = parseYaml(readFileSync(kubeconfig, 'utf8')) as any;
  const ctx = (cfg?.contexts ?? []).find((c: any) => c.name === cfg?.['current-context'])?.context ?? cfg?.contexts?.[0]?.context;
  const user = (cfg?.users ?? []).find((u: any) => u.name === ctx?.user)?.user ?? cfg?.users?.[0]?.user ?? {};
  const cluster = (cfg?.clusters ?? []).find((c: any) => c.name === ctx?.cluster)?.cluster ?? cfg?.clusters?.[0]?.cluster ?? {};
  const pick = (data: unknown, file: unknown, what: string): string => {
    if (typeof data === 'string') return Buffer.from(data, 'base64').toString('utf8');
    if (typeof file === 'string') return readFileSync(file, 'utf8');
    throw new Error(`${kubeconfig}: no ${what}`);
  };
  return {
    cert: pick(user['client-certificate-data'], user['client-certificate'], 'client certificate'),
    key: pick(user['client-key-data'], user['client-key'], 'client key'),
    ca: pick(cluster['certificate-authority-data'], cluster['certificate-authority'], 'certificate authority'),
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

function procStatusKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** utime + stime from /proc/PID/stat in ms (clock ticks are 100 Hz on Linux). */
function procCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may hold spaces); utime and stime are the 14th and 15th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return undefined;
  }
}

const readyLine = /skiff server ready on https:\/\/\S+/;
const allComponents: readonly ServerComponent[] = ['agent', 'scheduler', 'controller-manager'];

/** Starts `skiff server` on the SQLite store in dataDir and waits for its ready line. */
export async function startBenchServer(dataDir: string, opts: BenchServerOptions = {}): Promise<BenchServer> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const defaultGraceMs = opts.stopGraceMs ?? 10_000;
  const port = await freePort();
  const args = [
    ...(opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] : []),
    opts.bin ?? join(repoRoot(), 'bin', 'skiff'),
    'server',
    '--data-dir',
    dataDir,
    '--https-listen-port',
    String(port),
    ...(opts.disable ?? allComponents).map((c) => `--disable-${c}`),
  ];
  const child = spawn(process.execPath, args, { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn skiff server');
  // A bench that dies must not leave a server behind.
  const onExit = () => killGroup(pid, 'SIGKILL');
  process.once('exit', onExit);

  let log = '';
  const append = (c: Buffer) => {
    log = (log + c.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);

  let stopped = false;
  const stop = async (graceMs = defaultGraceMs) => {
    if (stopped) return;
    stopped = true;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    if (!(await exited(child, graceMs))) killGroup(pid, 'SIGKILL');
    killGroup(pid, 'SIGKILL');
    await exited(child, 5_000);
    process.off('exit', onExit);
  };

  await new Promise<void>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void stop(0).then(() => reject(new Error(`skiff server ${why}\ncommand: node ${args.join(' ')}\noutput:\n${log.slice(-4000)}`)));
    };
    const timer = setTimeout(() => fail(`printed no ready line within ${readyTimeoutMs} ms`), readyTimeoutMs);
    const onEarlyExit = (code: number | null, sig: string | null) => fail(`exited before it was ready (code ${code}, signal ${sig})`);
    const onData = () => {
      if (!readyLine.test(log)) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onEarlyExit);
      resolve();
    };
    child.stdout!.on('data', onData);
    child.once('exit', onEarlyExit);
  });

  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  return {
    pid,
    port,
    kubeconfig,
    credentials: readCredentials(kubeconfig),
    peakRssKiB: () => procStatusKiB(pid, 'VmHWM'),
    rssKiB: () => procStatusKiB(pid, 'VmRSS'),
    cpuMs: () => procCpuMs(pid),
    output: () => log,
    stop,
  };
}

/**
 * `skiff server` with its scheduler and controllers running and no node
 * agent, on the SQLite store, spawned in its own process group (the
 * bench/api spawner turns the controllers off, which this bench measures).
 * The pid is the server's own process, so /proc tells its peak memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, repoRoot } from '../api/server.js';

export interface ControllerBenchServer {
  readonly pid: number;
  readonly kubeconfig: string;
  /** Peak resident set (VmHWM) in KiB, or undefined when /proc does not tell. */
  peakRssKiB(): number | undefined;
  /** Current resident set (VmRSS) in KiB. */
  rssKiB(): number | undefined;
  /** CPU seconds (user + system) the server has used so far. */
  cpuSeconds(): number | undefined;
  output(): string;
  /** SIGTERM, then SIGKILL to the group after graceMs. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const readyLine = /skiff server ready on https:\/\/\S+/;

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

function procStatus(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** utime + stime from /proc/PID/stat, in seconds (clock ticks are 100 Hz on Linux). */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return undefined;
  }
}

/** `cpuProfileDir`: run the server with --cpu-prof, the profile written there when it exits. */
export async function startControllerBenchServer(dataDir: string, opts: { readyTimeoutMs?: number; cpuProfileDir?: string } = {}): Promise<ControllerBenchServer> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const port = await freePort();
  const args = [join(repoRoot(), 'bin', 'skiff'), 'server', '--data-dir', dataDir, '--https-listen-port', String(port), '--disable-agent'];
  const nodeFlags = opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] : [];
  const child = spawn(process.execPath, [...nodeFlags, ...args], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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
  const stop = async (graceMs = 15_000) => {
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

  return {
    pid,
    kubeconfig: join(dataDir, 'kubeconfig.yaml'),
    peakRssKiB: () => procStatus(pid, 'VmHWM'),
    rssKiB: () => procStatus(pid, 'VmRSS'),
    cpuSeconds: () => cpuSecondsOf(pid),
    output: () => log,
    stop,
  };
}

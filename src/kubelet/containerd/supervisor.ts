/**
 * Runs containerd as a supervised child of the node agent. The agent owns
 * the daemon but not the pods: containerd's shims (containerd-shim-runc-v2)
 * hold the containers, so stopping or restarting containerd — or the agent —
 * leaves every pod running. Only containerd's own pid is ever signalled.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../../util/log.js';
import { createCriClient, type CriClient } from '../../cri/index.js';
import { ensurePauseArchive, PAUSE_IMAGE } from '../images/pause.js';
import { containerdPaths, readRegistries, renderContainerdConfig, writeRegistryHosts, type ContainerdPaths } from './config.js';
import { alive, stopProcess } from '../processes.js';

const run = promisify(execFile);

export interface ContainerdOptions {
  dataDir: string;
  log: Logger;
  containerdBin?: string;
  ctrBin?: string;
  cniBinDir?: string;
  sandboxImage?: string;
  /** Defaults to overlayfs when the kernel lets us mount it here, else native. */
  snapshotter?: 'overlayfs' | 'native';
  readyTimeoutMs?: number;
}

export interface ContainerdHandle {
  readonly paths: ContainerdPaths;
  readonly socket: string;
  readonly cri: CriClient;
  /** e.g. `1.6.20~ds1` */
  readonly runtimeVersion: string;
  readonly runtimeName: string;
  readonly snapshotter: string;
  /** Imports OCI or docker-save archives into the k8s.io namespace. */
  importImages(files: string[]): Promise<string[]>;
  /** SIGTERM to containerd only (pods keep running in their shims), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A containerd left over from an agent that died without stopping it (same config file). */
async function stopStale(paths: ContainerdPaths, log: Logger): Promise<void> {
  const pidFile = join(paths.base, 'containerd.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!pid || !alive(pid)) return;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return;
  }
  if (!cmdline.includes(paths.configFile)) return;
  log.info({ pid }, 'stopping containerd left by a previous agent');
  await stopProcess(pid);
}

/** CAP_SYS_RESOURCE (bit 24) in our effective set: without it nothing may lower an OOM score. */
export function hasCapSysResource(): boolean {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? (BigInt('0x' + m[1]) & (1n << 24n)) !== 0n : true;
  } catch {
    return true;
  }
}

function overlayUsable(base: string): boolean {
  // containerd refuses overlayfs on top of overlayfs/some filesystems; try a real mount.
  const dir = mkdtempSync(join(base, 'overlay-probe-'));
  try {
    for (const d of ['l', 'u', 'w', 'm']) mkdirSync(join(dir, d));
    const r = spawnSyncQuiet('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${dir}/l,upperdir=${dir}/u,workdir=${dir}/w`, `${dir}/m`]);
    if (r !== 0) return false;
    spawnSyncQuiet('umount', [`${dir}/m`]);
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function spawnSyncQuiet(cmd: string, args: string[]): number {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status ?? 1;
}

export async function startContainerd(opts: ContainerdOptions): Promise<ContainerdHandle> {
  const log = opts.log.child({ component: 'containerd' });
  const paths = containerdPaths(opts.dataDir);
  for (const d of [paths.base, paths.root, paths.state, paths.cniConfDir, paths.imagesDir]) mkdirSync(d, { recursive: true });
  const containerdBin = opts.containerdBin ?? 'containerd';
  const ctrBin = opts.ctrBin ?? 'ctr';
  const snapshotter = opts.snapshotter ?? (overlayUsable(paths.base) ? 'overlayfs' : 'native');
  const sandboxImage = opts.sandboxImage ?? PAUSE_IMAGE;

  writeFileSync(
    paths.configFile,
    renderContainerdConfig({
      paths,
      sandboxImage,
      cniBinDir: opts.cniBinDir ?? '/usr/lib/cni',
      snapshotter,
      restrictOomScoreAdj: !hasCapSysResource(),
    }),
  );
  writeRegistryHosts(paths, readRegistries(opts.dataDir));
  await stopStale(paths, log);
  rmSync(paths.socket, { force: true });

  let child: ChildProcess | undefined;
  let stopping = false;
  let restartDelay = 1000;
  let restartTimer: NodeJS.Timeout | undefined;

  const launch = () => {
    if (stopping) return;
    let out: number;
    try {
      out = openSync(paths.logFile, 'a');
    } catch (err) {
      // The data dir went away under us: nothing left to supervise.
      log.error({ err: (err as Error).message }, 'cannot restart containerd');
      return;
    }
    // detached: its own process group, so a terminal's Ctrl-C reaches only
    // skiff, which then stops containerd deliberately.
    const c = spawn(containerdBin, ['--config', paths.configFile, '--log-level', 'warn'], {
      stdio: ['ignore', out, out],
      detached: true,
    });
    closeSync(out);
    child = c;
    const startedAt = Date.now();
    if (c.pid) writeFileSync(join(paths.base, 'containerd.pid'), String(c.pid));
    c.on('error', (err) => log.error({ err: err.message }, 'containerd failed to start'));
    c.on('exit', (code, signal) => {
      if (child === c) child = undefined;
      if (stopping) return;
      // A run that lasted a while resets the backoff.
      if (Date.now() - startedAt > 60_000) restartDelay = 1000;
      log.warn({ code, signal, restartInMs: restartDelay }, 'containerd exited; restarting');
      restartTimer = setTimeout(launch, restartDelay);
      restartDelay = Math.min(restartDelay * 2, 30_000);
    });
  };

  const onExit = () => {
    // Last resort when the process exits without stop(): never leave the daemon behind.
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  process.on('exit', onExit);
  launch();

  const cri = createCriClient(paths.socket, { timeoutMs: 120_000 });
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  let version;
  for (;;) {
    try {
      if (existsSync(paths.socket)) {
        version = await cri.version();
        break;
      }
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) {
      const tail = existsSync(paths.logFile) ? readFileSync(paths.logFile, 'utf8').slice(-2000) : '';
      stopping = true;
      if (child?.pid) process.kill(child.pid, 'SIGKILL');
      throw new Error(`containerd did not become ready in time; log tail:\n${tail}`);
    }
    await sleep(50);
  }
  log.info({ version: version.runtimeVersion, snapshotter }, 'containerd ready');

  const importImages = async (files: string[]): Promise<string[]> => {
    const names: string[] = [];
    for (const f of files) {
      const { stdout } = await run(ctrBin, ['--address', paths.socket, '-n', 'k8s.io', 'images', 'import', '--snapshotter', snapshotter, f], {
        maxBuffer: 16 * 1024 * 1024,
      });
      // ctr prints "unpacking <name> (<digest>)...done" per image.
      for (const m of stdout.matchAll(/unpacking (\S+) \(/g)) names.push(m[1]);
    }
    return names;
  };

  // The pause image first (the CRI would otherwise try to pull it), then the
  // user's air-gap archives.
  const pause = await ensurePauseArchive(join(paths.base, 'pause'));
  if (!(await cri.imageStatus({ image: sandboxImage }))) await importImages([pause]);
  const archives = readdirSync(paths.imagesDir)
    .filter((f) => /\.(tar|tar\.gz|tgz|oci)$/.test(f))
    .map((f) => join(paths.imagesDir, f));
  if (archives.length) {
    try {
      await importImages(archives);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'importing agent images failed');
    }
  }

  return {
    paths,
    socket: paths.socket,
    cri,
    runtimeVersion: version.runtimeVersion,
    runtimeName: version.runtimeName,
    snapshotter,
    importImages,
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      process.off('exit', onExit);
      cri.close();
      const c = child;
      if (!c?.pid || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      process.kill(c.pid, 'SIGTERM');
      const t = setTimeout(() => c.pid && alive(c.pid) && process.kill(c.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

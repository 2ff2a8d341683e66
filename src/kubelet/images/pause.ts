/**
 * The sandbox ("pause") image, built on this machine because no registry
 * can be assumed reachable: a static C program compiled with gcc, or, when
 * no compiler is present, busybox-static's `sleep` (it neither reaps nor
 * handles TERM, which a pod without a shared PID namespace does not need).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildOciArchive } from './oci.js';

const run = promisify(execFile);

export const PAUSE_IMAGE = 'skiff.local/pause:3.9';

function pauseSource(): string {
  for (const rel of ['./pause.c', '../../../../src/kubelet/images/pause.c']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error('pause.c not found');
}

async function compilePause(outFile: string): Promise<boolean> {
  for (const cc of ['gcc', 'cc']) {
    try {
      await run(cc, ['-static', '-Os', '-s', '-o', outFile, pauseSource()]);
      return true;
    } catch {
      // try the next compiler, then fall back to busybox
    }
  }
  return false;
}

/**
 * Writes `<dir>/pause.tar` (an OCI archive named PAUSE_IMAGE) unless it is
 * already there, and returns its path.
 */
export async function ensurePauseArchive(dir: string, busybox = '/bin/busybox'): Promise<string> {
  const archive = join(dir, 'pause.tar');
  if (existsSync(archive)) return archive;
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, 'pause.bin');
  let layer;
  let config;
  if (await compilePause(bin)) {
    layer = [{ type: 'file' as const, path: 'pause', data: readFileSync(bin), mode: 0o755 }];
    config = { Entrypoint: ['/pause'], StopSignal: 'SIGTERM' };
  } else if (existsSync(busybox)) {
    layer = [
      { type: 'dir' as const, path: 'bin' },
      { type: 'file' as const, path: 'bin/busybox', data: readFileSync(busybox), mode: 0o755 },
    ];
    config = { Entrypoint: ['/bin/busybox', 'sleep', '2147483647'], StopSignal: 'SIGKILL' };
  } else {
    throw new Error('cannot build the pause image: neither gcc nor busybox-static is installed');
  }
  const built = buildOciArchive({ ref: PAUSE_IMAGE, layers: [layer], config });
  const tmp = `${archive}.tmp`;
  writeFileSync(tmp, built.archive);
  renameSync(tmp, archive);
  return archive;
}

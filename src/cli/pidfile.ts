/**
 * `<data-dir>/skiff.pid`: which process is the skiff server or agent of a
 * data dir, so `skiff killall` stops exactly that one and nothing else.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const pidFile = (dataDir: string): string => join(dataDir, 'skiff.pid');

export function writePidFile(dataDir: string): () => void {
  const path = pidFile(dataDir);
  writeFileSync(path, `${process.pid}\n`, { mode: 0o644 });
  return () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path);
    } catch {
      // Already gone.
    }
  };
}

export function readPidFile(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(dataDir), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A throwaway image registry for tests: Debian's `docker-registry` on a free
 * 127.0.0.1 port with its storage in a temp dir, filled with the test
 * images (pushed with skopeo), plus the `registries.yaml` text that mirrors
 * docker.io to it, so pods that say `image: busybox` pull from here.
 * stop() kills the registry (by pid) and removes its storage; it also runs
 * on process exit.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildTestImages, type TestImage } from './build.js';

const run = promisify(execFile);

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  images: TestImage[];
  /** k3s registries.yaml mirroring docker.io to this registry. */
  registriesYaml: string;
  /** Writes each test image as an OCI archive into `dir`; returns the paths. */
  writeArchives(dir: string): string[];
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const c = createConnection({ host: '127.0.0.1', port }, () => {
        c.destroy();
        resolve();
      });
      c.once('error', () => {
        c.destroy();
        if (Date.now() > deadline) reject(new Error(`registry did not listen on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * Runs `docker-registry serve <dir>/config.yml` (the caller wrote it) until
 * stop(), which kills it by pid, waits for it to exit and removes `dir`; a
 * registry still running when this process exits is killed too.
 */
export function serveRegistry(dir: string): { stop(): Promise<void> } {
  let child: ChildProcess | undefined = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const kill = () => {
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  };
  process.on('exit', kill);
  const stop = async () => {
    process.off('exit', kill);
    const c = child;
    child = undefined;
    if (c?.pid && c.exitCode === null && c.signalCode === null) {
      const exited = new Promise((r) => c.once('exit', r));
      process.kill(c.pid, 'SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { stop };
}

export async function startTestRegistry(opts: { push?: boolean } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n`,
  );
  const { stop } = serveRegistry(dir);
  try {
    await waitForPort(port, 10_000);
    const images = buildTestImages();
    const writeArchives = (out: string) =>
      images.map((img) => {
        const f = join(out, `${img.repository.replace(/\//g, '_')}.tar`);
        writeFileSync(f, img.image.archive);
        return f;
      });
    if (opts.push !== false) {
      const files = writeArchives(dir);
      await Promise.all(
        images.map((img, i) =>
          run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${files[i]}`, `docker://${host}/${img.repository}:${img.tag}`]),
        ),
      );
    }
    const registriesYaml = `mirrors:\n  docker.io:\n    endpoint:\n      - "http://${host}"\n`;
    return { host, images, registriesYaml, writeArchives, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Image archives for air-gapped nodes: `skiff images import FILE.tar`
 * (docker-save or OCI archives) and `skiff images ls`, talking to the
 * node's containerd through its socket under the data dir. Import needs
 * that containerd to be running (a started `skiff server` or `skiff agent`);
 * archives dropped into `<data-dir>/agent/images/` are imported at start.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { createCriClient } from '../../cri/index.js';
import { containerdPaths } from '../containerd/config.js';

export { buildOciArchive } from './oci.js';
export type { ImageBuild, BuiltImage, ImageConfig } from './oci.js';
export { writeTar, readTar } from './tar.js';
export type { TarEntry } from './tar.js';
export { ensurePauseArchive, PAUSE_IMAGE } from './pause.js';

const run = promisify(execFile);

function socketOf(dataDir: string): string {
  const sock = containerdPaths(dataDir).socket;
  if (!existsSync(sock)) throw new Error(`containerd is not running for data dir ${dataDir} (no ${sock}); start skiff server or skiff agent first`);
  return sock;
}

/** Imports archives into containerd's k8s.io namespace; returns the image names imported. */
export async function importImages(dataDir: string, files: string[], ctrBin = 'ctr'): Promise<string[]> {
  const sock = socketOf(dataDir);
  const names: string[] = [];
  for (const f of files) {
    if (!existsSync(f)) throw new Error(`${f}: no such file`);
    const { stdout } = await run(ctrBin, ['--address', sock, '-n', 'k8s.io', 'images', 'import', f], { maxBuffer: 16 * 1024 * 1024 });
    for (const m of stdout.matchAll(/unpacking (\S+) \(/g)) names.push(m[1]);
  }
  return names;
}

export interface ImageRow {
  image: string;
  tag: string;
  imageId: string;
  size: number;
}

/** Images as `crictl images` lists them (IMAGE, TAG, IMAGE ID, SIZE). */
export async function listImages(dataDir: string): Promise<ImageRow[]> {
  const cri = createCriClient(socketOf(dataDir));
  try {
    const rows: ImageRow[] = [];
    for (const img of await cri.listImages()) {
      const tags = img.repoTags.length ? img.repoTags : img.repoDigests.map((d) => d.replace(/@.*/, '@<none>'));
      for (const t of tags) {
        const i = t.lastIndexOf(':');
        const at = t.indexOf('@');
        const [image, tag] = at >= 0 ? [t.slice(0, at), '<none>'] : [t.slice(0, i), t.slice(i + 1)];
        rows.push({ image, tag, imageId: img.id.replace(/^sha256:/, '').slice(0, 13), size: Number(img.size) });
      }
    }
    return rows.sort((a, b) => a.image.localeCompare(b.image) || a.tag.localeCompare(b.tag));
  } finally {
    cri.close();
  }
}

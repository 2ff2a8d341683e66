/**
 * A minimal ustar writer for image layers and OCI archives: regular files,
 * directories, symlinks and hard links, with fixed owner root:root and a
 * fixed mtime so the same input always gives the same bytes (and digests).
 */

export type TarEntry =
  | { type: 'file'; path: string; data: Buffer; mode?: number }
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'link'; path: string; target: string };

const BLOCK = 512;
/** 2000-01-01: a fixed, non-zero mtime keeps layers reproducible. */
const MTIME = 946684800;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function splitName(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  // ustar: prefix (≤155) + '/' + name (≤100), split at a slash.
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  throw new Error(`tar: path too long: ${path}`);
}

function header(path: string, typeflag: string, size: number, mode: number, linkname = ''): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { name, prefix } = splitName(path);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(MTIME, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum placeholder: spaces
  h.write(typeflag, 156, 'ascii');
  if (Buffer.byteLength(linkname) > 100) throw new Error(`tar: link target too long: ${linkname}`);
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** Paths are stored relative (no leading slash); directories get a trailing slash. */
function norm(path: string): string {
  return path.replace(/^\/+/, '');
}

export function writeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const p = norm(e.path);
    switch (e.type) {
      case 'dir':
        parts.push(header(p.endsWith('/') ? p : p + '/', '5', 0, e.mode ?? 0o755));
        break;
      case 'symlink':
        parts.push(header(p, '2', 0, 0o777, e.target));
        break;
      case 'link':
        parts.push(header(p, '1', 0, 0o644, norm(e.target)));
        break;
      case 'file': {
        parts.push(header(p, '0', e.data.length, e.mode ?? 0o644), e.data);
        const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
        if (pad) parts.push(Buffer.alloc(pad));
        break;
      }
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** Reads a ustar/GNU archive's entries (files, dirs, links); enough to check what writeTar wrote. */
export function readTar(buf: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    const str = (start: number, len: number) => {
      const s = h.subarray(start, start + len);
      const z = s.indexOf(0);
      return s.subarray(0, z < 0 ? len : z).toString('utf8');
    };
    const name = str(0, 100);
    const prefix = str(345, 155);
    const path = prefix ? `${prefix}/${name}` : name;
    const size = parseInt(str(124, 12).trim() || '0', 8);
    const mode = parseInt(str(100, 8).trim() || '0', 8);
    const type = str(156, 1) || '0';
    off += BLOCK;
    if (type === '5') out.push({ type: 'dir', path: path.replace(/\/$/, ''), mode });
    else if (type === '2') out.push({ type: 'symlink', path, target: str(157, 100) });
    else if (type === '1') out.push({ type: 'link', path, target: str(157, 100) });
    else if (type === '0') out.push({ type: 'file', path, data: Buffer.from(buf.subarray(off, off + size)), mode });
    off += Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}

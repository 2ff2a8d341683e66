/**
 * Test images made from this machine's binaries, so tests need no registry
 * on the internet: `busybox` (busybox-static with every applet as a link,
 * `sh` as its command, like Docker Hub's) and `nginx` (Debian's nginx with
 * the libraries ldd lists, on top of the busybox layer so probes and exec
 * have a shell; it serves /usr/share/nginx/html on port 80 and stops on
 * SIGQUIT like the official image).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { buildOciArchive, type BuiltImage } from '../../src/kubelet/images/oci.js';
import type { TarEntry } from '../../src/kubelet/images/tar.js';

const BUSYBOX = '/bin/busybox';
const NGINX = '/usr/sbin/nginx';

const text = (path: string, s: string, mode = 0o644): TarEntry => ({ type: 'file', path, data: Buffer.from(s), mode });

/** Parent directories of each path, each listed once, before their children. */
function withParents(entries: TarEntry[]): TarEntry[] {
  const seen = new Set<string>();
  const out: TarEntry[] = [];
  for (const e of entries) {
    const parts = e.path.replace(/^\/+/, '').split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!seen.has(d)) {
        seen.add(d);
        out.push({ type: 'dir', path: d, mode: d === 'tmp' ? 0o1777 : 0o755 });
      }
    }
    if (e.type === 'dir') {
      if (seen.has(e.path)) continue;
      seen.add(e.path);
    }
    out.push(e);
  }
  return out;
}

export function busyboxLayer(): TarEntry[] {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install busybox-static (scripts/setup.sh)`);
  const applets = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const entries: TarEntry[] = [
    { type: 'dir', path: 'bin' },
    { type: 'file', path: 'bin/busybox', data: readFileSync(BUSYBOX), mode: 0o755 },
  ];
  for (const a of applets) {
    if (a === 'bin/busybox') continue;
    entries.push({ type: 'symlink', path: a, target: '/bin/busybox' });
  }
  entries.push(
    text('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'),
    text('etc/group', 'root:x:0:\nnogroup:x:65534:\n'),
    text('etc/hostname', 'busybox\n'),
    { type: 'dir', path: 'root', mode: 0o700 },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'dir', path: 'proc' },
    { type: 'dir', path: 'sys' },
    { type: 'dir', path: 'dev' },
    { type: 'dir', path: 'var/run' },
  );
  return withParents(entries);
}

function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s*\(/.exec(line);
    if (m) libs.push(m[1]);
  }
  return libs;
}

const NGINX_CONF = `user nobody nogroup;
worker_processes 1;
error_log stderr notice;
pid /run/nginx.pid;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log /dev/stdout;
  sendfile on;
  server {
    listen 80 default_server;
    server_name _;
    root /usr/share/nginx/html;
    index index.html;
  }
}
`;

export function nginxLayer(): TarEntry[] {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: install nginx (scripts/setup.sh)`);
  const entries: TarEntry[] = [{ type: 'file', path: 'usr/sbin/nginx', data: readFileSync(NGINX), mode: 0o755 }];
  for (const lib of sharedLibraries(NGINX)) {
    // Debian's /lib is a link to /usr/lib; store the library under the path the loader asks for.
    entries.push({ type: 'file', path: lib.replace(/^\//, ''), data: readFileSync(realpathSync(lib)), mode: 0o755 });
  }
  const mime = existsSync('/etc/nginx/mime.types') ? readFileSync('/etc/nginx/mime.types', 'utf8') : 'types { text/html html; }\n';
  entries.push(
    text('etc/nginx/nginx.conf', NGINX_CONF),
    text('etc/nginx/mime.types', mime),
    text('usr/share/nginx/html/index.html', '<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>\n'),
    { type: 'dir', path: 'var/log/nginx' },
    { type: 'dir', path: 'var/lib/nginx' },
    { type: 'dir', path: 'run' },
  );
  return withParents(entries);
}

export interface TestImage {
  /** Repository path in the registry and in docker.io (`library/busybox`). */
  repository: string;
  tag: string;
  image: BuiltImage;
}

export function buildTestImages(): TestImage[] {
  const bb = busyboxLayer();
  return [
    {
      repository: 'library/busybox',
      tag: 'latest',
      image: buildOciArchive({ ref: 'docker.io/library/busybox:latest', layers: [bb], config: { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] } }),
    },
    {
      repository: 'library/nginx',
      tag: 'latest',
      image: buildOciArchive({
        ref: 'docker.io/library/nginx:latest',
        layers: [bb, nginxLayer()],
        config: {
          Cmd: ['nginx', '-g', 'daemon off;'],
          Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
          ExposedPorts: { '80/tcp': {} },
          StopSignal: 'SIGQUIT',
        },
      }),
    },
  ];
}

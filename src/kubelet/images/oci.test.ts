import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { buildOciArchive } from './oci.js';
import { readTar, writeTar, type TarEntry } from './tar.js';

it('tar round-trips files, dirs, links and long paths', () => {
  const long = `${'d'.repeat(120)}/${'f'.repeat(90)}`;
  const entries: TarEntry[] = [
    { type: 'dir', path: 'bin', mode: 0o755 },
    { type: 'file', path: 'bin/busybox', data: Buffer.from('elf'), mode: 0o755 },
    { type: 'symlink', path: 'bin/sh', target: '/bin/busybox' },
    { type: 'file', path: long, data: Buffer.alloc(1000, 7), mode: 0o644 },
  ];
  const tar = writeTar(entries);
  assert.equal(tar.length % 512, 0);
  assert.deepEqual(readTar(tar), entries);
  assert.deepEqual(writeTar(entries), tar, 'reproducible');
});

it('builds an OCI archive whose digests and diff ids check out', () => {
  const built = buildOciArchive({ ref: 'skiff.local/t:1', layers: [[{ type: 'file', path: 'hello', data: Buffer.from('hi'), mode: 0o644 }]], config: { Cmd: ['/hello'] } });
  const files = new Map(readTar(built.archive).flatMap((e) => (e.type === 'file' ? [[e.path, e.data] as const] : [])));
  const index = JSON.parse(files.get('index.json')!.toString());
  assert.equal(index.manifests[0].annotations['io.containerd.image.name'], 'skiff.local/t:1');
  assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], '1');
  const blob = (d: string) => files.get(`blobs/sha256/${d.slice(7)}`)!;
  const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
  assert.equal(index.manifests[0].digest, built.manifestDigest);
  const manifest = JSON.parse(blob(built.manifestDigest).toString());
  assert.equal(sha(blob(built.manifestDigest)), built.manifestDigest);
  assert.equal(manifest.config.digest, built.configDigest);
  const config = JSON.parse(blob(built.configDigest).toString());
  const layer = blob(manifest.layers[0].digest);
  assert.equal(sha(layer), manifest.layers[0].digest);
  assert.equal(config.rootfs.diff_ids[0], sha(gunzipSync(layer)));
  assert.deepEqual(config.config.Cmd, ['/hello']);
});

/**
 * Builds single-platform (linux/amd64 or the host's) OCI image archives
 * from file trees, without any registry or daemon: gzip'd layers, an image
 * config, a manifest and an index, laid out as an OCI image layout inside
 * one tar. containerd (`ctr images import`) and skopeo (`oci-archive:`)
 * both read it; the image's name travels in the index annotations.
 */
import { createHash } from 'node:crypto';
import { arch } from 'node:os';
import { gzipSync } from 'node:zlib';
import { writeTar, type TarEntry } from './tar.js';

export interface ImageConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  StopSignal?: string;
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
}

export interface ImageBuild {
  /** Full reference, e.g. `skiff.local/pause:3.9` or `docker.io/library/busybox:latest`. */
  ref: string;
  /** One entry list per layer, bottom first. */
  layers: TarEntry[][];
  config: ImageConfig;
}

export interface BuiltImage {
  archive: Buffer;
  /** Digest of the manifest (what a registry or containerd reports as the image's digest). */
  manifestDigest: string;
  /** Digest of the config (containerd's and the CRI's image id). */
  configDigest: string;
}

const sha256 = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export function ociArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a === 'arm64' ? 'arm64' : a;
}

export function buildOciArchive(img: ImageBuild): BuiltImage {
  const blobs = new Map<string, Buffer>();
  const put = (b: Buffer): string => {
    const d = sha256(b);
    blobs.set(d, b);
    return d;
  };
  const layerDescs: { mediaType: string; digest: string; size: number }[] = [];
  const diffIds: string[] = [];
  for (const entries of img.layers) {
    const tar = writeTar(entries);
    diffIds.push(sha256(tar));
    // mtime 0 in the gzip header keeps digests stable across builds.
    const gz = gzipSync(tar, { level: 6 });
    layerDescs.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: put(gz), size: gz.length });
  }
  const config = Buffer.from(
    JSON.stringify({
      created: '2000-01-01T00:00:00Z',
      architecture: ociArch(),
      os: 'linux',
      config: img.config,
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: img.layers.map(() => ({ created: '2000-01-01T00:00:00Z', created_by: 'skiff image builder' })),
    }),
  );
  const configDigest = put(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: layerDescs,
    }),
  );
  const manifestDigest = put(manifest);
  const tag = img.ref.includes('@') ? '' : (img.ref.match(/:([^/:]+)$/)?.[1] ?? 'latest');
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: manifestDigest,
        size: manifest.length,
        platform: { architecture: ociArch(), os: 'linux' },
        annotations: {
          'io.containerd.image.name': img.ref,
          'org.opencontainers.image.ref.name': tag,
        },
      },
    ],
  };
  const entries: TarEntry[] = [
    { type: 'file', path: 'oci-layout', data: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) },
    { type: 'file', path: 'index.json', data: Buffer.from(JSON.stringify(index)) },
    { type: 'dir', path: 'blobs' },
    { type: 'dir', path: 'blobs/sha256' },
  ];
  for (const [d, b] of blobs) entries.push({ type: 'file', path: `blobs/sha256/${d.slice('sha256:'.length)}`, data: b });
  return { archive: writeTar(entries), manifestDigest, configDigest };
}

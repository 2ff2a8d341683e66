/**
 * Pod volumes as host paths, bind-mounted into containers by the runtime.
 * emptyDir is a directory under `<data-dir>/agent/pods/<uid>/volumes`
 * (a tmpfs for medium Memory); hostPath is checked against its type;
 * persistentVolumeClaim resolves through its bound PersistentVolume to a
 * host path. The file-projecting kinds (configMap, secret, downwardAPI,
 * projected) are written the kubelet's way so that updates are atomic for
 * readers: the files live in a timestamped `..<time>` directory, `..data`
 * links to the current one, and each top-level name is a link through
 * `..data`; an update writes a new directory and swaps `..data` with one
 * rename. Setting up is idempotent, so the pod worker calls it again to
 * refresh the projections when their sources change.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { Container, DownwardAPIVolumeFile, KeyToPath, Pod, Volume } from 'kubernetes-types/core/v1.js';
import { tryParseQuantity } from '../api/validation/quantity.js';
import type { Mount } from '../cri/index.js';

export interface VolumeSources {
  /** A config map's files: its data and binaryData keys, as bytes. */
  configMap(name: string): Record<string, Buffer> | undefined;
  /** A secret's files: its values decoded, as bytes (keystores and the like are binary). */
  secret(name: string): Record<string, Buffer> | undefined;
  /** A downward-API field path (metadata.labels, metadata.name...). */
  field(path: string): string | undefined;
  /** A downward-API resource field (limits.cpu...) of a container. */
  resource?(container: string, resource: string, divisor?: string): string | undefined;
  /** The host path behind a claim: its bound PersistentVolume's hostPath/local path, or why there is none. */
  claim?(name: string): { path: string; type?: string } | { error: string };
  /** Something set up only in part (serviceAccountToken projections). */
  warn?(message: string): void;
}

export class VolumeError extends Error {}

/** Volume kinds whose content follows their sources and is refreshed. */
export function isProjection(v: Volume): boolean {
  return !!(v.configMap || v.secret || v.downwardAPI || v.projected);
}

export function podDir(dataDir: string, uid: string): string {
  return join(dataDir, 'agent', 'pods', uid);
}

type Payload = Map<string, { data: Buffer; mode: number }>;

const cleanPath = (p: string) => normalize(p).replace(/^(\.\.(\/|$))+/, '').replace(/^\/+/, '');

function addItems(out: Payload, data: Record<string, Buffer>, items: KeyToPath[] | undefined, mode: number, what: string, optional: boolean): void {
  if (items?.length) {
    for (const it of items) {
      if (!(it.key in data)) {
        if (optional) continue;
        throw new VolumeError(`${what}: key ${JSON.stringify(it.key)} not found`);
      }
      out.set(cleanPath(it.path), { data: data[it.key], mode: it.mode ?? mode });
    }
  } else for (const [k, v] of Object.entries(data)) out.set(cleanPath(k), { data: v, mode });
}

function addDownward(out: Payload, items: DownwardAPIVolumeFile[] | undefined, src: VolumeSources, mode: number): void {
  for (const it of items ?? []) {
    let value: string | undefined;
    if (it.fieldRef) value = src.field(it.fieldRef.fieldPath);
    else if (it.resourceFieldRef) {
      const r = it.resourceFieldRef;
      value = src.resource?.(r.containerName ?? '', r.resource, r.divisor as string | undefined);
    }
    out.set(cleanPath(it.path), { data: Buffer.from(value ?? '', 'utf8'), mode: it.mode ?? mode });
  }
}

function sourceData(kind: 'configmap' | 'secret', name: string, optional: boolean | undefined, src: VolumeSources): Record<string, Buffer> {
  const data = kind === 'configmap' ? src.configMap(name) : src.secret(name);
  if (!data && !optional) throw new VolumeError(`${kind} ${JSON.stringify(name)} not found`);
  return data ?? {};
}

function payloadOf(vol: Volume, src: VolumeSources): Payload {
  const out: Payload = new Map();
  if (vol.configMap) {
    const cm = vol.configMap;
    addItems(out, sourceData('configmap', cm.name!, cm.optional, src), cm.items, cm.defaultMode ?? 0o644, `configmap ${cm.name}`, !!cm.optional);
  } else if (vol.secret) {
    const s = vol.secret;
    addItems(out, sourceData('secret', s.secretName!, s.optional, src), s.items, s.defaultMode ?? 0o644, `secret ${s.secretName}`, !!s.optional);
  } else if (vol.downwardAPI) {
    addDownward(out, vol.downwardAPI.items, src, vol.downwardAPI.defaultMode ?? 0o644);
  } else if (vol.projected) {
    const mode = vol.projected.defaultMode ?? 0o644;
    for (const s of vol.projected.sources ?? []) {
      if (s.configMap) addItems(out, sourceData('configmap', s.configMap.name!, s.configMap.optional, src), s.configMap.items, mode, `configmap ${s.configMap.name}`, !!s.configMap.optional);
      else if (s.secret) addItems(out, sourceData('secret', s.secret.name!, s.secret.optional, src), s.secret.items, mode, `secret ${s.secret.name}`, !!s.secret.optional);
      else if (s.downwardAPI) addDownward(out, s.downwardAPI.items, src, mode);
      else if (s.serviceAccountToken) {
        // No TokenRequest API yet: the token file is left out rather than faked.
        src.warn?.(`volume ${vol.name}: serviceAccountToken projection ${s.serviceAccountToken.path} skipped (TokenRequest is not available)`);
      }
    }
  }
  return out;
}

function walk(dir: string, prefix = ''): Payload {
  const out: Payload = new Map();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of walk(join(dir, e.name), rel)) out.set(k, v);
    else out.set(rel, { data: readFileSync(join(dir, e.name)), mode: statSync(join(dir, e.name)).mode & 0o7777 });
  }
  return out;
}

function samePayload(dir: string, payload: Payload): boolean {
  let current: Payload;
  try {
    current = walk(dir);
  } catch {
    return false;
  }
  if (current.size !== payload.size) return false;
  for (const [k, v] of payload) {
    const c = current.get(k);
    if (!c || !c.data.equals(v.data) || c.mode !== (v.mode & 0o7777)) return false;
  }
  return true;
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '');

/**
 * Writes `payload` under `dir` with the `..data` swap; returns whether
 * anything changed. Readers see either the old set of files or the new one.
 */
export function writeAtomic(dir: string, payload: Payload): boolean {
  mkdirSync(dir, { recursive: true });
  const dataLink = join(dir, '..data');
  let current: string | undefined;
  try {
    current = readlinkSync(dataLink);
  } catch {
    current = undefined;
  }
  if (current && samePayload(join(dir, current), payload)) return false;
  const next = mkdtempSync(join(dir, `..${stamp()}.`));
  for (const [path, { data, mode }] of payload) {
    const file = join(next, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, data);
    chmodSync(file, mode);
  }
  chmodSync(next, 0o755);
  const tmp = join(dir, '..data_tmp');
  rmSync(tmp, { force: true });
  symlinkSync(next.slice(dir.length + 1), tmp);
  renameSync(tmp, dataLink);
  const tops = new Set([...payload.keys()].map((p) => p.split('/')[0]));
  for (const top of tops) {
    const link = join(dir, top);
    let exists = false;
    try {
      lstatSync(link);
      exists = true;
    } catch {
      // new name
    }
    if (!exists) symlinkSync(join('..data', top), link);
  }
  for (const e of readdirSync(dir)) {
    if (e.startsWith('..') || tops.has(e)) continue;
    // A name the new payload no longer has.
    unlinkSync(join(dir, e));
  }
  if (current) rmSync(join(dir, current), { recursive: true, force: true });
  return true;
}

function mountPoints(): string[] {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4])
      .filter((p): p is string => !!p)
      .map((p) => p.replace(/\\040/g, ' '));
  } catch {
    return [];
  }
}

function checkHostPath(p: string, type: string): void {
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(p);
  } catch {
    st = undefined;
  }
  const fail = (what: string) => {
    throw new VolumeError(`hostPath type check failed: ${p} is not ${what}`);
  };
  switch (type) {
    case 'DirectoryOrCreate':
      if (!st) mkdirSync(p, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) fail('a directory');
      return;
    case 'FileOrCreate':
      if (!st) {
        // Like the kubelet, the parent directory is not created.
        if (!existsSync(dirname(p))) throw new VolumeError(`hostPath type check failed: parent directory of ${p} does not exist`);
        writeFileSync(p, '', { mode: 0o644 });
      } else if (!st.isFile()) fail('a file');
      return;
    case 'Directory':
      if (!st?.isDirectory()) fail('a directory');
      return;
    case 'File':
      if (!st?.isFile()) fail('a file');
      return;
    case 'Socket':
      if (!st?.isSocket()) fail('a socket file');
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) fail('a character device');
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) fail('a block device');
      return;
    default:
      return;
  }
}

function emptyDir(vol: Volume, dir: string): string {
  mkdirSync(dir, { recursive: true });
  if (vol.emptyDir?.medium === 'Memory' && !mountPoints().includes(dir)) {
    const size = vol.emptyDir.sizeLimit !== undefined ? tryParseQuantity(vol.emptyDir.sizeLimit as string) : undefined;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `mode=0777${size ? `,size=${Math.round(size)}` : ''}`, 'tmpfs', dir], { stdio: 'ignore' });
    } catch {
      // Not allowed to mount here (no CAP_SYS_ADMIN): a plain directory still works, only not in memory.
    }
  }
  chmodSync(dir, 0o777);
  return dir;
}

function materialize(vol: Volume, dir: string, src: VolumeSources): string {
  if (vol.hostPath) {
    checkHostPath(vol.hostPath.path, vol.hostPath.type ?? '');
    return vol.hostPath.path;
  }
  if (vol.persistentVolumeClaim) {
    const got = src.claim?.(vol.persistentVolumeClaim.claimName);
    if (!got) throw new VolumeError(`persistentvolumeclaim ${JSON.stringify(vol.persistentVolumeClaim.claimName)} cannot be resolved`);
    if ('error' in got) throw new VolumeError(got.error);
    checkHostPath(got.path, got.type ?? '');
    return got.path;
  }
  if (isProjection(vol)) {
    writeAtomic(dir, payloadOf(vol, src));
    return dir;
  }
  // emptyDir, and kinds this node cannot provide, which get an empty directory.
  return emptyDir(vol, dir);
}

/**
 * Prepares the pod's volumes (or, with `only`, some of them) and returns
 * host paths by volume name. Safe to call again: content of emptyDirs is
 * kept and projections are rewritten only when they changed.
 */
export function setUpVolumes(dataDir: string, pod: Pod, src: VolumeSources, only?: (v: Volume) => boolean): Map<string, string> {
  const base = join(podDir(dataDir, pod.metadata!.uid!), 'volumes');
  const out = new Map<string, string>();
  for (const v of pod.spec?.volumes ?? []) {
    if (only && !only(v)) continue;
    try {
      out.set(v.name, materialize(v, join(base, v.name), src));
    } catch (err) {
      if (err instanceof VolumeError) throw new VolumeError(`volume ${JSON.stringify(v.name)}: ${err.message}`);
      throw err;
    }
  }
  return out;
}

export function containerMounts(c: Container, volumes: Map<string, string>, readOnlyVolumes: Set<string> = new Set()): Mount[] {
  const mounts: Mount[] = [];
  for (const vm of c.volumeMounts ?? []) {
    const host = volumes.get(vm.name);
    if (!host) throw new VolumeError(`volume ${JSON.stringify(vm.name)} not found`);
    let hostPath = host;
    if (vm.subPath) {
      hostPath = join(host, cleanPath(vm.subPath));
      if (!existsSync(hostPath)) mkdirSync(hostPath, { recursive: true });
    }
    mounts.push({
      containerPath: vm.mountPath,
      hostPath,
      readonly: !!vm.readOnly || readOnlyVolumes.has(vm.name),
      propagation:
        vm.mountPropagation === 'Bidirectional' ? 'PROPAGATION_BIDIRECTIONAL' : vm.mountPropagation === 'HostToContainer' ? 'PROPAGATION_HOST_TO_CONTAINER' : 'PROPAGATION_PRIVATE',
    });
  }
  return mounts;
}

/** Unmounts what the pod's directory holds (memory emptyDirs), deepest first, then removes it. */
export function removePodDir(dataDir: string, uid: string): void {
  const dir = podDir(dataDir, uid);
  const inside = mountPoints()
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of inside) {
    try {
      execFileSync('umount', [m], { stdio: 'ignore' });
    } catch {
      try {
        execFileSync('umount', ['-l', m], { stdio: 'ignore' });
      } catch {
        // left for killall, which unmounts everything under the data dir
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

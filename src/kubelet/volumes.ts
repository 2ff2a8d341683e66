/**
 * Pod volumes as host directories under `<data-dir>/agent/pods/<uid>/volumes`,
 * bind-mounted into containers by the runtime: emptyDir, hostPath, and the
 * file-projecting kinds (configMap, secret, downwardAPI, projected) written
 * as files. They are removed with the pod.
 */
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { Container, KeyToPath, Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { Mount } from '../cri/index.js';

export interface VolumeSources {
  configMap(name: string): Record<string, string> | undefined;
  /** Secret data, already base64-decoded. */
  secret(name: string): Record<string, string> | undefined;
  field(path: string): string | undefined;
  serviceAccountToken?(audience: string | undefined, expirationSeconds: number | undefined): Promise<string | undefined>;
  /** The cluster CA for kube-root-ca.crt style projections when the configmap is missing. */
}

export class VolumeError extends Error {}

export function podDir(dataDir: string, uid: string): string {
  return join(dataDir, 'agent', 'pods', uid);
}

function writeItems(dir: string, data: Record<string, string>, items: KeyToPath[] | undefined, mode: number, what: string, optional: boolean): void {
  const entries: [string, string, number][] = [];
  if (items?.length) {
    for (const it of items) {
      if (!(it.key in data)) {
        if (optional) continue;
        throw new VolumeError(`${what}: key ${it.key} not found`);
      }
      entries.push([it.path, data[it.key], it.mode ?? mode]);
    }
  } else for (const [k, v] of Object.entries(data)) entries.push([k, v, mode]);
  for (const [path, value, m] of entries) {
    const file = join(dir, normalize(path).replace(/^(\.\.(\/|$))+/, ''));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, value);
    chmodSync(file, m);
  }
}

function downward(dir: string, items: { path: string; fieldRef?: { fieldPath: string } }[] | undefined, src: VolumeSources, mode: number): void {
  for (const it of items ?? []) {
    if (!it.fieldRef) continue;
    const file = join(dir, it.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, src.field(it.fieldRef.fieldPath) ?? '');
    chmodSync(file, mode);
  }
}

async function materialize(vol: Volume, dir: string, src: VolumeSources): Promise<string> {
  if (vol.hostPath) {
    const p = vol.hostPath.path;
    const type = vol.hostPath.type ?? '';
    if (type === 'DirectoryOrCreate' && !existsSync(p)) mkdirSync(p, { recursive: true, mode: 0o755 });
    else if (type === 'FileOrCreate' && !existsSync(p)) {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, '');
    } else if ((type === 'Directory' || type === 'File' || type === 'Socket' || type === 'CharDevice' || type === 'BlockDevice') && !existsSync(p)) {
      throw new VolumeError(`hostPath type check failed: ${p} is not a ${type}`);
    }
    return p;
  }
  mkdirSync(dir, { recursive: true });
  if (vol.configMap) {
    const data = src.configMap(vol.configMap.name!);
    if (!data && !vol.configMap.optional) throw new VolumeError(`configmap "${vol.configMap.name}" not found`);
    writeItems(dir, data ?? {}, vol.configMap.items, vol.configMap.defaultMode ?? 0o644, `configmap ${vol.configMap.name}`, !!vol.configMap.optional);
  } else if (vol.secret) {
    const data = src.secret(vol.secret.secretName!);
    if (!data && !vol.secret.optional) throw new VolumeError(`secret "${vol.secret.secretName}" not found`);
    writeItems(dir, data ?? {}, vol.secret.items, vol.secret.defaultMode ?? 0o644, `secret ${vol.secret.secretName}`, !!vol.secret.optional);
  } else if (vol.downwardAPI) {
    downward(dir, vol.downwardAPI.items, src, vol.downwardAPI.defaultMode ?? 0o644);
  } else if (vol.projected) {
    const mode = vol.projected.defaultMode ?? 0o644;
    for (const s of vol.projected.sources ?? []) {
      if (s.configMap) {
        const data = src.configMap(s.configMap.name!);
        if (!data && !s.configMap.optional) throw new VolumeError(`configmap "${s.configMap.name}" not found`);
        writeItems(dir, data ?? {}, s.configMap.items, mode, `configmap ${s.configMap.name}`, !!s.configMap.optional);
      } else if (s.secret) {
        const data = src.secret(s.secret.name!);
        if (!data && !s.secret.optional) throw new VolumeError(`secret "${s.secret.name}" not found`);
        writeItems(dir, data ?? {}, s.secret.items, mode, `secret ${s.secret.name}`, !!s.secret.optional);
      } else if (s.downwardAPI) downward(dir, s.downwardAPI.items, src, mode);
      else if (s.serviceAccountToken) {
        const token = (await src.serviceAccountToken?.(s.serviceAccountToken.audience, s.serviceAccountToken.expirationSeconds)) ?? '';
        writeFileSync(join(dir, s.serviceAccountToken.path), token, { mode: 0o600 });
      }
    }
  }
  // emptyDir and kinds without a file source are plain directories.
  return dir;
}

/** Prepares every volume of the pod; returns host paths by volume name. */
export async function setUpVolumes(dataDir: string, pod: Pod, src: VolumeSources): Promise<Map<string, string>> {
  const base = join(podDir(dataDir, pod.metadata!.uid!), 'volumes');
  const out = new Map<string, string>();
  for (const v of pod.spec?.volumes ?? []) out.set(v.name, await materialize(v, join(base, v.name), src));
  return out;
}

export function containerMounts(c: Container, volumes: Map<string, string>): Mount[] {
  const mounts: Mount[] = [];
  for (const vm of c.volumeMounts ?? []) {
    const host = volumes.get(vm.name);
    if (!host) throw new VolumeError(`volume "${vm.name}" not found`);
    let hostPath = host;
    if (vm.subPath) {
      hostPath = join(host, normalize(vm.subPath).replace(/^(\.\.(\/|$))+/, ''));
      if (!existsSync(hostPath)) mkdirSync(hostPath, { recursive: true });
    }
    mounts.push({
      containerPath: vm.mountPath,
      hostPath,
      readonly: !!vm.readOnly,
      propagation:
        vm.mountPropagation === 'Bidirectional' ? 'PROPAGATION_BIDIRECTIONAL' : vm.mountPropagation === 'HostToContainer' ? 'PROPAGATION_HOST_TO_CONTAINER' : 'PROPAGATION_PRIVATE',
    });
  }
  return mounts;
}

export function removePodDir(dataDir: string, uid: string): void {
  rmSync(podDir(dataDir, uid), { recursive: true, force: true });
}

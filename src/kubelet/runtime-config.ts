/**
 * Translation of a Pod into CRI requests: the sandbox (hostname, DNS, host
 * ports, namespaces, log directory) and each container (command and args,
 * environment with $(VAR) expansion and downward-API fields, mounts,
 * resources, security context). The labels written here are how the agent
 * finds a pod's sandboxes and containers again after a restart.
 */
import type { Container, EnvVar, Pod } from 'kubernetes-types/core/v1.js';
import { tryParseQuantity } from '../api/validation/quantity.js';
import type { ContainerConfig, KeyValue, Mount, PodSandboxConfig, PortMapping } from '../cri/index.js';

export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
/** Marks containers made by skiff (the CRI may hold others). */
export const LABEL_MANAGED = 'io.skiff.managed';
export const ANNOTATION_INIT = 'io.skiff.container.init';
export const ANNOTATION_IMAGE = 'io.skiff.container.image';

export interface SandboxContext {
  /** Pod log directory: `<data-dir>/agent/pod-logs/<ns>_<name>_<uid>`. */
  logDirectory: string;
  clusterDNS?: string;
  clusterDomain: string;
  attempt: number;
}

export function podLabels(pod: Pod): Record<string, string> {
  return {
    ...(pod.metadata?.labels ?? {}),
    [LABEL_POD_NAME]: pod.metadata!.name!,
    [LABEL_POD_NAMESPACE]: pod.metadata!.namespace!,
    [LABEL_POD_UID]: pod.metadata!.uid!,
    [LABEL_MANAGED]: 'true',
  };
}

function hostResolv(): undefined {
  // An empty dnsConfig makes containerd copy the host's /etc/resolv.conf.
  return undefined;
}

export function sandboxConfig(pod: Pod, ctx: SandboxContext): PodSandboxConfig {
  const spec = pod.spec!;
  const hostNetwork = !!spec.hostNetwork;
  const portMappings: PortMapping[] = [];
  for (const c of spec.containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      portMappings.push({
        protocol: (p.protocol ?? 'TCP') as PortMapping['protocol'],
        containerPort: p.containerPort,
        hostPort: p.hostPort,
        hostIp: p.hostIP ?? '',
      });
    }
  }
  let dnsConfig: PodSandboxConfig['dnsConfig'] = hostResolv();
  const policy = spec.dnsPolicy ?? 'ClusterFirst';
  const ns = pod.metadata!.namespace!;
  if (policy === 'None') dnsConfig = { servers: [], searches: [], options: [] };
  else if ((policy === 'ClusterFirst' && !hostNetwork) || policy === 'ClusterFirstWithHostNet') {
    if (ctx.clusterDNS) {
      const d = ctx.clusterDomain;
      dnsConfig = { servers: [ctx.clusterDNS], searches: [`${ns}.svc.${d}`, `svc.${d}`, d], options: ['ndots:5'] };
    }
  }
  if (spec.dnsConfig) {
    dnsConfig = {
      servers: [...(dnsConfig?.servers ?? []), ...(spec.dnsConfig.nameservers ?? [])],
      searches: [...(dnsConfig?.searches ?? []), ...(spec.dnsConfig.searches ?? [])],
      options: [
        ...(dnsConfig?.options ?? []),
        ...(spec.dnsConfig.options ?? []).map((o) => (o.value !== undefined ? `${o.name}:${o.value}` : o.name!)),
      ],
    };
  }
  const hostname = (spec.hostname ?? pod.metadata!.name!).slice(0, 63);
  return {
    metadata: { name: pod.metadata!.name!, uid: pod.metadata!.uid!, namespace: ns, attempt: ctx.attempt },
    hostname: hostNetwork ? '' : spec.subdomain ? hostname : hostname,
    logDirectory: ctx.logDirectory,
    dnsConfig,
    portMappings,
    labels: podLabels(pod),
    annotations: { ...(pod.metadata?.annotations ?? {}) },
    linux: {
      securityContext: {
        namespaceOptions: {
          network: hostNetwork ? 'NODE' : 'POD',
          pid: spec.hostPID ? 'NODE' : spec.shareProcessNamespace ? 'POD' : 'CONTAINER',
          ipc: spec.hostIPC ? 'NODE' : 'POD',
        },
        ...(spec.securityContext?.runAsUser !== undefined ? { runAsUser: { value: spec.securityContext.runAsUser } } : {}),
        ...(spec.securityContext?.runAsGroup !== undefined ? { runAsGroup: { value: spec.securityContext.runAsGroup } } : {}),
        supplementalGroups: spec.securityContext?.supplementalGroups ?? [],
        privileged: [...spec.containers, ...(spec.initContainers ?? [])].some((c) => c.securityContext?.privileged),
      },
      sysctls: Object.fromEntries((spec.securityContext?.sysctls ?? []).map((s) => [s.name, s.value])),
    },
  };
}

/** `$(VAR)` expansion as Kubernetes does it: `$$` escapes, unknown references stay as written. */
export function expandVars(s: string, vars: Map<string, string>): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '$' || i + 1 >= s.length) {
      out += s[i];
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const end = s.indexOf(')', i + 2);
      if (end < 0) {
        out += s.slice(i);
        break;
      }
      const name = s.slice(i + 2, end);
      out += vars.has(name) ? vars.get(name) : s.slice(i, end + 1);
      i = end;
    } else out += '$';
  }
  return out;
}

export interface EnvSources {
  /** Resolves a field path of the downward API (metadata.name, status.podIP...). */
  field(path: string): string | undefined;
  /** Resolves `limits.cpu` etc. of a container. */
  resource?(container: string, resource: string, divisor?: string): string | undefined;
  configMap(name: string): Record<string, string> | undefined;
  secret(name: string): Record<string, string> | undefined;
}

export class EnvError extends Error {}

/** What a container may use when it sets no limit: the node's allocatable. */
export interface NodeAllocatable {
  cpu: number;
  memory: number;
  ephemeralStorage: number;
}

/**
 * A downward-API resource field (`limits.cpu`, `requests.memory`...) of a
 * container, in units of `divisor`, rounded up; limits that are not set are
 * the node's allocatable, as the kubelet reports them.
 */
export function resourceFieldValue(pod: Pod, containerName: string, resource: string, divisor: string | undefined, node: NodeAllocatable): string | undefined {
  const c = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === containerName);
  if (!c) return undefined;
  const m = /^(limits|requests)\.(cpu|memory|ephemeral-storage)$/.exec(resource) ?? /^(cpu|memory|ephemeral-storage)$/.exec(resource);
  if (!m) return undefined;
  const kind = m.length === 3 ? (m[1] as 'limits' | 'requests') : 'limits';
  const name = m.length === 3 ? m[2] : m[1];
  const set = quantity((kind === 'limits' ? c.resources?.limits : c.resources?.requests)?.[name]);
  const fallback = name === 'cpu' ? node.cpu : name === 'memory' ? node.memory : node.ephemeralStorage;
  const value = set ?? (kind === 'limits' ? fallback : 0);
  const div = quantity(divisor ?? '1') || 1;
  // Rounding up the way the kubelet does, with care for float noise (0.1 / 0.001 = 100.00000000000001).
  return String(Math.ceil(Number((value / div).toFixed(9))));
}

export function resolveEnv(c: Container, src: EnvSources): KeyValue[] {
  const vars = new Map<string, string>();
  for (const ef of c.envFrom ?? []) {
    const prefix = ef.prefix ?? '';
    const data = ef.configMapRef ? src.configMap(ef.configMapRef.name!) : ef.secretRef ? src.secret(ef.secretRef.name!) : undefined;
    const optional = ef.configMapRef?.optional ?? ef.secretRef?.optional ?? false;
    if (!data) {
      if (optional) continue;
      const what = ef.configMapRef ? `configmap "${ef.configMapRef.name}"` : `secret "${ef.secretRef?.name}"`;
      throw new EnvError(`${what} not found`);
    }
    for (const [k, v] of Object.entries(data)) vars.set(prefix + k, v);
  }
  for (const e of c.env ?? []) vars.set(e.name, envValue(e, c, src, vars));
  return [...vars].map(([key, value]) => ({ key, value }));
}

function envValue(e: EnvVar, c: Container, src: EnvSources, vars: Map<string, string>): string {
  if (e.value !== undefined) return expandVars(e.value, vars);
  const vf = e.valueFrom;
  if (!vf) return '';
  if (vf.fieldRef) return src.field(vf.fieldRef.fieldPath) ?? '';
  if (vf.resourceFieldRef) return src.resource?.(vf.resourceFieldRef.containerName ?? c.name, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor as string | undefined) ?? '';
  if (vf.configMapKeyRef) {
    const data = src.configMap(vf.configMapKeyRef.name!);
    const v = data?.[vf.configMapKeyRef.key];
    if (v === undefined && !vf.configMapKeyRef.optional) {
      throw new EnvError(data ? `couldn't find key ${vf.configMapKeyRef.key} in ConfigMap ${vf.configMapKeyRef.name}` : `configmap "${vf.configMapKeyRef.name}" not found`);
    }
    return v ?? '';
  }
  if (vf.secretKeyRef) {
    const data = src.secret(vf.secretKeyRef.name!);
    const v = data?.[vf.secretKeyRef.key];
    if (v === undefined && !vf.secretKeyRef.optional) {
      throw new EnvError(data ? `couldn't find key ${vf.secretKeyRef.key} in Secret ${vf.secretKeyRef.name}` : `secret "${vf.secretKeyRef.name}" not found`);
    }
    return v ?? '';
  }
  return '';
}

export interface ContainerContext {
  attempt: number;
  imageRef: string;
  env: KeyValue[];
  mounts: Mount[];
  /** Relative to the sandbox log directory. */
  logPath: string;
  isInit: boolean;
}

const CPU_PERIOD = 100_000;
const quantity = (q: unknown) => (typeof q === 'string' || typeof q === 'number' ? tryParseQuantity(q) : undefined);

export function containerConfig(pod: Pod, c: Container, ctx: ContainerContext): ContainerConfig {
  const vars = new Map(ctx.env.map((kv) => [kv.key, kv.value]));
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const cpuLimit = quantity(limits.cpu);
  const cpuRequest = quantity(requests.cpu ?? limits.cpu);
  const memLimit = quantity(limits.memory);
  const sc = c.securityContext ?? {};
  const psc = pod.spec?.securityContext ?? {};
  const runAsUser = sc.runAsUser ?? psc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? psc.runAsGroup;
  return {
    metadata: { name: c.name, attempt: ctx.attempt },
    image: { image: ctx.imageRef, userSpecifiedImage: c.image ?? '' },
    command: (c.command ?? []).map((s) => expandVars(s, vars)),
    args: (c.args ?? []).map((s) => expandVars(s, vars)),
    workingDir: c.workingDir ?? '',
    envs: ctx.env,
    mounts: ctx.mounts,
    labels: {
      [LABEL_POD_NAME]: pod.metadata!.name!,
      [LABEL_POD_NAMESPACE]: pod.metadata!.namespace!,
      [LABEL_POD_UID]: pod.metadata!.uid!,
      [LABEL_CONTAINER_NAME]: c.name,
      [LABEL_MANAGED]: 'true',
    },
    annotations: {
      [ANNOTATION_IMAGE]: c.image ?? '',
      ...(ctx.isInit ? { [ANNOTATION_INIT]: 'true' } : {}),
      'io.kubernetes.container.restartCount': String(ctx.attempt),
      'io.kubernetes.container.terminationMessagePath': c.terminationMessagePath ?? '/dev/termination-log',
    },
    logPath: ctx.logPath,
    stdin: !!c.stdin,
    stdinOnce: !!c.stdinOnce,
    tty: !!c.tty,
    linux: {
      resources: {
        cpuPeriod: cpuLimit ? CPU_PERIOD : 0,
        cpuQuota: cpuLimit ? Math.max(1000, Math.round(cpuLimit * CPU_PERIOD)) : 0,
        // The kubelet's milli-CPU to shares: 1 CPU = 1024 shares, at least 2.
        cpuShares: cpuRequest ? Math.max(2, Math.round(cpuRequest * 1024)) : 2,
        memoryLimitInBytes: memLimit ? Math.round(memLimit) : 0,
      },
      securityContext: {
        privileged: !!sc.privileged,
        capabilities: {
          addCapabilities: (sc.capabilities?.add ?? []).map((x) => (x.startsWith('CAP_') ? x : `CAP_${x}`)),
          dropCapabilities: (sc.capabilities?.drop ?? []).map((x) => (x.startsWith('CAP_') ? x : `CAP_${x}`)),
        },
        namespaceOptions: {
          network: pod.spec?.hostNetwork ? 'NODE' : 'POD',
          pid: pod.spec?.hostPID ? 'NODE' : pod.spec?.shareProcessNamespace ? 'POD' : 'CONTAINER',
          ipc: pod.spec?.hostIPC ? 'NODE' : 'POD',
        },
        ...(runAsUser !== undefined ? { runAsUser: { value: runAsUser } } : {}),
        ...(runAsGroup !== undefined ? { runAsGroup: { value: runAsGroup } } : {}),
        readonlyRootfs: !!sc.readOnlyRootFilesystem,
        supplementalGroups: psc.supplementalGroups ?? [],
        noNewPrivs: sc.allowPrivilegeEscalation === false,
      },
    },
  };
}

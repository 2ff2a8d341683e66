/**
 * A working subset of ValidatePodSpec / ValidatePodTemplateSpec /
 * ValidatePodUpdate (pkg/apis/core/validation), with Kubernetes' paths and
 * words. Input is already defaulted, so "Required value" on a defaulted field
 * only shows when a client explicitly sent an empty value.
 */
import type { Container, EnvFromSource, EnvVar, LifecycleHandler, PodSpec, PodTemplateSpec, Probe, ResourceRequirements, Toleration, Volume } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { field, type FieldError } from '../errors.js';
import { validateAnnotations, validateLabels } from './meta.js';
import { isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isQualifiedName, isValidPortName, isValidPortNum, portRangeError } from './names.js';
import { quantityFormatError, tryParseQuantity } from './quantity.js';

export const nonNegative = 'must be greater than or equal to 0';
const fileModeError = 'must be a number between 0 and 0777 (octal), both inclusive';
const int32Max = 2147483647;

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const messagePolicies = ['File', 'FallbackToLogsOnError'];
const protocols = ['SCTP', 'TCP', 'UDP'];
const tolerationEffects = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

/** The volume sources this checker knows; a volume must have exactly one. */
const volumeSources = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral',
] as const;

function dnsLabel(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((m) => field.invalid(path, value, m));
}

function nonNegativeInt(v: number | undefined, path: string): FieldError[] {
  return v !== undefined && v < 0 ? [field.invalid(path, v, nonNegative)] : [];
}

export function validateVolumes(volumes: Volume[] | undefined, path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (volumes ?? []).forEach((v, i) => {
    const p = `${path}[${i}]`;
    if (!v.name) errs.push(field.required(`${p}.name`));
    else {
      errs.push(...dnsLabel(v.name, `${p}.name`));
      if (names.has(v.name)) errs.push(field.duplicate(`${p}.name`, v.name));
      names.add(v.name);
    }
    const given = volumeSources.filter((s) => (v as unknown as Record<string, unknown>)[s] != null);
    if (given.length === 0) errs.push(field.required(p, 'must specify a volume type'));
    else if (given.length > 1) errs.push(field.forbidden(`${p}.${given[1]}`, 'may not specify more than 1 volume type'));
    errs.push(...validateVolumeSource(v, p));
  });
  return { errs, names };
}

function validateMode(mode: number | undefined, path: string): FieldError[] {
  return mode !== undefined && (mode < 0 || mode > 0o777) ? [field.invalid(path, mode, fileModeError)] : [];
}

function validateKeyToPaths(items: { key?: string; path?: string; mode?: number }[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (items ?? []).forEach((it, i) => {
    const p = `${path}.items[${i}]`;
    if (!it.key) errs.push(field.required(`${p}.key`));
    if (!it.path) errs.push(field.required(`${p}.path`));
    else errs.push(...validateLocalPath(it.path, `${p}.path`));
    errs.push(...validateMode(it.mode, `${p}.mode`));
  });
  return errs;
}

function validateLocalPath(p: string, path: string): FieldError[] {
  if (p.startsWith('/')) return [field.invalid(path, p, 'must be a relative path')];
  if (p.split('/').includes('..')) return [field.invalid(path, p, "must not contain '..'")];
  return [];
}

function validateVolumeSource(v: Volume, p: string): FieldError[] {
  const errs: FieldError[] = [];
  if (v.configMap) {
    if (!v.configMap.name) errs.push(field.required(`${p}.configMap.name`));
    errs.push(...validateMode(v.configMap.defaultMode, `${p}.configMap.defaultMode`));
    errs.push(...validateKeyToPaths(v.configMap.items, `${p}.configMap`));
  }
  if (v.secret) {
    if (!v.secret.secretName) errs.push(field.required(`${p}.secret.secretName`));
    errs.push(...validateMode(v.secret.defaultMode, `${p}.secret.defaultMode`));
    errs.push(...validateKeyToPaths(v.secret.items, `${p}.secret`));
  }
  if (v.hostPath && !v.hostPath.path) errs.push(field.required(`${p}.hostPath.path`));
  if (v.hostPath?.type) {
    const types = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
    if (!types.includes(v.hostPath.type)) errs.push(field.notSupported(`${p}.hostPath.type`, v.hostPath.type, types.slice(1)));
  }
  if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) errs.push(field.required(`${p}.persistentVolumeClaim.claimName`));
  if (v.emptyDir) {
    if (v.emptyDir.medium && !['Memory', 'HugePages'].includes(v.emptyDir.medium) && !v.emptyDir.medium.startsWith('HugePages-')) {
      errs.push(field.notSupported(`${p}.emptyDir.medium`, v.emptyDir.medium, ['', 'Memory', 'HugePages']));
    }
    if (v.emptyDir.sizeLimit !== undefined) errs.push(...validateQuantity(v.emptyDir.sizeLimit, `${p}.emptyDir.sizeLimit`));
  }
  if (v.nfs) {
    if (!v.nfs.server) errs.push(field.required(`${p}.nfs.server`));
    if (!v.nfs.path) errs.push(field.required(`${p}.nfs.path`));
  }
  if (v.downwardAPI) errs.push(...validateMode(v.downwardAPI.defaultMode, `${p}.downwardAPI.defaultMode`));
  if (v.projected) errs.push(...validateMode(v.projected.defaultMode, `${p}.projected.defaultMode`));
  return errs;
}

function validateQuantity(q: unknown, path: string): FieldError[] {
  if ((typeof q !== 'string' && typeof q !== 'number') || tryParseQuantity(q) === undefined) return [field.invalid(path, q, quantityFormatError)];
  return [];
}

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);

function validateResourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => field.invalid(path, name, m));
  if (errs.length) return errs;
  if (standardContainerResources.has(name) || name.startsWith('hugepages-')) return [];
  if (!name.includes('/') || name.startsWith('kubernetes.io/') || name.includes('.kubernetes.io/')) {
    if (!name.startsWith('requests.')) return [field.invalid(path, name, 'must be a standard resource for containers')];
  }
  return [];
}

/** Resource names, quantities, and requests no larger than limits. */
export function validateResources(res: ResourceRequirements | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const limits = (res?.limits ?? {}) as Record<string, unknown>;
  const requests = (res?.requests ?? {}) as Record<string, unknown>;
  const values = (m: Record<string, unknown>, p: string) => {
    const out: Record<string, number> = {};
    for (const [name, q] of Object.entries(m)) {
      const kp = `${p}[${name}]`;
      errs.push(...validateResourceName(name, kp));
      const bad = validateQuantity(q, kp);
      if (bad.length) {
        errs.push(...bad);
        continue;
      }
      const n = tryParseQuantity(q as string)!;
      if (n < 0) errs.push(field.invalid(kp, String(q), nonNegative));
      else if (name.includes('/') && !name.startsWith('hugepages-') && !Number.isInteger(n)) errs.push(field.invalid(kp, String(q), 'must be an integer'));
      out[name] = n;
    }
    return out;
  };
  const lim = values(limits, `${path}.limits`);
  const req = values(requests, `${path}.requests`);
  for (const [name, r] of Object.entries(req)) {
    if (!(name in lim)) continue;
    const overcommit = standardContainerResources.has(name);
    if (!overcommit && r !== lim[name]) {
      errs.push(field.invalid(`${path}.requests`, String(requests[name]), `must be equal to ${name} limit of ${String(limits[name])}`));
    } else if (r > lim[name]) {
      errs.push(field.invalid(`${path}.requests`, String(requests[name]), `must be less than or equal to ${name} limit of ${String(limits[name])}`));
    }
  }
  return errs;
}

function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port) ? [] : [field.invalid(path, port, portRangeError)];
  if (typeof port === 'string') {
    if (port === '') return [field.required(path)];
    return isValidPortName(port).map((m) => field.invalid(path, port, m));
  }
  return [field.required(path)];
}

function handlerKinds(h: LifecycleHandler | Probe): string[] {
  const kinds = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'];
  return kinds.filter((k) => (h as Record<string, unknown>)[k] != null);
}

function validateHandler(h: LifecycleHandler | Probe, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const kinds = handlerKinds(h);
  if (kinds.length === 0) errs.push(field.required(path, 'must specify a handler type'));
  else if (kinds.length > 1) errs.push(field.forbidden(`${path}.${kinds[1]}`, 'may not specify more than 1 handler type'));
  if (h.exec && !h.exec.command?.length) errs.push(field.required(`${path}.exec.command`));
  if (h.httpGet) {
    errs.push(...validatePortNumOrName(h.httpGet.port, `${path}.httpGet.port`));
    const scheme = h.httpGet.scheme;
    if (scheme !== undefined && scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(field.notSupported(`${path}.httpGet.scheme`, scheme, ['HTTP', 'HTTPS']));
  }
  if (h.tcpSocket) errs.push(...validatePortNumOrName(h.tcpSocket.port, `${path}.tcpSocket.port`));
  if ('grpc' in h && h.grpc && !isValidPortNum(h.grpc.port)) errs.push(field.invalid(`${path}.grpc.port`, h.grpc.port, portRangeError));
  return errs;
}

function validateProbe(p: Probe | undefined, path: string, successMustBeOne: boolean): FieldError[] {
  if (!p) return [];
  const errs = validateHandler(p, path);
  errs.push(...nonNegativeInt(p.initialDelaySeconds, `${path}.initialDelaySeconds`));
  errs.push(...nonNegativeInt(p.timeoutSeconds, `${path}.timeoutSeconds`));
  errs.push(...nonNegativeInt(p.periodSeconds, `${path}.periodSeconds`));
  errs.push(...nonNegativeInt(p.successThreshold, `${path}.successThreshold`));
  errs.push(...nonNegativeInt(p.failureThreshold, `${path}.failureThreshold`));
  if (successMustBeOne && p.successThreshold !== undefined && p.successThreshold !== 1) {
    errs.push(field.invalid(`${path}.successThreshold`, p.successThreshold, 'must be 1'));
  }
  return errs;
}

function validateEnv(env: EnvVar[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (env ?? []).forEach((e, i) => {
    const p = `${path}[${i}]`;
    if (!e.name) errs.push(field.required(`${p}.name`));
    else for (const m of isEnvVarName(e.name)) errs.push(field.invalid(`${p}.name`, e.name, m));
    const vf = e.valueFrom;
    if (!vf) return;
    const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => (vf as Record<string, unknown>)[k] != null);
    if (sources.length === 0) errs.push(field.invalid(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (sources.length > 1) errs.push(field.invalid(`${p}.valueFrom`, '', 'may not have more than one field specified at a time'));
    if (e.value) errs.push(field.invalid(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty'));
    if (vf.fieldRef && !vf.fieldRef.fieldPath) errs.push(field.required(`${p}.valueFrom.fieldRef.fieldPath`));
    if (vf.resourceFieldRef && !vf.resourceFieldRef.resource) errs.push(field.required(`${p}.valueFrom.resourceFieldRef.resource`));
    for (const [k, sel] of [['configMapKeyRef', vf.configMapKeyRef], ['secretKeyRef', vf.secretKeyRef]] as const) {
      if (!sel) continue;
      const sp = `${p}.valueFrom.${k}`;
      if (!sel.name) errs.push(field.required(`${sp}.name`));
      if (!sel.key) errs.push(field.required(`${sp}.key`));
      else for (const m of isConfigMapKey(sel.key)) errs.push(field.invalid(`${sp}.key`, sel.key, m));
    }
  });
  return errs;
}

function validateEnvFrom(envFrom: EnvFromSource[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (envFrom ?? []).forEach((e, i) => {
    const p = `${path}[${i}]`;
    if (e.prefix) for (const m of isEnvVarName(e.prefix)) errs.push(field.invalid(`${p}.prefix`, e.prefix, m));
    const n = (e.configMapRef ? 1 : 0) + (e.secretRef ? 1 : 0);
    if (n === 0) errs.push(field.invalid(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    if (n > 1) errs.push(field.invalid(p, '', 'may not have more than one field specified at a time'));
    if (e.configMapRef && !e.configMapRef.name) errs.push(field.required(`${p}.configMapRef.name`));
    if (e.secretRef && !e.secretRef.name) errs.push(field.required(`${p}.secretRef.name`));
  });
  return errs;
}

interface ContainerRules {
  volumes: Set<string>;
  /** Init containers without restartPolicy Always may not carry probes or lifecycle hooks. */
  plainInit: boolean;
  /** Real pods (not templates) also refuse images with surrounding spaces. */
  forPod: boolean;
}

function validateContainer(c: Container, path: string, rules: ContainerRules): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(field.required(`${path}.name`));
  else errs.push(...dnsLabel(c.name, `${path}.name`));
  if (!c.image) errs.push(field.required(`${path}.image`));
  else if (rules.forPod && c.image.trim() !== c.image) errs.push(field.invalid(`${path}.image`, c.image, 'must not have leading or trailing whitespace'));

  if (c.imagePullPolicy === undefined || c.imagePullPolicy === '') errs.push(field.required(`${path}.imagePullPolicy`));
  else if (!pullPolicies.includes(c.imagePullPolicy)) errs.push(field.notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, pullPolicies));
  if (c.terminationMessagePolicy === undefined || c.terminationMessagePolicy === '') errs.push(field.required(`${path}.terminationMessagePolicy`));
  else if (!messagePolicies.includes(c.terminationMessagePolicy)) errs.push(field.notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, messagePolicies));

  const portNames = new Set<string>();
  (c.ports ?? []).forEach((port, i) => {
    const p = `${path}.ports[${i}]`;
    if (port.name) {
      for (const m of isValidPortName(port.name)) errs.push(field.invalid(`${p}.name`, port.name, m));
      if (portNames.has(port.name)) errs.push(field.duplicate(`${p}.name`, port.name));
      portNames.add(port.name);
    }
    if (port.containerPort === undefined || port.containerPort === 0) errs.push(field.required(`${p}.containerPort`));
    else if (!isValidPortNum(port.containerPort)) errs.push(field.invalid(`${p}.containerPort`, port.containerPort, portRangeError));
    if (port.hostPort !== undefined && port.hostPort !== 0 && !isValidPortNum(port.hostPort)) errs.push(field.invalid(`${p}.hostPort`, port.hostPort, portRangeError));
    if (!port.protocol) errs.push(field.required(`${p}.protocol`));
    else if (!protocols.includes(port.protocol)) errs.push(field.notSupported(`${p}.protocol`, port.protocol, protocols));
  });

  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${path}.envFrom`));

  const mountPaths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const p = `${path}.volumeMounts[${i}]`;
    if (!m.name) errs.push(field.required(`${p}.name`));
    else if (!rules.volumes.has(m.name)) errs.push(field.notFound(`${p}.name`, m.name));
    if (!m.mountPath) errs.push(field.required(`${p}.mountPath`));
    else {
      if (mountPaths.has(m.mountPath)) errs.push(field.invalid(`${p}.mountPath`, m.mountPath, 'must be unique'));
      mountPaths.add(m.mountPath);
    }
    if (m.subPath) errs.push(...validateLocalPath(m.subPath, `${p}.subPath`));
    if (m.subPath && m.subPathExpr) errs.push(field.invalid(`${p}.subPathExpr`, m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
  });

  if (rules.plainInit) {
    for (const k of ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'] as const) {
      if (c[k]) errs.push(field.forbidden(`${path}.${k}`, 'may not be set for init containers without restartPolicy=Always'));
    }
  } else {
    errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`, true));
    errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`, false));
    errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`, true));
    if (c.lifecycle?.postStart) errs.push(...validateHandler(c.lifecycle.postStart, `${path}.lifecycle.postStart`));
    if (c.lifecycle?.preStop) errs.push(...validateHandler(c.lifecycle.preStop, `${path}.lifecycle.preStop`));
  }
  errs.push(...validateResources(c.resources, `${path}.resources`));
  return errs;
}

function validateTolerations(tols: Toleration[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (tols ?? []).forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (t.key) for (const m of isQualifiedName(t.key)) errs.push(field.invalid(`${p}.key`, t.key, m));
    if (!t.key && t.operator !== 'Exists') {
      errs.push(field.invalid(`${p}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      errs.push(field.invalid(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (t.operator ?? '') {
      case '':
      case 'Equal':
        break;
      case 'Exists':
        if (t.value) errs.push(field.invalid(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(field.notSupported(`${p}.operator`, t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !tolerationEffects.includes(t.effect)) errs.push(field.notSupported(`${p}.effect`, t.effect, tolerationEffects));
  });
  return errs;
}

export interface PodSpecRules {
  /** true for a Pod, false inside a pod template. */
  forPod: boolean;
}

export function validatePodSpec(spec: PodSpec | undefined, path: string, rules: PodSpecRules = { forPod: true }): FieldError[] {
  const s: PodSpec = spec ?? ({} as PodSpec);
  const vol = validateVolumes(s.volumes, `${path}.volumes`);
  const errs: FieldError[] = [...vol.errs];

  const names = new Set<string>();
  const checkName = (c: Container, p: string) => {
    if (!c.name) return;
    if (names.has(c.name)) errs.push(field.duplicate(`${p}.name`, c.name));
    names.add(c.name);
  };
  (s.initContainers ?? []).forEach((c, i) => {
    const p = `${path}.initContainers[${i}]`;
    if (c.restartPolicy !== undefined && c.restartPolicy !== 'Always') errs.push(field.notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']));
    errs.push(...validateContainer(c, p, { volumes: vol.names, plainInit: c.restartPolicy !== 'Always', forPod: rules.forPod }));
    checkName(c, p);
  });
  if (!s.containers?.length) errs.push(field.required(`${path}.containers`));
  (s.containers ?? []).forEach((c, i) => {
    const p = `${path}.containers[${i}]`;
    if (c.restartPolicy !== undefined) errs.push(field.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
    errs.push(...validateContainer(c, p, { volumes: vol.names, plainInit: false, forPod: rules.forPod }));
    checkName(c, p);
  });

  if (!s.restartPolicy) errs.push(field.required(`${path}.restartPolicy`));
  else if (!restartPolicies.includes(s.restartPolicy)) errs.push(field.notSupported(`${path}.restartPolicy`, s.restartPolicy, restartPolicies));
  if (!s.dnsPolicy) errs.push(field.required(`${path}.dnsPolicy`));
  else if (!dnsPolicies.includes(s.dnsPolicy)) errs.push(field.notSupported(`${path}.dnsPolicy`, s.dnsPolicy, dnsPolicies));
  if (s.dnsPolicy === 'None' && !s.dnsConfig) errs.push(field.required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));

  errs.push(...validateLabels(s.nodeSelector, `${path}.nodeSelector`));
  if (s.serviceAccountName) for (const m of isDNS1123Subdomain(s.serviceAccountName)) errs.push(field.invalid(`${path}.serviceAccountName`, s.serviceAccountName, m));
  if (s.nodeName) for (const m of isDNS1123Subdomain(s.nodeName)) errs.push(field.invalid(`${path}.nodeName`, s.nodeName, m));
  if (s.hostname) errs.push(...dnsLabel(s.hostname, `${path}.hostname`));
  if (s.subdomain) errs.push(...dnsLabel(s.subdomain, `${path}.subdomain`));
  if (s.activeDeadlineSeconds !== undefined && (s.activeDeadlineSeconds < 1 || s.activeDeadlineSeconds > int32Max)) {
    errs.push(field.invalid(`${path}.activeDeadlineSeconds`, s.activeDeadlineSeconds, `must be between 1 and ${int32Max}, inclusive`));
  }
  errs.push(...validateTolerations(s.tolerations, `${path}.tolerations`));
  const gates = new Set<string>();
  (s.schedulingGates ?? []).forEach((g, i) => {
    const p = `${path}.schedulingGates[${i}].name`;
    for (const m of isQualifiedName(g.name ?? '')) errs.push(field.invalid(p, g.name, m));
    if (gates.has(g.name)) errs.push(field.duplicate(p, g.name));
    gates.add(g.name);
  });
  if (s.schedulingGates?.length && !rules.forPod) {
    // templates may carry gates; only pods that are already bound may not
  } else if (s.schedulingGates?.length && s.nodeName) {
    errs.push(field.forbidden(`${path}.nodeName`, 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

/** A pod template: its labels and annotations, then its spec. */
export function validatePodTemplateSpec(t: PodTemplateSpec | undefined, path: string): FieldError[] {
  if (!t) return [field.required(path)];
  const m: ObjectMeta = t.metadata ?? {};
  return [
    ...validateLabels(m.labels, `${path}.metadata.labels`),
    ...validateAnnotations(m.annotations, `${path}.metadata.annotations`),
    ...validatePodSpec(t.spec, `${path}.spec`, { forPod: false }),
  ];
}

export const podUpdateForbidden =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));

function sameToleration(a: Toleration, b: Toleration): boolean {
  // tolerationSeconds of an existing NoExecute toleration may change
  const strip = (t: Toleration) => ({ ...t, tolerationSeconds: t.effect === 'NoExecute' ? undefined : t.tolerationSeconds });
  return canonical(strip(a)) === canonical(strip(b));
}

/** ValidatePodUpdate: what a running pod's spec may change. */
export function validatePodSpecUpdate(spec: PodSpec | undefined, old: PodSpec | undefined): FieldError[] {
  const n: PodSpec = spec ?? ({} as PodSpec);
  const o: PodSpec = old ?? ({} as PodSpec);
  const errs: FieldError[] = [];
  for (const k of ['containers', 'initContainers'] as const) {
    if ((n[k] ?? []).length !== (o[k] ?? []).length) return [field.forbidden(`spec.${k}`, 'pod updates may not add or remove containers')];
  }
  if (n.activeDeadlineSeconds !== undefined) {
    if (n.activeDeadlineSeconds < 0 || n.activeDeadlineSeconds > int32Max) {
      return [field.invalid('spec.activeDeadlineSeconds', n.activeDeadlineSeconds, `must be between 0 and ${int32Max}, inclusive`)];
    }
    if (o.activeDeadlineSeconds !== undefined && o.activeDeadlineSeconds < n.activeDeadlineSeconds) {
      return [field.invalid('spec.activeDeadlineSeconds', n.activeDeadlineSeconds, 'must be less than or equal to previous value')];
    }
  } else if (o.activeDeadlineSeconds !== undefined) {
    errs.push(field.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  for (const ot of o.tolerations ?? []) {
    if (!(n.tolerations ?? []).some((nt) => sameToleration(nt, ot))) {
      errs.push(field.forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }

  // Compare everything else with the updatable fields taken from the old spec.
  const munged: PodSpec = structuredClone(n);
  munged.containers = (n.containers ?? []).map((c, i) => ({ ...c, image: o.containers[i].image }));
  if (n.initContainers) munged.initContainers = n.initContainers.map((c, i) => ({ ...c, image: o.initContainers![i].image }));
  munged.activeDeadlineSeconds = o.activeDeadlineSeconds;
  munged.tolerations = o.tolerations;
  const oldGrace = o.terminationGracePeriodSeconds;
  if (oldGrace !== undefined && oldGrace < 0 && n.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;
  // Scheduling gates may only be removed.
  const oldGates = (o.schedulingGates ?? []).map((g) => g.name);
  if ((n.schedulingGates ?? []).every((g) => oldGates.includes(g.name))) munged.schedulingGates = o.schedulingGates;
  const diff = specDiff(munged, o);
  if (diff) errs.push(field.forbidden('spec', `${podUpdateForbidden}\n${diff}`));
  return errs;
}

/** A short, line-per-field account of what changed, in the spirit of the cmp.Diff Kubernetes appends. */
function specDiff(n: PodSpec, o: PodSpec): string {
  const lines: string[] = [];
  const keys = [...new Set([...Object.keys(o), ...Object.keys(n)])].sort();
  for (const k of keys) {
    const a = (o as unknown as Record<string, unknown>)[k];
    const b = (n as unknown as Record<string, unknown>)[k];
    if (canonical(a) === canonical(b)) continue;
    if (a !== undefined) lines.push(`- \t${k}: ${JSON.stringify(a)},`);
    if (b !== undefined) lines.push(`+ \t${k}: ${JSON.stringify(b)},`);
  }
  return lines.length ? `  core.PodSpec{\n${lines.join('\n')}\n  }\n` : '';
}

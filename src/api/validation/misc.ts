/** The smaller kinds: cluster objects, storage, RBAC, policy, autoscaling, coordination, settings. */
import type { HorizontalPodAutoscaler, HPAScalingRules, MetricSpec } from 'kubernetes-types/autoscaling/v2.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Endpoints, Event, LimitRange, Namespace, Node, PersistentVolume, PersistentVolumeClaim, ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { isIP } from 'node:net';
import { GoValue, field, type FieldError } from '../errors.js';
import { deepEqual, nonNegativeField, validateIntOrPercent, goStruct } from './common.js';
import { validateLabelSelector } from './meta.js';
import { isEnvVarName, isQualifiedName, isValidPortNum, portRangeError } from './names.js';
import { nonNegative, validateVolumes } from './pod.js';
import { quantityFormatError, tryParseQuantity } from './quantity.js';

export function validateNamespace(ns: Namespace): FieldError[] {
  const errs: FieldError[] = [];
  (ns.spec?.finalizers ?? []).forEach((f) => {
    for (const m of isQualifiedName(f)) errs.push(field.invalid('spec.finalizers', f, m));
  });
  return errs;
}

const taintEffects = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

export function validateNode(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  (node.spec?.taints ?? []).forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    for (const m of isQualifiedName(t.key ?? '')) errs.push(field.invalid(`${p}.key`, t.key, m));
    if (!t.effect) errs.push(field.required(`${p}.effect`));
    else if (!taintEffects.includes(t.effect)) errs.push(field.notSupported(`${p}.effect`, t.effect, taintEffects));
  });
  return errs;
}

function validateQuantities(list: Record<string, unknown> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, q] of Object.entries(list ?? {})) {
    const v = typeof q === 'string' || typeof q === 'number' ? tryParseQuantity(q) : undefined;
    if (v === undefined) errs.push(field.invalid(`${path}[${k}]`, q, quantityFormatError));
    else if (v < 0) errs.push(field.invalid(`${path}[${k}]`, String(q), nonNegative));
  }
  return errs;
}

const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

function validateAccessModes(modes: string[] | undefined, path: string, detail?: string): FieldError[] {
  if (!modes?.length) return [field.required(path, detail)];
  return modes.flatMap((m) => (accessModes.includes(m) ? [] : [field.notSupported(path, m, accessModes)]));
}

export function validatePersistentVolume(pv: PersistentVolume): FieldError[] {
  const spec = pv.spec ?? {};
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes');
  if (!spec.capacity || Object.keys(spec.capacity).length === 0) errs.push(field.required('spec.capacity'));
  else if (!('storage' in spec.capacity)) errs.push(field.notSupported('spec.capacity', Object.keys(spec.capacity).join(','), ['storage']));
  errs.push(...validateQuantities(spec.capacity, 'spec.capacity'));
  const reclaim = ['Delete', 'Recycle', 'Retain'];
  if (spec.persistentVolumeReclaimPolicy && !reclaim.includes(spec.persistentVolumeReclaimPolicy)) {
    errs.push(field.notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, reclaim));
  }
  const sources = ['hostPath', 'local', 'nfs', 'csi', 'iscsi', 'fc', 'rbd', 'cephfs', 'glusterfs', 'awsElasticBlockStore', 'gcePersistentDisk', 'azureDisk', 'azureFile', 'cinder', 'flexVolume', 'flocker', 'photonPersistentDisk', 'portworxVolume', 'quobyte', 'scaleIO', 'storageos', 'vsphereVolume'];
  const given = sources.filter((s) => (spec as Record<string, unknown>)[s] != null);
  if (given.length === 0) errs.push(field.required('spec', 'must specify a volume type'));
  else if (given.length > 1) errs.push(field.forbidden(`spec.${given[1]}`, 'may not specify more than 1 volume type'));
  if (spec.hostPath && !spec.hostPath.path) errs.push(field.required('spec.hostPath.path'));
  if (spec.local && !spec.local.path) errs.push(field.required('spec.local.path'));
  return errs;
}

export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): FieldError[] {
  const spec = pvc.spec ?? {};
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes', 'at least 1 access mode is required');
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const requests = spec.resources?.requests as Record<string, unknown> | undefined;
  if (!requests || !('storage' in requests)) errs.push(field.required('spec.resources[storage]'));
  else {
    errs.push(...validateQuantities(requests, 'spec.resources.requests'));
    const v = tryParseQuantity(requests.storage as string);
    if (v !== undefined && v <= 0) errs.push(field.invalid('spec.resources[storage]', String(requests.storage), 'must be greater than zero'));
  }
  const modes = ['Block', 'Filesystem'];
  if (spec.volumeMode && !modes.includes(spec.volumeMode)) errs.push(field.notSupported('spec.volumeMode', spec.volumeMode, modes));
  return errs;
}

/** A claim's spec is fixed once created, except for growing its storage request (and binding). */
export function validatePersistentVolumeClaimUpdate(n: PersistentVolumeClaim, o: PersistentVolumeClaim): FieldError[] {
  const strip = (p: PersistentVolumeClaim) => {
    const s = structuredClone(p.spec ?? {});
    delete s.resources;
    delete s.volumeAttributesClassName;
    // The binder fills volumeName (and a defaulted class) into an unbound claim.
    if (!o.spec?.volumeName) delete s.volumeName;
    if (!o.spec?.storageClassName) delete s.storageClassName;
    return s;
  };
  const errs: FieldError[] = [];
  if (!deepEqual(strip(n), strip(o))) {
    errs.push(field.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  const newSize = tryParseQuantity((n.spec?.resources?.requests?.storage ?? '0') as string) ?? 0;
  const oldSize = tryParseQuantity((o.spec?.resources?.requests?.storage ?? '0') as string) ?? 0;
  if (newSize < oldSize && o.spec?.volumeName) {
    errs.push(field.forbidden('spec.resources.requests.storage', 'field can not be less than previous value'));
  }
  return errs;
}

export function validateEndpoints(ep: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  (ep.subsets ?? []).forEach((s, i) => {
    const p = `subsets[${i}]`;
    for (const [k, list] of [['addresses', s.addresses], ['notReadyAddresses', s.notReadyAddresses]] as const) {
      (list ?? []).forEach((a, j) => {
        if (!isIP(a.ip ?? '')) errs.push(field.invalid(`${p}.${k}[${j}].ip`, a.ip ?? '', 'must be a valid IP address'));
      });
    }
    (s.ports ?? []).forEach((port, j) => {
      if (!isValidPortNum(port.port)) errs.push(field.invalid(`${p}.ports[${j}].port`, port.port, portRangeError));
      if (port.protocol && !['SCTP', 'TCP', 'UDP'].includes(port.protocol)) errs.push(field.notSupported(`${p}.ports[${j}].protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']));
    });
  });
  return errs;
}

export function validateEndpointSlice(es: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const types = ['IPv4', 'IPv6', 'FQDN'];
  if (!es.addressType) errs.push(field.required('addressType'));
  else if (!types.includes(es.addressType)) errs.push(field.notSupported('addressType', es.addressType, types));
  (es.endpoints ?? []).forEach((e, i) => {
    const n = e.addresses?.length ?? 0;
    if (n < 1 || n > 100) errs.push(field.invalid(`endpoints[${i}].addresses`, n, 'must contain at least 1 address'));
    if (es.addressType !== 'FQDN') {
      (e.addresses ?? []).forEach((a, j) => {
        const family = isIP(a);
        if ((es.addressType === 'IPv4' && family !== 4) || (es.addressType === 'IPv6' && family !== 6)) {
          errs.push(field.invalid(`endpoints[${i}].addresses[${j}]`, a, `must be a valid ${es.addressType} address`));
        }
      });
    }
  });
  (es.ports ?? []).forEach((p, i) => {
    if (p.port != null && !isValidPortNum(p.port)) errs.push(field.invalid(`ports[${i}].port`, p.port, portRangeError));
  });
  return errs;
}

const limitTypes = ['Container', 'PersistentVolumeClaim', 'Pod'];

export function validateLimitRange(lr: LimitRange): FieldError[] {
  const errs: FieldError[] = [];
  (lr.spec?.limits ?? []).forEach((item, i) => {
    const p = `spec.limits[${i}]`;
    if (!limitTypes.includes(item.type)) errs.push(field.notSupported(`${p}.type`, item.type, limitTypes));
    for (const k of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) errs.push(...validateQuantities(item[k], `${p}.${k}`));
    for (const [name, minQ] of Object.entries(item.min ?? {})) {
      const maxQ = item.max?.[name];
      if (maxQ === undefined) continue;
      const min = tryParseQuantity(minQ);
      const max = tryParseQuantity(maxQ);
      if (min !== undefined && max !== undefined && min > max) errs.push(field.invalid(`${p}.min[${name}]`, minQ, `min value ${minQ} is greater than max value ${maxQ}`));
    }
  });
  return errs;
}

export function validateResourceQuota(rq: ResourceQuota): FieldError[] {
  const scopes = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'];
  const errs = validateQuantities(rq.spec?.hard, 'spec.hard');
  (rq.spec?.scopes ?? []).forEach((s) => {
    if (!scopes.includes(s)) errs.push(field.notSupported('spec.scopes', s, scopes));
  });
  return errs;
}

export function validateEvent(ev: Event): FieldError[] {
  const errs: FieldError[] = [];
  const ns = ev.metadata?.namespace ?? '';
  const involvedNs = ev.involvedObject?.namespace;
  if (involvedNs && involvedNs !== ns) errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  if (ev.type && !['Normal', 'Warning'].includes(ev.type) && ev.reportingComponent) {
    errs.push(field.invalid('type', ev.type, 'has invalid value: ' + ev.type));
  }
  return errs;
}

function validateRules(rules: PolicyRule[] | undefined): FieldError[] {
  const errs: FieldError[] = [];
  (rules ?? []).forEach((r, i) => {
    const p = `rules[${i}]`;
    if (!r.verbs?.length) errs.push(field.required(`${p}.verbs`, 'verbs must contain at least one value'));
    if (r.nonResourceURLs?.length) {
      if (r.resources?.length || r.apiGroups?.length) errs.push(field.invalid(`${p}.nonResourceURLs`, new GoValue(`[]string{${r.nonResourceURLs.map((u) => JSON.stringify(u)).join(', ')}}`), 'rules cannot apply to both regular resources and non-resource URLs'));
    } else if (!r.apiGroups?.length) {
      errs.push(field.required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
    }
    if (!r.nonResourceURLs?.length && !r.resources?.length) errs.push(field.required(`${p}.resources`, 'resource rules must supply at least one resource'));
  });
  return errs;
}

export function validateRole(role: Role | ClusterRole): FieldError[] {
  // Aggregated cluster roles have their rules written by the controller.
  const errs: FieldError[] = [];
  if ('aggregationRule' in role && role.aggregationRule) {
    (role.aggregationRule.clusterRoleSelectors ?? []).forEach((s, i) => errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs.concat(validateRules(role.rules));
}

export function validateRoleBinding(rb: RoleBinding | ClusterRoleBinding, clusterScoped: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = rb.roleRef ?? ({} as RoleBinding['roleRef']);
  if (ref.apiGroup !== 'rbac.authorization.k8s.io') errs.push(field.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', ['rbac.authorization.k8s.io']));
  const kinds = clusterScoped ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(ref.kind)) errs.push(field.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) errs.push(field.required('roleRef.name'));
  (rb.subjects ?? []).forEach((s, i) => {
    const p = `subjects[${i}]`;
    if (!s.name) errs.push(field.required(`${p}.name`));
    switch (s.kind) {
      case 'ServiceAccount':
        if (s.apiGroup) errs.push(field.notSupported(`${p}.apiGroup`, s.apiGroup, ['']));
        if (!s.namespace && clusterScoped) errs.push(field.required(`${p}.namespace`));
        break;
      case 'User':
      case 'Group':
        if (s.apiGroup !== 'rbac.authorization.k8s.io') errs.push(field.notSupported(`${p}.apiGroup`, s.apiGroup ?? '', ['rbac.authorization.k8s.io']));
        break;
      default:
        errs.push(field.notSupported(`${p}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
    }
  });
  return errs;
}

export function validateRoleBindingUpdate(n: RoleBinding | ClusterRoleBinding, o: RoleBinding | ClusterRoleBinding): FieldError[] {
  if (deepEqual(n.roleRef, o.roleRef)) return [];
  const r = n.roleRef ?? ({} as RoleBinding['roleRef']);
  return [field.invalid('roleRef', new GoValue(`rbac.RoleRef{APIGroup:${JSON.stringify(r.apiGroup ?? '')}, Kind:${JSON.stringify(r.kind ?? '')}, Name:${JSON.stringify(r.name ?? '')}}`), 'cannot change roleRef')];
}

export function validateStorageClass(sc: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!sc.provisioner) errs.push(field.required('provisioner'));
  else for (const m of isQualifiedName(sc.provisioner.toLowerCase())) errs.push(field.invalid('provisioner', sc.provisioner, m));
  const reclaim = ['Delete', 'Retain'];
  if (sc.reclaimPolicy && !reclaim.includes(sc.reclaimPolicy)) errs.push(field.notSupported('reclaimPolicy', sc.reclaimPolicy, reclaim));
  const binding = ['Immediate', 'WaitForFirstConsumer'];
  if (sc.volumeBindingMode && !binding.includes(sc.volumeBindingMode)) errs.push(field.notSupported('volumeBindingMode', sc.volumeBindingMode, binding));
  return errs;
}

export function validateStorageClassUpdate(n: StorageClass, o: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!deepEqual(n.parameters ?? {}, o.parameters ?? {})) errs.push(field.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (n.provisioner !== o.provisioner) errs.push(field.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (n.reclaimPolicy !== o.reclaimPolicy) errs.push(field.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (n.volumeBindingMode !== o.volumeBindingMode) errs.push(field.forbidden('volumeBindingMode', 'field is immutable'));
  return errs;
}

export function validatePodDisruptionBudget(pdb: PodDisruptionBudget): FieldError[] {
  const spec = pdb.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.minAvailable != null && spec.maxUnavailable != null) {
    errs.push(field.invalid('spec', goStruct('policy.PodDisruptionBudgetSpec'), 'minAvailable and maxUnavailable cannot be both set'));
  }
  errs.push(...validateIntOrPercent(spec.minAvailable, 'spec.minAvailable'));
  errs.push(...validateIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policies = ['AlwaysAllow', 'IfHealthyBudget'];
  if (spec.unhealthyPodEvictionPolicy && !policies.includes(spec.unhealthyPodEvictionPolicy)) {
    errs.push(field.notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, policies));
  }
  return errs;
}

const metricTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const targetTypes = ['AverageValue', 'Utilization', 'Value'];

function validateMetric(m: MetricSpec, p: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!metricTypes.includes(m.type)) return [field.notSupported(`${p}.type`, m.type ?? '', metricTypes)];
  const key = ({ Resource: 'resource', ContainerResource: 'containerResource', Pods: 'pods', Object: 'object', External: 'external' } as const)[m.type as 'Resource'];
  const src = (m as unknown as Record<string, unknown>)[key] as { name?: string; target?: { type?: string; averageUtilization?: number; value?: string; averageValue?: string }; metric?: { name?: string } } | undefined;
  if (!src) return [field.required(`${p}.${key}`, `must populate information for the given metric source`)];
  if ((key === 'resource' || key === 'containerResource') && !src.name) errs.push(field.required(`${p}.${key}.name`));
  if (key !== 'resource' && key !== 'containerResource' && !src.metric?.name) errs.push(field.required(`${p}.${key}.metric.name`, 'must specify a metric name'));
  const t = src.target;
  if (!t?.type) errs.push(field.required(`${p}.${key}.target.type`, 'must specify a metric target type'));
  else if (!targetTypes.includes(t.type)) errs.push(field.notSupported(`${p}.${key}.target.type`, t.type, targetTypes));
  else if (t.type === 'Utilization' && t.averageUtilization == null) errs.push(field.required(`${p}.${key}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
  if (t?.averageUtilization != null && t.averageUtilization <= 0) errs.push(field.invalid(`${p}.${key}.target.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  return errs;
}

function validateScalingRules(r: HPAScalingRules | undefined, p: string): FieldError[] {
  if (!r) return [];
  const errs: FieldError[] = [];
  if (r.stabilizationWindowSeconds != null && (r.stabilizationWindowSeconds < 0 || r.stabilizationWindowSeconds > 3600)) {
    errs.push(field.invalid(`${p}.stabilizationWindowSeconds`, r.stabilizationWindowSeconds, 'must be less than or equal to 3600'));
  }
  const selects = ['Disabled', 'Max', 'Min'];
  if (r.selectPolicy && !selects.includes(r.selectPolicy)) errs.push(field.notSupported(`${p}.selectPolicy`, r.selectPolicy, selects));
  (r.policies ?? []).forEach((pol, i) => {
    const pp = `${p}.policies[${i}]`;
    if (!['Pods', 'Percent'].includes(pol.type)) errs.push(field.notSupported(`${pp}.type`, pol.type, ['Percent', 'Pods']));
    if (!(pol.value > 0)) errs.push(field.invalid(`${pp}.value`, pol.value, 'must be greater than zero'));
    if (!(pol.periodSeconds > 0)) errs.push(field.invalid(`${pp}.periodSeconds`, pol.periodSeconds, 'must be greater than zero'));
    else if (pol.periodSeconds > 1800) errs.push(field.invalid(`${pp}.periodSeconds`, pol.periodSeconds, 'must be less than or equal to 1800'));
  });
  return errs;
}

export function validateHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): FieldError[] {
  const spec = hpa.spec ?? ({} as NonNullable<HorizontalPodAutoscaler['spec']>);
  const errs: FieldError[] = [];
  const ref = spec.scaleTargetRef ?? ({} as NonNullable<HorizontalPodAutoscaler['spec']>['scaleTargetRef']);
  if (!ref.kind) errs.push(field.required('spec.scaleTargetRef.kind'));
  if (!ref.name) errs.push(field.required('spec.scaleTargetRef.name'));
  if (spec.minReplicas != null && spec.minReplicas < 1) errs.push(field.invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
  if (!(spec.maxReplicas >= 1)) errs.push(field.invalid('spec.maxReplicas', spec.maxReplicas ?? 0, 'must be greater than 0'));
  else if (spec.minReplicas != null && spec.maxReplicas < spec.minReplicas) errs.push(field.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  (spec.metrics ?? []).forEach((m, i) => errs.push(...validateMetric(m, `spec.metrics[${i}]`)));
  errs.push(...validateScalingRules(spec.behavior?.scaleUp, 'spec.behavior.scaleUp'));
  errs.push(...validateScalingRules(spec.behavior?.scaleDown, 'spec.behavior.scaleDown'));
  return errs;
}

export function validateLease(lease: Lease): FieldError[] {
  const spec = lease.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.leaseDurationSeconds != null && spec.leaseDurationSeconds <= 0) errs.push(field.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  errs.push(...nonNegativeField(spec.leaseTransitions, 'spec.leaseTransitions'));
  return errs;
}

/** settings.k8s.io/v1alpha1 PodPreset, as its validation stood when it was removed (1.20). */
export interface PodPresetSpec {
  selector?: import('kubernetes-types/meta/v1.js').LabelSelector;
  env?: import('kubernetes-types/core/v1.js').EnvVar[];
  envFrom?: import('kubernetes-types/core/v1.js').EnvFromSource[];
  volumes?: import('kubernetes-types/core/v1.js').Volume[];
  volumeMounts?: import('kubernetes-types/core/v1.js').VolumeMount[];
}

export function validatePodPreset(spec: PodPresetSpec | undefined): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [...validateLabelSelector(s.selector, 'spec.selector')];
  if (!s.env?.length && !s.envFrom?.length && !s.volumes?.length && !s.volumeMounts?.length) {
    errs.push(field.required('spec', 'must specify at least one'));
  }
  const vol = validateVolumes(s.volumes, 'spec.volumes');
  errs.push(...vol.errs);
  (s.volumeMounts ?? []).forEach((m, i) => {
    if (!m.name) errs.push(field.required(`spec.volumeMounts[${i}].name`));
    if (!m.mountPath) errs.push(field.required(`spec.volumeMounts[${i}].mountPath`));
  });
  errs.push(...envOnly(s));
  return errs;
}

function envOnly(s: PodPresetSpec): FieldError[] {
  const errs: FieldError[] = [];
  (s.env ?? []).forEach((e, i) => {
    if (!e.name) errs.push(field.required(`spec.env[${i}].name`));
    else for (const m of isEnvVarName(e.name)) errs.push(field.invalid(`spec.env[${i}].name`, e.name, m));
  });
  return errs;
}


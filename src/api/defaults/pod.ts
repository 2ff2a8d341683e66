/**
 * Pod and pod-template defaulting, after pkg/apis/core/v1/defaults.go: what a
 * client leaves out comes back filled in, so `kubectl get -o yaml` shows the
 * same object a real cluster would.
 */
import { isQuantity } from '../validation/quantity.js';
import type { Container, DownwardAPIVolumeFile, EnvVar, LifecycleHandler, Pod, PodSpec, PodTemplateSpec, Probe, Volume } from 'kubernetes-types/core/v1.js';

/** Mode 0644, the default for files projected from ConfigMaps, Secrets and the downward API. */
export const defaultFileMode = 420;

/** Image tag as the kubelet reads it; `latest` when neither tag nor digest is given. */
export function imageTag(image: string): string {
  // An unparsable (here: empty) image has no tag; validation reports it.
  if (image === '' || image.includes('@')) return '';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > lastSlash ? image.slice(colon + 1) : 'latest';
}

function defaultHandler(h: LifecycleHandler | Probe | undefined): void {
  if (!h?.httpGet) return;
  h.httpGet.path ||= '/';
  h.httpGet.scheme ||= 'HTTP';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  defaultHandler(p);
}

function defaultEnv(env: EnvVar[] | undefined): void {
  for (const e of env ?? []) {
    if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ||= 'v1';
    if (e.valueFrom?.resourceFieldRef) e.valueFrom.resourceFieldRef.divisor ??= '0';
  }
}

function defaultDownwardItems(items: DownwardAPIVolumeFile[] | undefined): void {
  for (const it of items ?? []) {
    if (it.fieldRef) it.fieldRef.apiVersion ||= 'v1';
    if (it.resourceFieldRef) it.resourceFieldRef.divisor ??= '0';
  }
}

export function defaultContainer(c: Container, hostNetwork: boolean): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(c.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  for (const p of c.ports ?? []) {
    p.protocol ||= 'TCP';
    if (hostNetwork && !p.hostPort) p.hostPort = p.containerPort;
  }
  defaultEnv(c.env);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHandler(c.lifecycle?.postStart);
  defaultHandler(c.lifecycle?.preStop);
}

const volumeSourceKeys = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral',
];

export function defaultVolume(v: Volume): void {
  const bag = v as unknown as Record<string, unknown>;
  if (!volumeSourceKeys.some((k) => bag[k] != null)) v.emptyDir = {};
  if (v.secret) v.secret.defaultMode ??= defaultFileMode;
  if (v.configMap) v.configMap.defaultMode ??= defaultFileMode;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= defaultFileMode;
    defaultDownwardItems(v.downwardAPI.items);
  }
  if (v.projected) {
    v.projected.defaultMode ??= defaultFileMode;
    for (const s of v.projected.sources ?? []) {
      if (s.serviceAccountToken) s.serviceAccountToken.expirationSeconds ??= 3600;
      defaultDownwardItems(s.downwardAPI?.items);
    }
  }
  if (v.hostPath) v.hostPath.type ??= '';
  if (v.iscsi) v.iscsi.iscsiInterface ||= 'default';
  if (v.rbd) {
    v.rbd.pool ||= 'rbd';
    v.rbd.user ||= 'admin';
    v.rbd.keyring ||= '/etc/ceph/keyring';
  }
  if (v.azureDisk) {
    v.azureDisk.cachingMode ||= 'ReadWrite';
    v.azureDisk.fsType ||= 'ext4';
    v.azureDisk.readOnly ??= false;
    v.azureDisk.kind ||= 'Shared';
  }
  if (v.ephemeral?.volumeClaimTemplate?.spec) v.ephemeral.volumeClaimTemplate.spec.volumeMode ||= 'Filesystem';
}

/** SetDefaults_PodSpec and the defaults of everything inside it; used by pods and every pod template. */
export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!spec) return;
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  // serviceAccount is the deprecated twin of serviceAccountName; v1 keeps both in step.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  const hostNetwork = spec.hostNetwork === true;
  for (const c of spec.initContainers ?? []) defaultContainer(c, hostNetwork);
  for (const c of spec.containers ?? []) defaultContainer(c, hostNetwork);
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

export function defaultPodTemplateSpec(t: PodTemplateSpec | undefined): void {
  defaultPodSpec(t?.spec);
}

/** Limits given without requests become the requests, as SetDefaults_Pod does. */
function copyLimitsToRequests(c: Container): void {
  const limits = c.resources?.limits;
  if (!limits) return;
  const requests = (c.resources!.requests ??= {});
  // A malformed limit is reported once, by validation, rather than twice.
  for (const [k, v] of Object.entries(limits)) if (!(k in requests) && isQuantity(v)) requests[k] = v;
}

/**
 * A Pod's own defaults on top of its spec's, plus what the Priority
 * admission plugin fills in (priority 0, PreemptLowerPriority) since that
 * plugin is always on in Kubernetes.
 */
export function defaultPod(pod: Pod): void {
  const spec = (pod.spec ??= {} as PodSpec);
  defaultPodSpec(spec);
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) copyLimitsToRequests(c);
  spec.enableServiceLinks ??= true;
  if (!spec.priorityClassName) spec.priority ??= 0;
  spec.preemptionPolicy ||= 'PreemptLowerPriority';
}

/** A StatefulSet pod's stable identity: name, labels, hostname, and the claims named after it (stateful_set_utils.go). */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, Volume } from 'kubernetes-types/core/v1.js';

export const podNameLabel = 'statefulset.kubernetes.io/pod-name';
export const podIndexLabel = 'apps.kubernetes.io/pod-index';

/** The ordinal of `<set>-<n>`, or -1 when the name is not one of the set's. */
export function ordinalOf(setName: string, podName: string): number {
  if (!podName.startsWith(setName + '-')) return -1;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : -1;
}

export function claimName(claim: string, setName: string, ordinal: number): string {
  return `${claim}-${setName}-${ordinal}`;
}

/** The PVCs a pod of the set needs, named `<claim>-<set>-<ordinal>`, labelled with the set's selector labels. */
export function claimsFor(set: Readonly<StatefulSet>, ordinal: number): PersistentVolumeClaim[] {
  const name = set.metadata!.name!;
  const selectorLabels = set.spec?.selector?.matchLabels ?? {};
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(t.metadata!.name!, name, ordinal),
      namespace: set.metadata!.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...selectorLabels },
      annotations: t.metadata?.annotations,
    },
    spec: structuredClone(t.spec),
  }));
}

/** The pod for `ordinal` from `template`: identity labels, hostname/subdomain, claim volumes. */
export function podFor(set: Readonly<StatefulSet>, template: Readonly<PodTemplateSpec>, ordinal: number): Pod {
  const name = set.metadata!.name!;
  const t = structuredClone(template) as PodTemplateSpec;
  const podName = `${name}-${ordinal}`;
  const spec = t.spec!;
  spec.hostname = podName;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  const claimVolumes: Volume[] = (set.spec?.volumeClaimTemplates ?? []).map((c) => ({
    name: c.metadata!.name!,
    persistentVolumeClaim: { claimName: claimName(c.metadata!.name!, name, ordinal) },
  }));
  const claimNames = new Set(claimVolumes.map((v) => v.name));
  spec.volumes = [...(spec.volumes ?? []).filter((v) => !claimNames.has(v.name)), ...claimVolumes];
  if (!spec.volumes.length) delete spec.volumes;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName,
      namespace: set.metadata!.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [podNameLabel]: podName, [podIndexLabel]: String(ordinal) },
      annotations: t.metadata?.annotations,
    },
    spec,
  };
}

/** Whether a pod still has its identity (the controller repairs it when not). */
export function identityMatches(set: Readonly<StatefulSet>, pod: Readonly<Pod>, ordinal: number): boolean {
  const podName = `${set.metadata!.name}-${ordinal}`;
  const l = pod.metadata?.labels ?? {};
  return pod.metadata?.name === podName && l[podNameLabel] === podName && l[podIndexLabel] === String(ordinal);
}

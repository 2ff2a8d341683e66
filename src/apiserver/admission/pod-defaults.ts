/**
 * Pod admission that Kubernetes does outside the pod's own defaulting:
 *
 * - PodPreset (settings.k8s.io/v1alpha1, from the seeds' "pod预设置"):
 *   presets whose selector matches a new pod inject env, envFrom, volumes and
 *   volumeMounts; the pod is annotated
 *   `podpreset.admission.kubernetes.io/podpreset-<name>: <resourceVersion>`.
 *   A pod annotated `podpreset.admission.kubernetes.io/exclude: "true"` is
 *   left alone; on a conflict (same env name or volume with another value)
 *   the pod is admitted unchanged, as the old plugin did.
 * - DefaultTolerationSeconds: pods that do not tolerate the node
 *   not-ready/unreachable NoExecute taints get tolerations for 300 s, so a
 *   dead node's pods are evicted after five minutes.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Container, EnvFromSource, EnvVar, PodSpec, Toleration, Volume, VolumeMount } from 'kubernetes-types/core/v1.js';
import type { KObject, ResourceType } from '../../api/types.js';
import { labelSelectorFromObject, matches } from '../../api/labels.js';
import type { WatchCache } from '../cache/watch-cache.js';
import type { AdmissionPlugin } from './index.js';

export const excludeAnnotation = 'podpreset.admission.kubernetes.io/exclude';
const presetAnnotationPrefix = 'podpreset.admission.kubernetes.io/podpreset-';
export const defaultTolerationSeconds = 300;

interface PodPresetSpec {
  selector?: Parameters<typeof labelSelectorFromObject>[0];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  volumes?: Volume[];
  volumeMounts?: VolumeMount[];
}

function isPod(rt: ResourceType): boolean {
  return rt.group === '' && rt.resource === 'pods';
}

/** Merges `add` into `into` by key; false on a conflicting duplicate. */
function mergeByKey<T>(into: T[], add: readonly T[], key: (t: T) => string): boolean {
  for (const item of add) {
    const existing = into.find((x) => key(x) === key(item));
    if (existing) {
      if (!isDeepStrictEqual(existing, item)) return false;
      continue;
    }
    into.push(structuredClone(item));
  }
  return true;
}

function applyPresets(pod: KObject, presets: readonly Readonly<KObject>[]): void {
  const spec = pod.spec as PodSpec;
  const next = structuredClone(spec) as PodSpec & { containers: Container[] };
  for (const preset of presets) {
    const ps = (preset.spec ?? {}) as PodPresetSpec;
    const volumes = (next.volumes ??= []);
    if (!mergeByKey(volumes, ps.volumes ?? [], (v) => v.name)) return;
    for (const c of [...next.containers, ...(next.initContainers ?? [])]) {
      if (!mergeByKey((c.env ??= []), ps.env ?? [], (e) => e.name)) return;
      (c.envFrom ??= []).push(...structuredClone(ps.envFrom ?? []));
      if (!mergeByKey((c.volumeMounts ??= []), ps.volumeMounts ?? [], (m) => m.mountPath)) return;
      if (!c.env.length) delete c.env;
      if (!c.envFrom.length) delete c.envFrom;
      if (!c.volumeMounts.length) delete c.volumeMounts;
    }
    if (!volumes.length) delete next.volumes;
  }
  pod.spec = next;
  const annotations = (pod.metadata!.annotations ??= {});
  for (const preset of presets) annotations[`${presetAnnotationPrefix}${preset.metadata!.name}`] = preset.metadata!.resourceVersion ?? '';
}

export function podPresets(cache: WatchCache): AdmissionPlugin {
  return {
    name: 'PodPreset',
    admitCreate(rt, pod) {
      if (!isPod(rt)) return undefined;
      if (pod.metadata?.annotations?.[excludeAnnotation] === 'true') return undefined;
      const labels = pod.metadata?.labels;
      const presets = cache
        .list('podpresets', pod.metadata?.namespace)
        .map((c) => c.obj)
        .filter((p) => {
          const sel = (p.spec as PodPresetSpec | undefined)?.selector;
          return sel !== undefined && matches(labelSelectorFromObject(sel), labels);
        });
      if (presets.length) applyPresets(pod, presets);
      return undefined;
    },
  };
}

export function defaultTolerations(): AdmissionPlugin {
  const taints = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];
  return {
    name: 'DefaultTolerationSeconds',
    admitCreate(rt, pod) {
      if (!isPod(rt)) return undefined;
      const spec = pod.spec as PodSpec;
      const tolerations: Toleration[] = (spec.tolerations ??= []) as Toleration[];
      for (const key of taints) {
        const tolerated = tolerations.some(
          (t) => (t.operator === 'Exists' && !t.key) || ((t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute')),
        );
        if (!tolerated) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: defaultTolerationSeconds });
      }
      return undefined;
    },
  };
}

/**
 * Which nodes a DaemonSet's pod belongs on, and the pod it gets there
 * (pkg/controller/daemon/util): every daemon pod tolerates the node
 * lifecycle taints Kubernetes adds, and is pinned to its node with a
 * required node affinity on `metadata.name` so the default scheduler binds
 * it there (Kubernetes ≥ 1.12 places daemon pods this way).
 */
import type { Node, NodeSelectorTerm, PodSpec, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { findUntoleratedTaint } from '../../scheduler/index.js';
import { podMatchesNodeSelectorAndAffinity } from '../../scheduler/index.js';

const t = (key: string, effect: 'NoSchedule' | 'NoExecute'): Toleration => ({ key, operator: 'Exists', effect });

/** AddOrUpdateDaemonPodTolerations. */
export function daemonTolerations(spec: Readonly<PodSpec> | undefined): Toleration[] {
  const add = [
    t('node.kubernetes.io/not-ready', 'NoExecute'),
    t('node.kubernetes.io/unreachable', 'NoExecute'),
    t('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    t('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    t('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    t('node.kubernetes.io/unschedulable', 'NoSchedule'),
  ];
  if (spec?.hostNetwork) add.push(t('node.kubernetes.io/network-unavailable', 'NoSchedule'));
  const out = [...(spec?.tolerations ?? [])];
  for (const a of add) {
    // Same key and effect: ours replaces theirs (Kubernetes' "add or update").
    const i = out.findIndex((o) => o.key === a.key && o.effect === a.effect);
    if (i >= 0) out[i] = a;
    else out.push(a);
  }
  return out;
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: every term requires `metadata.name In [node]`. */
export function pinToNode(spec: PodSpec, nodeName: string): void {
  const field = { key: 'metadata.name', operator: 'In', values: [nodeName] };
  const affinity = (spec.affinity ??= {});
  const nodeAffinity = (affinity.nodeAffinity ??= {});
  const required = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  const terms: NodeSelectorTerm[] = required?.nodeSelectorTerms?.length
    ? required.nodeSelectorTerms.map((term) => ({ ...term, matchFields: [field] }))
    : [{ matchFields: [field] }];
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: terms };
}

/** The node a daemon pod is meant for: spec.nodeName, or the node its affinity pins it to. */
export function targetNodeName(spec: Readonly<PodSpec> | undefined): string | undefined {
  if (spec?.nodeName) return spec.nodeName;
  for (const term of spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** The pod template for `node`: tolerations added and pinned to it. */
export function templateForNode(template: Readonly<PodTemplateSpec>, nodeName: string): PodTemplateSpec {
  const out = structuredClone(template) as PodTemplateSpec;
  const spec = out.spec!;
  spec.tolerations = daemonTolerations(spec);
  pinToNode(spec, nodeName);
  return out;
}

/**
 * NodeShouldRunDaemonPod: `shouldRun` — a new pod belongs here;
 * `shouldContinueRunning` — an existing one may stay (only NoExecute taints
 * and a changed selector evict it).
 */
export function nodeShouldRunDaemonPod(node: Readonly<Node>, template: Readonly<PodTemplateSpec> | undefined): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = template?.spec;
  const name = node.metadata?.name ?? '';
  if (spec?.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  if (!podMatchesNodeSelectorAndAffinity({ spec: spec as never }, node as Node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = daemonTolerations(spec);
  const taints = node.spec?.taints;
  if (findUntoleratedTaint(taints, tolerations, (e) => e === 'NoExecute')) return { shouldRun: false, shouldContinueRunning: false };
  if (findUntoleratedTaint(taints, tolerations, (e) => e === 'NoSchedule')) return { shouldRun: false, shouldContinueRunning: true };
  return { shouldRun: true, shouldContinueRunning: true };
}

/** An int-or-percent against a total, rounded up (intstr.GetScaledValueFromIntOrPercent with roundUp). */
export function scaledValue(v: number | string | undefined, total: number, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (m) return Math.ceil((Number(m[1]) * total) / 100);
  const n = Number(v);
  return Number.isInteger(n) ? n : fallback;
}

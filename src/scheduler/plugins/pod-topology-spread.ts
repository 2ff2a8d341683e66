/**
 * PodTopologySpread: keep matching pods spread across topology domains.
 * DoNotSchedule constraints filter (skew = matching pods in the node's
 * domain + self − the global minimum must stay ≤ maxSkew; fewer domains
 * than minDomains make the minimum 0); ScheduleAnyway constraints score,
 * fewer matching pods scoring higher. Only nodes that pass the pod's
 * nodeSelector/affinity (nodeAffinityPolicy Honor, the default) and carry
 * every constraint's topology key count as domains.
 *
 * Not done: the cluster-level default constraints kube-scheduler applies to
 * pods without their own (they need Service/ReplicaSet listers).
 */
import type { LabelSelector as MetaLabelSelector } from 'kubernetes-types/meta/v1.js';
import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromObject, matches, type LabelSelector } from '../../api/labels.js';
import type { NodeInfo } from '../framework/node-info.js';
import { podMatchesNodeSelectorAndAffinity } from '../framework/node-selector.js';
import type { PodInfo } from '../framework/pod-info.js';
import { findUntoleratedTaint } from '../framework/tolerations.js';
import { Code, frozenStatus, skip, success, type Status } from '../framework/status.js';
import {
  maxNodeScore,
  type ClusterView,
  type CycleState,
  type FilterPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from '../framework/types.js';

export const topologySpreadReason = "node(s) didn't match pod topology spread constraints";
export const topologySpreadMissingLabelReason = "node(s) didn't match pod topology spread constraints (missing required label)";
const skewRejected = frozenStatus(Code.Unschedulable, topologySpreadReason);
const labelRejected = frozenStatus(Code.UnschedulableAndUnresolvable, topologySpreadMissingLabelReason);

const hostnameKey = 'kubernetes.io/hostname';
const filterKey = 'PodTopologySpread/filter';
const scoreKey = 'PodTopologySpread/score';

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  /** The selector as text: with the namespace, the key of remembered counts. */
  selectorKey: string;
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
  /** The incoming pod matches its own selector (it will count once placed). */
  selfMatch: number;
}

function constraintsOf(pod: PodInfo, action: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] {
  const out: Constraint[] = [];
  for (const c of (pod.pod.spec?.topologySpreadConstraints ?? []) as TopologySpreadConstraint[]) {
    if (c.whenUnsatisfiable !== action) continue;
    let sel: MetaLabelSelector | undefined = c.labelSelector;
    // matchLabelKeys pins the selector to this pod's own values for those keys (e.g. pod-template-hash).
    const extra = (c.matchLabelKeys ?? []).filter((k) => pod.labels[k] !== undefined).map((k) => ({ key: k, operator: 'In', values: [pod.labels[k]!] }));
    if (sel && extra.length) sel = { ...sel, matchExpressions: [...(sel.matchExpressions ?? []), ...extra] };
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromObject(sel ?? null);
    } catch {
      selector = labelSelectorFromObject(null);
    }
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      selectorKey: `${pod.namespace}\u0000${JSON.stringify(sel ?? null)}`,
      minDomains: c.minDomains ?? 1,
      honorAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
      honorTaints: c.nodeTaintsPolicy === 'Honor',
      selfMatch: matches(selector, pod.labels) ? 1 : 0,
    });
  }
  return out;
}

function countMatching(node: NodeInfo, namespace: string, sel: LabelSelector): number {
  let n = 0;
  for (const p of node.pods.values()) {
    if (p.namespace !== namespace || p.pod.metadata?.deletionTimestamp) continue;
    if (matches(sel, p.labels)) n++;
  }
  return n;
}

/**
 * Matching pods per node and selector, remembered while the node's pods stay
 * as they were (its generation): the pods of one workload share a selector,
 * and between two of their scheduling cycles only the node the previous one
 * went to has changed, so a cycle costs a lookup per node instead of a look
 * at every pod in the cluster.
 */
const rememberedCounts = new WeakMap<NodeInfo, Map<string, { generation: number; count: number }>>();

function matchingOn(node: NodeInfo, namespace: string, c: Constraint): number {
  let m = rememberedCounts.get(node);
  if (!m) rememberedCounts.set(node, (m = new Map()));
  const hit = m.get(c.selectorKey);
  if (hit && hit.generation === node.generation) return hit.count;
  const count = countMatching(node, namespace, c.selector);
  m.set(c.selectorKey, { generation: node.generation, count });
  return count;
}

function hasAllKeys(node: NodeInfo, cs: readonly Constraint[]): boolean {
  for (const c of cs) if (node.labels[c.topologyKey] === undefined) return false;
  return true;
}

const hardEffect = (e: string) => e === 'NoSchedule' || e === 'NoExecute';

function eligible(node: NodeInfo, pod: PodInfo, c: Constraint): boolean {
  if (c.honorAffinity && !podMatchesNodeSelectorAndAffinity(pod.pod, node.node)) return false;
  if (c.honorTaints && findUntoleratedTaint(node.taints, pod.pod.spec?.tolerations, hardEffect)) return false;
  return true;
}

interface FilterState {
  constraints: Constraint[];
  /** Per constraint: domain value → matching pods. */
  counts: Map<string, number>[];
  /** Per constraint: the global minimum the skew is measured against. */
  minMatch: number[];
}

interface ScoreState {
  constraints: Constraint[];
  counts: Map<string, number>[];
  weights: number[];
  ignored: Set<NodeInfo>;
}

export const podTopologySpread = {
  name: 'PodTopologySpread',
  preFilter(state: CycleState, pod: PodInfo, cluster: ClusterView): Status {
    const constraints = constraintsOf(pod, 'DoNotSchedule');
    if (constraints.length === 0) return skip;
    const counts = constraints.map(() => new Map<string, number>());
    for (const node of cluster.nodes) {
      if (!hasAllKeys(node, constraints)) continue;
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i]!;
        if (!eligible(node, pod, c)) continue;
        const v = node.labels[c.topologyKey]!;
        const m = counts[i]!;
        m.set(v, (m.get(v) ?? 0) + matchingOn(node, pod.namespace, c));
      }
    }
    const minMatch = counts.map((m, i) => {
      if (m.size < constraints[i]!.minDomains) return 0;
      let min = Infinity;
      for (const v of m.values()) if (v < min) min = v;
      return min === Infinity ? 0 : min;
    });
    state.write(filterKey, { constraints, counts, minMatch } satisfies FilterState);
    return success;
  },
  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Status {
    const s = state.read<FilterState>(filterKey);
    if (!s) return success;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]!;
      const v = node.labels[c.topologyKey];
      if (v === undefined) return labelRejected;
      const skew = (s.counts[i]!.get(v) ?? 0) + c.selfMatch - s.minMatch[i]!;
      if (skew > c.maxSkew) return skewRejected;
    }
    return success;
  },
  preScore(state: CycleState, pod: PodInfo, feasible: readonly NodeInfo[], cluster: ClusterView): Status {
    const constraints = constraintsOf(pod, 'ScheduleAnyway');
    if (constraints.length === 0) return skip;
    const ignored = new Set<NodeInfo>();
    const domains = constraints.map(() => new Set<string>());
    for (const node of feasible) {
      if (!hasAllKeys(node, constraints)) {
        ignored.add(node);
        continue;
      }
      constraints.forEach((c, i) => domains[i]!.add(node.labels[c.topologyKey]!));
    }
    const counts = constraints.map(() => new Map<string, number>());
    const needsCluster = constraints.some((c) => c.topologyKey !== hostnameKey);
    if (needsCluster) {
      for (const node of cluster.nodes) {
        if (!hasAllKeys(node, constraints)) continue;
        constraints.forEach((c, i) => {
          if (c.topologyKey === hostnameKey || !eligible(node, pod, c)) return;
          const v = node.labels[c.topologyKey]!;
          if (!domains[i]!.has(v)) return;
          counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + matchingOn(node, pod.namespace, c));
        });
      }
    }
    const weights = domains.map((d) => Math.log(d.size + 2));
    state.write(scoreKey, { constraints, counts, weights, ignored } satisfies ScoreState);
    return success;
  },
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const s = state.read<ScoreState>(scoreKey);
    if (!s || s.ignored.has(node)) return 0;
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]!;
      const n = c.topologyKey === hostnameKey ? matchingOn(node, pod.namespace, c) : (s.counts[i]!.get(node.labels[c.topologyKey]!) ?? 0);
      score += n * s.weights[i]! + (c.maxSkew - 1);
    }
    return Math.round(score);
  },
  normalizeScores(state: CycleState, _pod: PodInfo, nodes: readonly NodeInfo[], scores: number[]): void {
    const s = state.read<ScoreState>(scoreKey);
    if (!s) return;
    let min = Infinity;
    let max = 0;
    nodes.forEach((n, i) => {
      if (s.ignored.has(n)) return;
      if (scores[i]! < min) min = scores[i]!;
      if (scores[i]! > max) max = scores[i]!;
    });
    nodes.forEach((n, i) => {
      if (s.ignored.has(n)) scores[i] = 0;
      else if (max === 0) scores[i] = maxNodeScore;
      else scores[i] = Math.trunc((maxNodeScore * (max + min - scores[i]!)) / max);
    });
  },
} satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;

/**
 * InterPodAffinity: required pod affinity / anti-affinity of the incoming
 * pod, the required anti-affinity of pods already placed (symmetry), and
 * preferred terms both ways for scoring — all by topology domain
 * (topologyKey = value on the node). PreFilter counts matching pods per
 * domain once per pod, so Filter is a few map lookups per node.
 */
import type { NodeInfo } from '../framework/node-info.js';
import { termMatchesPod, type AffinityTerm, type NamespaceLabels, type PodInfo } from '../framework/pod-info.js';
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

export const affinityRulesReason = "node(s) didn't match pod affinity rules";
export const antiAffinityRulesReason = "node(s) didn't match pod anti-affinity rules";
export const existingAntiAffinityReason = "node(s) didn't satisfy existing pods anti-affinity rules";

const affinityRejected = frozenStatus(Code.UnschedulableAndUnresolvable, affinityRulesReason);
const antiRejected = frozenStatus(Code.Unschedulable, antiAffinityRulesReason);
const existingRejected = frozenStatus(Code.Unschedulable, existingAntiAffinityReason);

/** Weight given to an existing pod's *required* affinity matching the incoming pod (kube-scheduler's default). */
const hardPodAffinityWeight = 1;

const filterKey = 'InterPodAffinity/filter';
const scoreKey = 'InterPodAffinity/score';

type Counts = Map<string, number>;
/** topologyKey → value → count; nested rather than "key=value" strings so the hot loops build no strings. */
type TopologyCounts = Map<string, Counts>;

function inc(m: TopologyCounts, key: string, value: string): void {
  let byValue = m.get(key);
  if (!byValue) m.set(key, (byValue = new Map()));
  byValue.set(value, (byValue.get(value) ?? 0) + 1);
}

function count(m: TopologyCounts, key: string, value: string): number {
  return m.get(key)?.get(value) ?? 0;
}

interface FilterState {
  /** Placed pods whose required anti-affinity the incoming pod matches, by domain. */
  existingAnti: TopologyCounts;
  /** Placed pods matching all of the incoming pod's affinity terms, by domain. */
  affinity: TopologyCounts;
  /** Placed pods matching one of its anti-affinity terms, by domain. */
  anti: TopologyCounts;
  /** The pod matches all of its own affinity terms (lets the first of a group schedule). */
  selfMatch: boolean;
}

function matchesAll(terms: readonly AffinityTerm[], p: PodInfo, ns: NamespaceLabels): boolean {
  for (const t of terms) if (!termMatchesPod(t, p, ns)) return false;
  return true;
}

function satisfiesAffinity(s: FilterState, pod: PodInfo, node: NodeInfo): boolean {
  let podsExist = true;
  for (const t of pod.requiredAffinityTerms) {
    const v = node.labels[t.topologyKey];
    if (v === undefined) return false;
    if (count(s.affinity, t.topologyKey, v) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  return s.affinity.size === 0 && s.selfMatch;
}

function satisfiesAntiAffinity(s: FilterState, pod: PodInfo, node: NodeInfo): boolean {
  if (s.anti.size === 0) return true;
  for (const t of pod.requiredAntiAffinityTerms) {
    const v = node.labels[t.topologyKey];
    if (v !== undefined && count(s.anti, t.topologyKey, v) > 0) return false;
  }
  return true;
}

function satisfiesExistingAntiAffinity(s: FilterState, node: NodeInfo): boolean {
  if (s.existingAnti.size === 0) return true;
  for (const [key, byValue] of s.existingAnti) {
    const v = node.labels[key];
    if (v !== undefined && (byValue.get(v) ?? 0) > 0) return false;
  }
  return true;
}

interface ScoreState {
  /** topologyKey → value → score */
  topologyScore: Map<string, Map<string, number>>;
}

function addScore(s: ScoreState, key: string, value: string, by: number): void {
  let m = s.topologyScore.get(key);
  if (!m) s.topologyScore.set(key, (m = new Map()));
  m.set(value, (m.get(value) ?? 0) + by);
}

export const interPodAffinity = {
  name: 'InterPodAffinity',
  preFilter(state: CycleState, pod: PodInfo, cluster: ClusterView): Status {
    const ns = cluster.namespaceLabels;
    const s: FilterState = { existingAnti: new Map(), affinity: new Map(), anti: new Map(), selfMatch: false };
    for (const node of cluster.nodesWithAffinityPods()) {
      for (const ep of node.podsWithAffinity) {
        for (const t of ep.requiredAntiAffinityTerms) {
          const v = node.labels[t.topologyKey];
          if (v !== undefined && termMatchesPod(t, pod, ns)) inc(s.existingAnti, t.topologyKey, v);
        }
      }
    }
    const hasAff = pod.requiredAffinityTerms.length > 0;
    const hasAnti = pod.requiredAntiAffinityTerms.length > 0;
    if (!hasAff && !hasAnti && s.existingAnti.size === 0) return skip;
    if (hasAff || hasAnti) {
      for (const node of cluster.nodes) {
        if (node.pods.size === 0) continue;
        for (const ep of node.pods.values()) {
          if (hasAff && matchesAll(pod.requiredAffinityTerms, ep, ns)) {
            for (const t of pod.requiredAffinityTerms) {
              const v = node.labels[t.topologyKey];
              if (v !== undefined) inc(s.affinity, t.topologyKey, v);
            }
          }
          if (hasAnti) {
            for (const t of pod.requiredAntiAffinityTerms) {
              const v = node.labels[t.topologyKey];
              if (v !== undefined && termMatchesPod(t, ep, ns)) inc(s.anti, t.topologyKey, v);
            }
          }
        }
      }
      s.selfMatch = hasAff && matchesAll(pod.requiredAffinityTerms, pod, ns);
    }
    state.write(filterKey, s);
    return success;
  },
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    const s = state.read<FilterState>(filterKey);
    if (!s) return success;
    if (pod.requiredAffinityTerms.length && !satisfiesAffinity(s, pod, node)) return affinityRejected;
    if (!satisfiesAntiAffinity(s, pod, node)) return antiRejected;
    if (!satisfiesExistingAntiAffinity(s, node)) return existingRejected;
    return success;
  },
  preScore(state: CycleState, pod: PodInfo, _feasible: readonly NodeInfo[], cluster: ClusterView): Status {
    const ns = cluster.namespaceLabels;
    const incoming = pod.preferredAffinityTerms.length + pod.preferredAntiAffinityTerms.length > 0;
    const s: ScoreState = { topologyScore: new Map() };
    const visit = (node: NodeInfo, ep: PodInfo) => {
      for (const t of pod.preferredAffinityTerms) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && termMatchesPod(t, ep, ns)) addScore(s, t.topologyKey, v, t.weight);
      }
      for (const t of pod.preferredAntiAffinityTerms) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && termMatchesPod(t, ep, ns)) addScore(s, t.topologyKey, v, -t.weight);
      }
      if (!ep.hasAffinity) return;
      for (const t of ep.preferredAffinityTerms) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && termMatchesPod(t, pod, ns)) addScore(s, t.topologyKey, v, t.weight);
      }
      for (const t of ep.requiredAffinityTerms) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && termMatchesPod(t, pod, ns)) addScore(s, t.topologyKey, v, hardPodAffinityWeight);
      }
      for (const t of ep.preferredAntiAffinityTerms) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && termMatchesPod(t, pod, ns)) addScore(s, t.topologyKey, v, -t.weight);
      }
    };
    if (incoming) {
      for (const node of cluster.nodes) for (const ep of node.pods.values()) visit(node, ep);
    } else {
      let any = false;
      for (const node of cluster.nodesWithAffinityPods()) {
        any = true;
        for (const ep of node.podsWithAffinity) visit(node, ep);
      }
      if (!any) return skip;
    }
    if (s.topologyScore.size === 0) return skip;
    state.write(scoreKey, s);
    return success;
  },
  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const s = state.read<ScoreState>(scoreKey);
    if (!s) return 0;
    let total = 0;
    for (const [key, byValue] of s.topologyScore) {
      const v = node.labels[key];
      if (v !== undefined) total += byValue.get(v) ?? 0;
    }
    return total;
  },
  normalizeScores(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: number[]): void {
    let min = Infinity;
    let max = -Infinity;
    for (const x of scores) {
      if (x < min) min = x;
      if (x > max) max = x;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc((maxNodeScore * (scores[i]! - min)) / diff) : 0;
  },
} satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;

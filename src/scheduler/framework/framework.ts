/**
 * One scheduling cycle over a set of plugins (kube-scheduler's
 * schedulePod): PreFilter, Filter over a rotating sample of nodes until
 * enough feasible ones are found (percentageOfNodesToScore), PreScore,
 * Score + NormalizeScore weighted, then the best node with random
 * tie-breaking. Synchronous: the cache cannot change during a cycle.
 */
import { fitErrorMessage } from './fit-error.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { Code, type Status } from './status.js';
import {
  CycleState,
  isFilter,
  isPreFilter,
  isPreScore,
  isScore,
  type ClusterView,
  type FilterPlugin,
  type Plugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from './types.js';

export interface PluginEntry {
  plugin: Plugin;
  /** Score weight (kube-scheduler's defaults: TaintToleration 3, NodeAffinity 2, ...). */
  weight?: number;
}

export type ScheduleResult =
  | { ok: true; node: NodeInfo; evaluatedNodes: number; feasibleNodes: number }
  | {
      ok: false;
      /** The FailedScheduling message. */
      message: string;
      /** True when some plugin errored rather than rejected: retry with backoff, no Unschedulable condition. */
      error: boolean;
      /** Plugins that rejected at least one node, for queueing decisions. */
      rejectedBy: Set<string>;
    };

export interface FrameworkOptions {
  /** 0 = adaptive (kube-scheduler's default); 100 = every node. */
  percentageOfNodesToScore?: number;
  /** Injected for deterministic tests. */
  random?: () => number;
}

const minFeasibleNodesToFind = 100;
const minFeasibleNodesPercentageToFind = 5;

export function numFeasibleNodesToFind(numAllNodes: number, percentage = 0): number {
  if (numAllNodes < minFeasibleNodesToFind || percentage >= 100) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < minFeasibleNodesPercentageToFind) pct = minFeasibleNodesPercentageToFind;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < minFeasibleNodesToFind ? minFeasibleNodesToFind : n;
}

export class Framework {
  private readonly preFilters: PreFilterPlugin[];
  private readonly filters: FilterPlugin[];
  private readonly preScores: PreScorePlugin[];
  private readonly scores: { plugin: ScorePlugin; weight: number }[];
  private nextStartNodeIndex = 0;
  private readonly random: () => number;
  private readonly percentage: number;

  constructor(entries: PluginEntry[], opts: FrameworkOptions = {}) {
    const names = new Set<string>();
    for (const e of entries) {
      if (names.has(e.plugin.name)) throw new Error(`scheduler framework: plugin ${e.plugin.name} listed twice`);
      names.add(e.plugin.name);
    }
    const plugins = entries.map((e) => e.plugin);
    this.preFilters = plugins.filter(isPreFilter);
    this.filters = plugins.filter(isFilter);
    this.preScores = plugins.filter(isPreScore);
    this.scores = entries.filter((e) => isScore(e.plugin)).map((e) => ({ plugin: e.plugin as ScorePlugin, weight: e.weight ?? 1 }));
    this.random = opts.random ?? Math.random;
    this.percentage = opts.percentageOfNodesToScore ?? 0;
  }

  /** Filter plugins for one node; used by the cycle and by tests. Stops at the first rejection. */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): { status: Status; plugin?: string } | undefined {
    for (const f of this.filters) {
      if (state.skipFilter.has(f.name)) continue;
      const s = f.filter(state, pod, node);
      if (s.code !== Code.Success) return { status: s, plugin: f.name };
    }
    return undefined;
  }

  /** PreFilter of every plugin; the first rejection (or error) is returned. Skips are recorded in `state`. */
  runPreFilters(state: CycleState, pod: PodInfo, cluster: ClusterView): { status: Status; plugin: string } | undefined {
    for (const p of this.preFilters) {
      const s = p.preFilter(state, pod, cluster);
      if (s.code === Code.Success) continue;
      if (s.code === Code.Skip) {
        state.skipFilter.add(p.name);
        continue;
      }
      return { status: s, plugin: p.name };
    }
    return undefined;
  }

  /** Every node that passes PreFilter and Filter (no sampling); for tests and diagnostics. */
  feasibleNodes(pod: PodInfo, cluster: ClusterView): NodeInfo[] {
    const state = new CycleState();
    if (this.runPreFilters(state, pod, cluster)) return [];
    return cluster.nodes.filter((n) => this.runFilters(state, pod, n) === undefined);
  }

  schedule(pod: PodInfo, cluster: ClusterView): ScheduleResult {
    const nodes = cluster.nodes;
    const state = new CycleState();
    const rejectedBy = new Set<string>();
    if (nodes.length === 0) return { ok: false, message: fitErrorMessage({ numAllNodes: 0, nodeStatuses: [] }), error: false, rejectedBy };

    const pre = this.runPreFilters(state, pod, cluster);
    if (pre) {
      rejectedBy.add(pre.plugin);
      const s = pre.status;
      const error = s.code === Code.Error;
      const all = Array.from({ length: nodes.length }, () => s);
      const message = error
        ? `running PreFilter plugin "${pre.plugin}": ${s.reasons.join(', ')}`
        : fitErrorMessage({ numAllNodes: nodes.length, nodeStatuses: all, preFilterMessage: s.reasons.join(', ') });
      return { ok: false, message, error, rejectedBy };
    }

    const want = numFeasibleNodesToFind(nodes.length, this.percentage);
    const feasible: NodeInfo[] = [];
    const rejected: Status[] = [];
    const n = nodes.length;
    let processed = 0;
    for (; processed < n && feasible.length < want; processed++) {
      const node = nodes[(this.nextStartNodeIndex + processed) % n]!;
      const r = this.runFilters(state, pod, node);
      if (r === undefined) {
        feasible.push(node);
        continue;
      }
      if (r.status.code === Code.Error) {
        return { ok: false, message: `running "${r.plugin}" filter plugin: ${r.status.reasons.join(', ')}`, error: true, rejectedBy };
      }
      rejected.push(r.status);
      rejectedBy.add(r.plugin!);
    }
    this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % n;

    if (feasible.length === 0) {
      return { ok: false, message: fitErrorMessage({ numAllNodes: n, nodeStatuses: rejected }), error: false, rejectedBy };
    }
    if (feasible.length === 1) return { ok: true, node: feasible[0]!, evaluatedNodes: processed, feasibleNodes: 1 };

    const totals = this.scoreNodes(state, pod, feasible, cluster);
    return { ok: true, node: this.selectHost(feasible, totals), evaluatedNodes: processed, feasibleNodes: feasible.length };
  }

  /** Weighted sum of every score plugin's normalized scores, index-aligned with `feasible`. */
  scoreNodes(state: CycleState, pod: PodInfo, feasible: readonly NodeInfo[], cluster: ClusterView): number[] {
    for (const p of this.preScores) {
      const s = p.preScore(state, pod, feasible, cluster);
      if (s.code === Code.Skip) state.skipScore.add(p.name);
    }
    const totals = new Array<number>(feasible.length).fill(0);
    const scores = new Array<number>(feasible.length);
    for (const { plugin, weight } of this.scores) {
      if (state.skipScore.has(plugin.name)) continue;
      for (let i = 0; i < feasible.length; i++) scores[i] = plugin.score(state, pod, feasible[i]!);
      plugin.normalizeScores?.(state, pod, feasible, scores);
      for (let i = 0; i < feasible.length; i++) totals[i]! += scores[i]! * weight;
    }
    return totals;
  }

  /** The highest total; ties broken uniformly at random (reservoir sampling), like kube-scheduler. */
  private selectHost(nodes: readonly NodeInfo[], totals: readonly number[]): NodeInfo {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      if (totals[i]! > totals[best]!) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return nodes[best]!;
  }
}

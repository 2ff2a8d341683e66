/**
 * The plugin contract, shaped after kube-scheduler's framework/interface.go:
 * one small interface per extension point, a plugin implements only the
 * points it needs and answers with a Status (never throws for a pod that
 * does not fit). Per-pod data computed at PreFilter/PreScore lives in the
 * CycleState under the plugin's name and is read by Filter/Score for each
 * node.
 *
 * Ordering guarantees: for one pod, PreFilter runs for every plugin before
 * any Filter; Filter runs per node in plugin order and stops at the first
 * rejection; PreScore and Score only see nodes that passed every filter.
 * A scheduling cycle is synchronous, so the cluster view does not change
 * under a plugin while it runs.
 */
import type { NodeInfo } from './node-info.js';
import type { NamespaceLabels, PodInfo } from './pod-info.js';
import type { Status } from './status.js';

/** The cluster as the scheduler's cache sees it, read-only for plugins. */
export interface ClusterView {
  /** Every node with a Node object, in a stable order. */
  readonly nodes: readonly NodeInfo[];
  getNode(name: string): NodeInfo | undefined;
  /** Nodes holding at least one pod with (anti-)affinity terms. */
  nodesWithAffinityPods(): Iterable<NodeInfo>;
  namespaceLabels: NamespaceLabels;
  /** How many nodes report an image, for ImageLocality's spread factor. */
  imageNodeCount(image: string): number;
}

export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose PreFilter said Skip: their Filter is not called. */
  readonly skipFilter = new Set<string>();
  /** Plugins whose PreScore said Skip: their Score is not called. */
  readonly skipScore = new Set<string>();

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
}

export interface Plugin {
  readonly name: string;
}

export interface PreFilterPlugin extends Plugin {
  /** Computes per-pod state; a rejection here rejects every node with the same status. */
  preFilter(state: CycleState, pod: PodInfo, cluster: ClusterView): Status;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, feasible: readonly NodeInfo[], cluster: ClusterView): Status;
}

export interface ScorePlugin extends Plugin {
  /** A raw score for one feasible node. */
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rescales the raw scores (index-aligned with `nodes`) into 0..maxNodeScore, in place. */
  normalizeScores?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], scores: number[]): void;
}

export const maxNodeScore = 100;

export function isPreFilter(p: Plugin): p is PreFilterPlugin {
  return typeof (p as PreFilterPlugin).preFilter === 'function';
}
export function isFilter(p: Plugin): p is FilterPlugin {
  return typeof (p as FilterPlugin).filter === 'function';
}
export function isPreScore(p: Plugin): p is PreScorePlugin {
  return typeof (p as PreScorePlugin).preScore === 'function';
}
export function isScore(p: Plugin): p is ScorePlugin {
  return typeof (p as ScorePlugin).score === 'function';
}

/** DefaultNormalizeScore: scale to 0..max by the largest raw score, optionally reversed. */
export function defaultNormalizeScore(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(maxNodeScore);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc((maxNodeScore * scores[i]!) / max);
    if (reverse) s = maxNodeScore - s;
    scores[i] = s;
  }
}

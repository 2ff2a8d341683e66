/**
 * NodeAffinity: spec.nodeSelector and required node affinity must both
 * match; preferred terms add their weight to a node's score.
 */
import type { PreferredSchedulingTerm } from 'kubernetes-types/core/v1.js';
import type { NodeInfo } from '../framework/node-info.js';
import { podMatchesNodeSelectorAndAffinity, termMatches } from '../framework/node-selector.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Code, frozenStatus, skip, success, type Status } from '../framework/status.js';
import {
  defaultNormalizeScore,
  type CycleState,
  type FilterPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from '../framework/types.js';

export const nodeAffinityReason = "node(s) didn't match Pod's node affinity/selector";
const rejected = frozenStatus(Code.UnschedulableAndUnresolvable, nodeAffinityReason);
const preferredKey = 'NodeAffinity/preferred';

export const nodeAffinity = {
  name: 'NodeAffinity',
  preFilter(_state: CycleState, pod: PodInfo): Status {
    const spec = pod.pod.spec;
    const hasSelector = spec?.nodeSelector && Object.keys(spec.nodeSelector).length > 0;
    const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    return hasSelector || required ? success : skip;
  },
  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    return podMatchesNodeSelectorAndAffinity(pod.pod, node.node) ? success : rejected;
  },
  preScore(state: CycleState, pod: PodInfo): Status {
    const preferred = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const terms = preferred.filter((t) => t.weight !== 0);
    if (terms.length === 0) return skip;
    state.write(preferredKey, terms);
    return success;
  },
  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const terms = state.read<PreferredSchedulingTerm[]>(preferredKey) ?? [];
    let sum = 0;
    for (const t of terms) if (termMatches(t.preference, node.labels, node.name)) sum += t.weight;
    return sum;
  },
  normalizeScores(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: number[]): void {
    defaultNormalizeScore(scores, false);
  },
} satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;

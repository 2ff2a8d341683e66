/**
 * TaintToleration: NoSchedule and NoExecute taints must be tolerated to fit;
 * untolerated PreferNoSchedule taints lower a node's score.
 */
import type { Toleration } from 'kubernetes-types/core/v1.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { findUntoleratedTaint, tolerationsTolerate } from '../framework/tolerations.js';
import { success, unresolvable, type Status } from '../framework/status.js';
import { defaultNormalizeScore, type CycleState, type FilterPlugin, type PreScorePlugin, type ScorePlugin } from '../framework/types.js';

const hardEffect = (e: string) => e === 'NoSchedule' || e === 'NoExecute';
const stateKey = 'TaintToleration/preferNoScheduleTolerations';

export function untoleratedTaintReason(key: string, value: string | undefined): string {
  return `node(s) had untolerated taint {${key}: ${value ?? ''}}`;
}

export const taintToleration = {
  name: 'TaintToleration',
  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
    if (node.taints.length === 0) return success;
    const t = findUntoleratedTaint(node.taints, pod.pod.spec?.tolerations, hardEffect);
    return t ? unresolvable(untoleratedTaintReason(t.key, t.value)) : success;
  },
  preScore(state: CycleState, pod: PodInfo): Status {
    const tols = (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(stateKey, tols);
    return success;
  },
  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    if (node.taints.length === 0) return 0;
    const tols = state.read<Toleration[]>(stateKey) ?? [];
    let n = 0;
    for (const t of node.taints) if (t.effect === 'PreferNoSchedule' && !tolerationsTolerate(tols, t)) n++;
    return n;
  },
  normalizeScores(_state: CycleState, _pod: PodInfo, _nodes: readonly NodeInfo[], scores: number[]): void {
    defaultNormalizeScore(scores, true);
  },
} satisfies FilterPlugin & PreScorePlugin & ScorePlugin;

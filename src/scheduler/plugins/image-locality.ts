/**
 * ImageLocality: prefer nodes that already hold the pod's images, weighted
 * by image size and damped by how many nodes have it (to avoid piling pods
 * onto the one node that pulled an image first).
 */
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { success, type Status } from '../framework/status.js';
import { maxNodeScore, type ClusterView, type CycleState, type PreScorePlugin, type ScorePlugin } from '../framework/types.js';

const mb = 1024 * 1024;
const minThreshold = 23 * mb;
const maxContainerThreshold = 1000 * mb;
const stateKey = 'ImageLocality/spread';

export const imageLocality = {
  name: 'ImageLocality',
  preScore(state: CycleState, pod: PodInfo, _feasible: readonly NodeInfo[], cluster: ClusterView): Status {
    const total = cluster.nodes.length || 1;
    state.write(stateKey, pod.images.map((img) => cluster.imageNodeCount(img) / total));
    return success;
  },
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    if (node.images.size === 0 || pod.images.length === 0) return 0;
    const spread = state.read<number[]>(stateKey) ?? [];
    let sum = 0;
    for (let i = 0; i < pod.images.length; i++) {
      const size = node.images.get(pod.images[i]!);
      if (size !== undefined) sum += size * (spread[i] ?? 0);
    }
    const maxThreshold = maxContainerThreshold * pod.images.length;
    if (sum < minThreshold) sum = minThreshold;
    else if (sum > maxThreshold) sum = maxThreshold;
    return Math.trunc((maxNodeScore * (sum - minThreshold)) / (maxThreshold - minThreshold));
  },
} satisfies PreScorePlugin & ScorePlugin;

/**
 * NodeResourcesFit: requests must fit in allocatable minus what the node's
 * pods (bound and assumed) request; scored LeastAllocated (default),
 * MostAllocated or RequestedToCapacityRatio-free simple variants over cpu and
 * memory. NodeResourcesBalancedAllocation prefers nodes whose cpu and memory
 * fractions stay close.
 */
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { success, unschedulable, type Status } from '../framework/status.js';
import { maxNodeScore, type CycleState, type FilterPlugin, type ScorePlugin } from '../framework/types.js';

export const tooManyPodsReason = 'Too many pods';

/** The reasons a pod does not fit a node's free resources, empty when it fits. */
export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  const out: string[] = [];
  if (node.pods.size + 1 > node.allowedPods) out.push(tooManyPodsReason);
  const r = pod.requests;
  const a = node.allocatable;
  const u = node.requested;
  if (r.milliCPU > 0 && r.milliCPU > a.milliCPU - u.milliCPU) out.push('Insufficient cpu');
  if (r.memory > 0 && r.memory > a.memory - u.memory) out.push('Insufficient memory');
  if (r.ephemeralStorage > 0 && r.ephemeralStorage > a.ephemeralStorage - u.ephemeralStorage) out.push('Insufficient ephemeral-storage');
  if (r.scalar) {
    for (const [name, want] of r.scalar) {
      if (want <= 0) continue;
      const free = (a.scalar?.get(name) ?? 0) - (u.scalar?.get(name) ?? 0);
      if (want > free) out.push(`Insufficient ${name}`);
    }
  }
  return out;
}

export type ScoringStrategy = 'LeastAllocated' | 'MostAllocated';

function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * maxNodeScore) / capacity);
}

function mostRequested(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  if (requested > capacity) requested = capacity;
  return Math.trunc((requested * maxNodeScore) / capacity);
}

export function nodeResourcesFit(strategy: ScoringStrategy = 'LeastAllocated') {
  const per = strategy === 'MostAllocated' ? mostRequested : leastRequested;
  return {
    name: 'NodeResourcesFit',
    filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Status {
      const reasons = insufficientResources(pod, node);
      return reasons.length ? unschedulable(...reasons) : success;
    },
    score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
      // Zero requests count as 100m / 200Mi so that empty pods still spread.
      const cpu = per(node.nonZeroMilliCPU + pod.nonZeroMilliCPU, node.allocatable.milliCPU);
      const mem = per(node.nonZeroMemory + pod.nonZeroMemory, node.allocatable.memory);
      return Math.trunc((cpu + mem) / 2);
    },
  } satisfies FilterPlugin & ScorePlugin;
}

export const balancedAllocation = {
  name: 'NodeResourcesBalancedAllocation',
  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const a = node.allocatable;
    if (a.milliCPU === 0 || a.memory === 0) return 0;
    const cpu = Math.min(1, (node.requested.milliCPU + pod.requests.milliCPU) / a.milliCPU);
    const mem = Math.min(1, (node.requested.memory + pod.requests.memory) / a.memory);
    // The standard deviation of two fractions is half their distance.
    const std = Math.abs(cpu - mem) / 2;
    return Math.trunc((1 - std) * maxNodeScore);
  },
} satisfies ScorePlugin;

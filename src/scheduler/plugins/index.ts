/**
 * The default plugin set, in kube-scheduler 1.30's order, with its score
 * weights (TaintToleration 3, NodeAffinity 2, PodTopologySpread 2,
 * InterPodAffinity 2, the rest 1).
 */
import type { PluginEntry } from '../framework/framework.js';
import { imageLocality } from './image-locality.js';
import { interPodAffinity } from './inter-pod-affinity.js';
import { nodeAffinity } from './node-affinity.js';
import { nodeName } from './node-name.js';
import { nodePorts } from './node-ports.js';
import { balancedAllocation, nodeResourcesFit, type ScoringStrategy } from './node-resources.js';
import { nodeUnschedulable } from './node-unschedulable.js';
import { podTopologySpread } from './pod-topology-spread.js';
import { taintToleration } from './taint-toleration.js';

export interface DefaultPluginOptions {
  scoringStrategy?: ScoringStrategy;
}

export function defaultPlugins(opts: DefaultPluginOptions = {}): PluginEntry[] {
  return [
    { plugin: nodeUnschedulable },
    { plugin: nodeName },
    { plugin: taintToleration, weight: 3 },
    { plugin: nodeAffinity, weight: 2 },
    { plugin: nodePorts },
    { plugin: nodeResourcesFit(opts.scoringStrategy), weight: 1 },
    { plugin: podTopologySpread, weight: 2 },
    { plugin: interPodAffinity, weight: 2 },
    { plugin: balancedAllocation, weight: 1 },
    { plugin: imageLocality, weight: 1 },
  ];
}

export { imageLocality, interPodAffinity, nodeAffinity, nodeName, nodePorts, nodeResourcesFit, balancedAllocation, nodeUnschedulable, podTopologySpread, taintToleration };
export { nodeAffinityReason } from './node-affinity.js';
export { untoleratedTaintReason } from './taint-toleration.js';
export { nodeUnschedulableReason } from './node-unschedulable.js';
export { nodeNameReason } from './node-name.js';
export { nodePortsReason } from './node-ports.js';
export { tooManyPodsReason } from './node-resources.js';
export { affinityRulesReason, antiAffinityRulesReason, existingAntiAffinityReason } from './inter-pod-affinity.js';
export { topologySpreadReason, topologySpreadMissingLabelReason } from './pod-topology-spread.js';

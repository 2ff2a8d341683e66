/**
 * Small builders for scheduler tests: nodes and pods with just the fields a
 * case cares about, and a cache holding them.
 */
import type { Affinity, Container, Node, Pod, Taint, Toleration, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { SchedulerCache } from '../cache.js';
import { Framework } from '../framework/framework.js';
import { newPodInfo } from '../framework/pod-info.js';
import { defaultPlugins } from '../plugins/index.js';

export interface NodeSpec {
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  cpu?: string;
  memory?: string;
  pods?: string;
  images?: { names: string[]; sizeBytes: number }[];
}

export function node(name: string, s: NodeSpec = {}): Node {
  const alloc = { cpu: s.cpu ?? '4', memory: s.memory ?? '16Gi', pods: s.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...s.labels } },
    spec: { taints: s.taints, unschedulable: s.unschedulable },
    status: { capacity: alloc, allocatable: alloc, images: s.images },
  };
}

export const nodeWithTaints = (name: string, ...taints: Taint[]) => node(name, { taints });
export const nodeWithLabels = (name: string, labels: Record<string, string>) => node(name, { labels });

export interface PodSpec {
  namespace?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  cpu?: string;
  memory?: string;
  hostPorts?: number[];
  image?: string;
  topologySpreadConstraints?: TopologySpreadConstraint[];
  priority?: number;
}

export function pod(name: string, s: PodSpec = {}): Pod {
  const requests: Record<string, string> = {};
  if (s.cpu) requests['cpu'] = s.cpu;
  if (s.memory) requests['memory'] = s.memory;
  const c: Container = {
    name: 'c',
    image: s.image ?? 'busybox',
    resources: Object.keys(requests).length ? { requests } : undefined,
    ports: s.hostPorts?.map((p) => ({ containerPort: p, hostPort: p, protocol: 'TCP' })),
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: s.namespace ?? 'default', labels: s.labels, uid: `uid-${name}` },
    spec: {
      containers: [c],
      nodeName: s.nodeName,
      nodeSelector: s.nodeSelector,
      affinity: s.affinity,
      tolerations: s.tolerations,
      topologySpreadConstraints: s.topologySpreadConstraints,
      schedulerName: 'default-scheduler',
      priority: s.priority,
    },
  };
}

export function cacheWith(nodes: Node[], pods: Pod[] = []): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) c.setNode(n);
  for (const p of pods) c.addOrUpdatePod(p);
  return c;
}

/** A framework with the default plugins scoring every node, ties broken towards the first node. */
export function testFramework(): Framework {
  return new Framework(defaultPlugins(), { percentageOfNodesToScore: 100, random: () => 0.99 });
}

/** Where the default plugins put `p`, or the failure message. */
export function place(nodes: Node[], existing: Pod[], p: Pod): string {
  const r = testFramework().schedule(newPodInfo(p), cacheWith(nodes, existing));
  return r.ok ? r.node.name : `FAIL: ${r.message}`;
}

/** The names of nodes that pass every filter for `p`. */
export function feasible(nodes: Node[], existing: Pod[], p: Pod): string[] {
  return testFramework()
    .feasibleNodes(newPodInfo(p), cacheWith(nodes, existing))
    .map((n) => n.name);
}

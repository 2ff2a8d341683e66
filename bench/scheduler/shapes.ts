/**
 * The upstream scheduler_perf shapes (test/integration/scheduler_perf
 * config/performance-config.yaml), as pods skiff's scheduler must place:
 * the default pod, required pod anti-affinity on hostname, required
 * topology spread over zones, and required node affinity on zones. As
 * upstream, each shape first places `initPods` unmeasured pods (its 5000Nodes
 * workload's initPods), then measures `pods`.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

export interface Shape {
  name: string;
  nodes: number;
  pods: number;
  /** pods/s on 2 cores. */
  target: number;
  pod(name: string, namespace: string): Pod;
  /** Placed before the measurement, as upstream's initPods. */
  initPods: number;
  /** The init pods' template (upstream's topology spreading starts from default pods); default `pod`. */
  initPod?(name: string, namespace: string): Pod;
  /** Init pods go to a namespace of their own (upstream's sched-0, measured pods in sched-1). */
  initNamespaceApart?: boolean;
}

function basePod(name: string, namespace: string, labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.9', resources: { requests: { cpu: '100m', memory: '500Mi' }, limits: { cpu: '100m', memory: '500Mi' } } }],
    },
  };
}

export const shapes: Shape[] = [
  { name: 'basic', nodes: 5000, pods: 10_000, target: 1000, initPods: 1000, pod: (n, ns) => basePod(n, ns) },
  {
    name: 'anti-affinity',
    nodes: 5000,
    pods: 2000,
    target: 150,
    initPods: 1000,
    initNamespaceApart: true,
    pod: (n, ns) => {
      const p = basePod(n, ns, { color: 'green' });
      p.spec!.affinity = {
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: 'green' } }, topologyKey: 'kubernetes.io/hostname' }] },
      };
      return p;
    },
  },
  {
    name: 'topology-spread',
    nodes: 5000,
    pods: 5000,
    target: 200,
    initPods: 5000,
    initPod: (n, ns) => basePod(n, ns),
    pod: (n, ns) => {
      const p = basePod(n, ns, { color: 'blue' });
      p.spec!.topologySpreadConstraints = [{ maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { color: 'blue' } } }];
      return p;
    },
  },
  {
    name: 'node-affinity',
    nodes: 5000,
    pods: 10_000,
    target: 500,
    initPods: 5000,
    pod: (n, ns) => {
      const p = basePod(n, ns);
      p.spec!.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-a', 'zone-b'] }] }] },
        },
      };
      return p;
    },
  },
];

/** The Node and Lease objects a hollow node registers and renews. */
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';

export interface HollowNodeShape {
  name: string;
  index: number;
  zone: string;
  capacity: Record<string, string>;
  labels: Record<string, string>;
  kubeletVersion: string;
}

export const rfc3339 = (d = new Date()) => d.toISOString().replace(/\.\d+Z$/, 'Z');
/** metav1.MicroTime: microsecond precision. */
export const microTime = (d = new Date()) => d.toISOString().replace(/\.(\d+)Z$/, (_m, ms: string) => `.${ms.padEnd(6, '0')}Z`);

/** One /24 per node, numbered from 10.42.0.0 upwards (past 10.42.255 it continues into 10.43+, fine for a simulation). */
export function podCIDR(index: number): { prefix: string; cidr: string } {
  const prefix = `10.${42 + (index >> 8)}.${index & 255}`;
  return { prefix, cidr: `${prefix}.0/24` };
}

/**
 * Hollow nodes' addresses are loopback ones (127.1.0.1, 127.1.0.2, ...): the
 * API server dials a node's InternalIP for logs and exec, and a simulation
 * must never send traffic off this machine.
 */
export function hostIP(index: number): string {
  const n = index + 1;
  return `127.${1 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

export function nodeConditions(now: string, ready: boolean, since = now): NodeCondition[] {
  const ok = (type: string, reason: string, message: string): NodeCondition => ({
    type,
    status: 'False',
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: since,
  });
  return [
    ok('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    ok('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    ok('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: since }
      : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'hollow node is starting', lastHeartbeatTime: now, lastTransitionTime: since },
  ];
}

export function nodeObject(s: HollowNodeShape): Node {
  const now = rfc3339();
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: s.name,
      labels: {
        'kubernetes.io/hostname': s.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/zone': s.zone,
        'skiff.dev/hollow': 'true',
        ...s.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { podCIDR: podCIDR(s.index).cidr, podCIDRs: [podCIDR(s.index).cidr] },
    status: nodeStatus(s, now),
  };
}

export function nodeStatus(s: HollowNodeShape, now: string): NonNullable<Node['status']> {
  return {
    capacity: { ...s.capacity, 'ephemeral-storage': s.capacity['ephemeral-storage'] ?? '100Gi' },
    allocatable: { ...s.capacity, 'ephemeral-storage': s.capacity['ephemeral-storage'] ?? '100Gi' },
    conditions: nodeConditions(now, true),
    addresses: [
      { type: 'InternalIP', address: hostIP(s.index) },
      { type: 'Hostname', address: s.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: `hollow-${s.index}`,
      systemUUID: `hollow-${s.index}`,
      bootID: `hollow-${s.index}`,
      kernelVersion: 'hollow',
      osImage: 'skiff hollow node',
      containerRuntimeVersion: 'hollow://0.1.0',
      kubeletVersion: s.kubeletVersion,
      kubeProxyVersion: s.kubeletVersion,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

export function leaseObject(nodeName: string, nodeUid: string | undefined, durationSeconds: number): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: nodeName,
      namespace: 'kube-node-lease',
      ownerReferences: nodeUid ? [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] : undefined,
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime: microTime() },
  };
}

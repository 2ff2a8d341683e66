/**
 * The Node object this agent registers and keeps current: real capacity
 * (CPUs, memory, pods, ephemeral storage of the data dir's filesystem),
 * nodeInfo (kernel, OS image, `containerd://<version>`, kubelet version),
 * addresses, conditions (Ready follows the runtime's RuntimeReady and
 * NetworkReady) and the images present; plus the Lease heartbeat in
 * kube-node-lease that the node lifecycle controller watches.
 */
import { readFileSync, statfsSync } from 'node:fs';
import { arch, cpus, hostname, networkInterfaces, release, totalmem } from 'node:os';
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import type { Image } from '../cri/index.js';

export const KUBELET_PORT = 10250;

function readTrim(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readTrim('/etc/os-release'));
  return m?.[1] ?? 'Linux';
}

function goArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}

/** The address of the interface holding the default route, else any non-loopback IPv4, else 127.0.0.1. */
export function primaryAddress(): string {
  const ifaces = networkInterfaces();
  const route = readTrim('/proc/net/route');
  for (const line of route.split('\n').slice(1)) {
    const [iface, dest] = line.split(/\s+/);
    if (dest === '00000000') {
      const a = ifaces[iface]?.find((x) => x.family === 'IPv4' && !x.internal);
      if (a) return a.address;
    }
  }
  for (const [name, list] of Object.entries(ifaces)) {
    if (/^(lo|veth|cni|skiff|flannel|docker)/.test(name)) continue;
    const a = list?.find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  }
  return '127.0.0.1';
}

export interface NodeFacts {
  nodeName: string;
  address: string;
  runtimeVersion: string;
  kubeletVersion: string;
  dataDir: string;
  maxPods: number;
  podCIDR?: string;
  labels?: Record<string, string>;
}

export function capacity(f: NodeFacts): Record<string, string> {
  let storageKi = 0;
  try {
    const s = statfsSync(f.dataDir);
    storageKi = Math.floor((Number(s.blocks) * Number(s.bsize)) / 1024);
  } catch {
    // unknown: leave 0
  }
  return {
    cpu: String(cpus().length),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    pods: String(f.maxPods),
    'ephemeral-storage': `${storageKi}Ki`,
  };
}

/** Capacity minus the kubelet's default hard eviction thresholds (memory 100Mi, 10 % of storage). */
export function allocatable(cap: Record<string, string>): Record<string, string> {
  const memKi = parseInt(cap.memory, 10) - 100 * 1024;
  const storageKi = Math.floor(parseInt(cap['ephemeral-storage'], 10) * 0.9);
  return { ...cap, memory: `${Math.max(0, memKi)}Ki`, 'ephemeral-storage': `${storageKi * 1024}` };
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export function nodeConditions(ready: boolean, readyMessage: string, old: NodeCondition[] | undefined): NodeCondition[] {
  const t = now();
  const mk = (type: string, status: string, reason: string, message: string): NodeCondition => {
    const prev = old?.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: t,
      lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : t,
    };
  };
  return [
    mk('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    mk('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    mk('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready ? mk('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status') : mk('Ready', 'False', 'KubeletNotReady', readyMessage),
  ];
}

export function nodeImages(images: Image[]): { names: string[]; sizeBytes: number }[] {
  return images
    .map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: Number(i.size) }))
    .filter((i) => i.names.length)
    .sort((a, b) => b.sizeBytes - a.sizeBytes)
    .slice(0, 50);
}

export function nodeObject(f: NodeFacts): Node {
  const cap = capacity(f);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: f.nodeName,
      labels: {
        'kubernetes.io/hostname': f.nodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': goArch(),
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': goArch(),
        ...(f.labels ?? {}),
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: f.podCIDR ? { podCIDR: f.podCIDR, podCIDRs: [f.podCIDR] } : {},
    status: {
      capacity: cap,
      allocatable: allocatable(cap),
      addresses: [
        { type: 'InternalIP', address: f.address },
        { type: 'Hostname', address: f.nodeName || hostname() },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
      nodeInfo: {
        machineID: readTrim('/etc/machine-id'),
        systemUUID: readTrim('/sys/class/dmi/id/product_uuid') || readTrim('/etc/machine-id'),
        bootID: readTrim('/proc/sys/kernel/random/boot_id'),
        kernelVersion: release(),
        osImage: osImage(),
        containerRuntimeVersion: `containerd://${f.runtimeVersion}`,
        kubeletVersion: f.kubeletVersion,
        kubeProxyVersion: f.kubeletVersion,
        operatingSystem: 'linux',
        architecture: goArch(),
      },
      conditions: nodeConditions(false, 'container runtime status check may not have completed yet', undefined),
    },
  };
}

/**
 * The scheduler's view of one node: the Node object plus the pods on it
 * (bound or assumed) and running totals kept up to date as pods come and go,
 * so a filter is a few comparisons rather than a walk over the node's pods.
 */
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { addResource, addResourceList, emptyResource, type Resource } from './resources.js';
import type { HostPort, PodInfo } from './pod-info.js';

export class NodeInfo {
  node!: Readonly<Node>;
  name: string;
  labels: Readonly<Record<string, string>> = {};
  taints: readonly Taint[] = [];
  unschedulable = false;
  allocatable: Resource = emptyResource();
  allowedPods = 0;
  /** image name → size in bytes, from status.images. */
  images = new Map<string, number>();

  readonly pods = new Map<string, PodInfo>();
  readonly requested: Resource = emptyResource();
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  usedPorts: HostPort[] = [];
  /** Pods with any (anti-)affinity term, for InterPodAffinity. */
  readonly podsWithAffinity = new Set<PodInfo>();
  podsWithRequiredAntiAffinity = 0;
  /** Bumped on every change; lets caches tell whether they are stale. */
  generation = 0;

  constructor(name: string, node?: Readonly<Node>) {
    this.name = name;
    if (node) this.setNode(node);
  }

  setNode(node: Readonly<Node>): void {
    this.node = node;
    this.labels = node.metadata?.labels ?? {};
    this.taints = node.spec?.taints ?? [];
    this.unschedulable = node.spec?.unschedulable === true;
    const alloc = (node.status?.allocatable ?? node.status?.capacity ?? {}) as Record<string, unknown>;
    this.allocatable = emptyResource();
    addResourceList(this.allocatable, alloc);
    const pods = alloc['pods'];
    this.allowedPods = typeof pods === 'string' || typeof pods === 'number' ? Number(pods) || 0 : 0;
    this.images = new Map();
    for (const img of node.status?.images ?? []) {
      for (const n of img.names ?? []) this.images.set(n, img.sizeBytes ?? 0);
    }
    this.generation++;
  }

  hasNode(): boolean {
    return this.node !== undefined;
  }

  addPod(p: PodInfo): void {
    const old = this.pods.get(p.key);
    if (old) this.removePod(old);
    this.pods.set(p.key, p);
    addResource(this.requested, p.requests);
    this.nonZeroMilliCPU += p.nonZeroMilliCPU;
    this.nonZeroMemory += p.nonZeroMemory;
    for (const hp of p.hostPorts) this.usedPorts.push(hp);
    if (p.hasAffinity) this.podsWithAffinity.add(p);
    if (p.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity++;
    this.generation++;
  }

  removePod(p: PodInfo): boolean {
    const cur = this.pods.get(p.key);
    if (!cur) return false;
    this.pods.delete(p.key);
    addResource(this.requested, cur.requests, -1);
    this.nonZeroMilliCPU -= cur.nonZeroMilliCPU;
    this.nonZeroMemory -= cur.nonZeroMemory;
    if (cur.hostPorts.length) {
      const drop = new Set(cur.hostPorts);
      this.usedPorts = this.usedPorts.filter((hp) => !drop.has(hp));
    }
    if (cur.hasAffinity) this.podsWithAffinity.delete(cur);
    if (cur.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity--;
    this.generation++;
    return true;
  }
}

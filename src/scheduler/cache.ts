/**
 * The scheduler's cache of nodes and the pods placed on them, fed by the
 * node and assigned-pod informers, plus pods the scheduler has *assumed*
 * onto a node while their binding is in flight — so the next cycle already
 * counts them and two pods do not race for the last slot.
 *
 * An assumed pod becomes confirmed when the informer shows it bound (the
 * normal path), or is forgotten when its binding fails. Node infos are
 * updated incrementally; the node list is rebuilt only when nodes come or go.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { NodeInfo } from './framework/node-info.js';
import { newPodInfo, type NamespaceLabels, type PodInfo } from './framework/pod-info.js';
import type { ClusterView } from './framework/types.js';

interface PodState {
  info: PodInfo;
  nodeName: string;
  assumed: boolean;
}

export class SchedulerCache implements ClusterView {
  private readonly infos = new Map<string, NodeInfo>();
  private list: NodeInfo[] = [];
  private listDirty = false;
  private readonly podStates = new Map<string, PodState>();
  private readonly withAffinity = new Set<NodeInfo>();
  private readonly imageCounts = new Map<string, number>();
  namespaceLabels: NamespaceLabels = () => undefined;

  get nodes(): readonly NodeInfo[] {
    if (this.listDirty) {
      // Sorted by name so the rotation over nodes is stable across restarts and tests.
      this.list = [...this.infos.values()].filter((n) => n.hasNode()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      this.listDirty = false;
    }
    return this.list;
  }

  getNode(name: string): NodeInfo | undefined {
    const n = this.infos.get(name);
    return n?.hasNode() ? n : undefined;
  }

  nodesWithAffinityPods(): Iterable<NodeInfo> {
    return this.withAffinity;
  }

  imageNodeCount(image: string): number {
    return this.imageCounts.get(image) ?? 0;
  }

  nodeCount(): number {
    return this.nodes.length;
  }

  private countImages(n: NodeInfo, sign: 1 | -1): void {
    for (const name of n.images.keys()) {
      const c = (this.imageCounts.get(name) ?? 0) + sign;
      if (c <= 0) this.imageCounts.delete(name);
      else this.imageCounts.set(name, c);
    }
  }

  setNode(node: Readonly<Node>): void {
    const name = node.metadata?.name ?? '';
    let info = this.infos.get(name);
    if (!info) {
      info = new NodeInfo(name);
      this.infos.set(name, info);
    }
    if (info.hasNode()) this.countImages(info, -1);
    else this.listDirty = true;
    info.setNode(node);
    this.countImages(info, 1);
  }

  removeNode(name: string): void {
    const info = this.infos.get(name);
    if (!info) return;
    if (info.hasNode()) this.countImages(info, -1);
    this.listDirty = true;
    this.withAffinity.delete(info);
    // Pods still bound to a vanished node stay accounted until they are deleted, as in kube-scheduler.
    if (info.pods.size === 0) this.infos.delete(name);
    else (info as { node: unknown }).node = undefined;
  }

  private infoFor(nodeName: string): NodeInfo {
    let info = this.infos.get(nodeName);
    if (!info) {
      info = new NodeInfo(nodeName);
      this.infos.set(nodeName, info);
    }
    return info;
  }

  private place(info: PodInfo, nodeName: string, assumed: boolean): void {
    const n = this.infoFor(nodeName);
    n.addPod(info);
    if (n.podsWithAffinity.size > 0 && n.hasNode()) this.withAffinity.add(n);
    this.podStates.set(info.key, { info, nodeName, assumed });
  }

  private unplace(key: string): PodState | undefined {
    const st = this.podStates.get(key);
    if (!st) return undefined;
    this.podStates.delete(key);
    const n = this.infos.get(st.nodeName);
    if (n) {
      n.removePod(st.info);
      if (n.podsWithAffinity.size === 0) this.withAffinity.delete(n);
      if (!n.hasNode() && n.pods.size === 0) this.infos.delete(st.nodeName);
    }
    return st;
  }

  /** Counts a pod on a node before the API server has confirmed its binding. */
  assume(info: PodInfo, nodeName: string): void {
    this.unplace(info.key);
    this.place(info, nodeName, true);
  }

  /** The binding failed: the assumed pod no longer occupies the node. */
  forget(key: string): void {
    const st = this.podStates.get(key);
    if (st?.assumed) this.unplace(key);
  }

  isAssumed(key: string): boolean {
    return this.podStates.get(key)?.assumed === true;
  }

  /** An assigned, non-terminal pod as the informer reports it (add or update). */
  addOrUpdatePod(pod: Readonly<Pod>): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const info = newPodInfo(pod);
    this.unplace(info.key);
    this.place(info, nodeName, false);
  }

  removePod(key: string): void {
    this.unplace(key);
  }

  podCount(): number {
    return this.podStates.size;
  }
}

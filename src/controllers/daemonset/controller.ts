/**
 * The DaemonSet controller (pkg/controller/daemon, Kubernetes 1.30): one pod
 * per eligible node, created pinned to the node and left to the default
 * scheduler to bind; pods on nodes that stop qualifying (or vanish) go;
 * template changes roll out per updateStrategy — RollingUpdate within
 * maxUnavailable/maxSurge, or OnDelete — tracked by ControllerRevisions
 * `<ds>-<hash>` whose hash every pod carries as `controller-revision-hash`.
 */
import type { DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import { labelSelectorFromObject, matches } from '../../api/labels.js';
import type { KObject } from '../../api/types.js';
import type { Informer, ResourceClient, SyncResult, WorkQueue } from '../../client/types.js';
import { ControllerRefManager } from '../shared/controller-ref.js';
import { controllerUidIndex, controllerUidOf, ensureIndex, runSyncWorkers, withKind, type ControllerContext, type RunningController } from '../shared/controller.js';
import { ControllerExpectations } from '../shared/expectations.js';
import { computePodTemplateHash } from '../shared/hash.js';
import { PodControl, isNamespaceTerminating, slowStartBatch } from '../shared/pod-control.js';
import { isPodAvailable, isPodReady } from '../shared/pod-util.js';
import { getControllerOf, gvr, keyOf, newControllerRef } from '../shared/resources.js';
import { cleanupRevisions, ensureRevision, revisionHashLabel, type RevisionObj } from './history.js';
import { nodeShouldRunDaemonPod, scaledValue, targetNodeName, templateForNode } from './nodes.js';

type DaemonSetObj = DaemonSet & KObject;
type PodObj = Pod & KObject;
type NodeObj = Node & KObject;

export const daemonSetGVK = { apiVersion: 'apps/v1', kind: 'DaemonSet' };
export const templateGenerationLabel = 'pod-template-generation';

export interface DaemonSetControllerOptions {
  now?: () => number;
}

export class DaemonSetController implements RunningController {
  readonly name = 'daemonset';
  readonly queue: WorkQueue<string>;
  readonly expectations = new ControllerExpectations();
  private readonly sets: Informer<DaemonSetObj>;
  private readonly pods: Informer<PodObj>;
  private readonly nodes: Informer<NodeObj>;
  private readonly revisions: Informer<RevisionObj>;
  private readonly podControl: PodControl;
  /** Per `<ds>/<node>`: when a failed pod was last killed, and the current backoff. */
  private readonly failedBackoff = new Map<string, { at: number; delay: number }>();
  private readonly now: () => number;

  constructor(
    private readonly ctx: ControllerContext,
    opts: DaemonSetControllerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.queue = ctx.newQueue('daemonset');
    this.sets = ctx.informers.informerFor<DaemonSetObj>(gvr.daemonsets);
    this.pods = ctx.informers.informerFor<PodObj>(gvr.pods);
    this.nodes = ctx.informers.informerFor<NodeObj>(gvr.nodes);
    this.revisions = ctx.informers.informerFor<RevisionObj>(gvr.controllerrevisions);
    this.podControl = new PodControl(ctx.client, ctx.recorder);
    ensureIndex(this.pods, controllerUidIndex, controllerUidOf);
    ensureIndex(this.revisions, controllerUidIndex, controllerUidOf);

    this.sets.addEventHandler({
      onAdd: (ds) => this.queue.add(keyOf(ds)),
      onUpdate: (_o, ds) => this.queue.add(keyOf(ds)),
      onDelete: (ds) => {
        this.expectations.delete(keyOf(ds));
        this.queue.add(keyOf(ds));
      },
    });
    const owner = (p: Readonly<PodObj>) => {
      const ref = getControllerOf(p);
      return ref?.kind === 'DaemonSet' ? `${p.metadata?.namespace}/${ref.name}` : undefined;
    };
    this.pods.addEventHandler({
      onAdd: (p) => {
        const key = owner(p);
        if (!key) return this.enqueueMatching(p);
        if (p.metadata?.deletionTimestamp) this.expectations.deletionObserved(key, keyOf(p));
        else this.expectations.creationObserved(key);
        this.queue.add(key);
      },
      onUpdate: (o, p) => {
        const key = owner(p);
        const oldKey = owner(o);
        if (oldKey && oldKey !== key) this.queue.add(oldKey);
        if (!key) return this.enqueueMatching(p);
        if (p.metadata?.deletionTimestamp && !o.metadata?.deletionTimestamp) this.expectations.deletionObserved(key, keyOf(p));
        this.queue.add(key);
      },
      onDelete: (p) => {
        const key = owner(p);
        if (!key) return;
        this.expectations.deletionObserved(key, keyOf(p));
        this.queue.add(key);
      },
    });
    // Any node change may change where daemons belong.
    const allSets = () => {
      for (const ds of this.sets.list()) this.queue.add(keyOf(ds));
    };
    this.nodes.addEventHandler({
      onAdd: allSets,
      onUpdate: (o, n) => {
        if (JSON.stringify(o.metadata?.labels) !== JSON.stringify(n.metadata?.labels) || JSON.stringify(o.spec?.taints) !== JSON.stringify(n.spec?.taints)) allSets();
      },
      onDelete: allSets,
    });
    this.revisions.addEventHandler({
      onDelete: (r) => {
        const ref = getControllerOf(r);
        if (ref?.kind === 'DaemonSet') this.queue.add(`${r.metadata?.namespace}/${ref.name}`);
      },
    });
  }

  run(workers: number): void {
    runSyncWorkers(this.queue, workers, (k) => this.sync(k), this.ctx.log);
  }

  stop(): void {
    this.queue.shutDown();
  }

  /** An orphan pod may be adopted by a DaemonSet whose selector matches it. */
  private enqueueMatching(p: Readonly<PodObj>): void {
    for (const ds of this.sets.list(p.metadata?.namespace)) {
      if (matches(labelSelectorFromObject(ds.spec?.selector), p.metadata?.labels)) this.queue.add(keyOf(ds));
    }
  }

  private client<T extends KObject>(g: (typeof gvr)[keyof typeof gvr], ns: string): ResourceClient<T> {
    return this.ctx.client.resource<T>(g, ns);
  }

  async sync(key: string): Promise<SyncResult> {
    const cached = this.sets.get(key);
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    const ds = withKind<DaemonSetObj>(cached, 'apps/v1', 'DaemonSet');
    const ns = ds.metadata!.namespace!;
    const selector = labelSelectorFromObject(ds.spec?.selector);
    if (ds.metadata?.deletionTimestamp) return;

    // Revisions: the current one for the template, older ones for history.
    const revClient = this.client<RevisionObj>(gvr.controllerrevisions, ns);
    const ownedRevs = await new ControllerRefManager<RevisionObj>({
      owner: ds,
      ownerGVK: daemonSetGVK,
      selector,
      objects: revClient,
      fetchOwner: () => this.client<DaemonSetObj>(gvr.daemonsets, ns).get(ds.metadata!.name!),
    }).claim([...this.revisions.byIndex(controllerUidIndex, ds.metadata!.uid!), ...this.revisions.list(ns).filter((r) => !getControllerOf(r) && matches(selector, r.metadata?.labels))]);
    const collisionCount = ds.status?.collisionCount ?? 0;
    const rev = await ensureRevision({
      owner: ds,
      ownerGVK: daemonSetGVK,
      template: ds.spec?.template,
      revisions: ownedRevs,
      hash: (c) => computePodTemplateHash(ds.spec?.template, c || undefined),
      collisionCount,
      client: revClient,
    });
    if (rev.collisionCount !== collisionCount) {
      await this.client<DaemonSetObj>(gvr.daemonsets, ns).updateStatus({ ...ds, status: { ...ds.status, collisionCount: rev.collisionCount } as DaemonSetStatus });
      throw new Error(`found a hash collision for DaemonSet ${key}; bumped collisionCount to ${rev.collisionCount}`);
    }
    const hash = rev.current.metadata!.labels![revisionHashLabel]!;

    const pods = await this.claimPods(ds);
    const nodes = this.nodes.list();
    const byNode = new Map<string, Readonly<PodObj>[]>();
    const nowhere: Readonly<PodObj>[] = [];
    for (const p of pods) {
      const n = targetNodeName(p.spec);
      if (!n) nowhere.push(p);
      else byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }

    let requeueAfterMs: number | undefined;
    if (this.expectations.satisfied(key)) {
      requeueAfterMs = await this.manage(key, ds, nodes, byNode, nowhere, hash);
      if (this.expectations.satisfied(key) && ds.spec?.updateStrategy?.type !== 'OnDelete') {
        await this.rollingUpdate(key, ds, nodes, byNode, hash);
      }
    }

    // History beyond the limit goes, except revisions live pods still run.
    const liveHashes = new Set(pods.map((p) => p.metadata?.labels?.[revisionHashLabel]));
    await cleanupRevisions(revClient, rev.old, ds.spec?.revisionHistoryLimit ?? 10, (r) => liveHashes.has(r.metadata?.labels?.[revisionHashLabel]));

    const statusRequeue = await this.updateStatus(ds, nodes, byNode, hash);
    const delays = [requeueAfterMs, statusRequeue].filter((d): d is number => d !== undefined);
    return delays.length ? { requeueAfterMs: Math.min(...delays) } : undefined;
  }

  private async claimPods(ds: DaemonSetObj): Promise<Readonly<PodObj>[]> {
    const ns = ds.metadata!.namespace!;
    const selector = labelSelectorFromObject(ds.spec?.selector);
    const candidates = [...this.pods.byIndex(controllerUidIndex, ds.metadata!.uid!), ...this.pods.list(ns).filter((p) => !getControllerOf(p) && matches(selector, p.metadata?.labels))];
    return new ControllerRefManager<PodObj>({
      owner: ds,
      ownerGVK: daemonSetGVK,
      selector,
      objects: this.client<PodObj>(gvr.pods, ns),
      fetchOwner: () => this.client<DaemonSetObj>(gvr.daemonsets, ns).get(ds.metadata!.name!),
    }).claim(candidates);
  }

  /** podsShouldBeOnNode for every node, then one round of creations and deletions. */
  private async manage(key: string, ds: DaemonSetObj, nodes: readonly Readonly<NodeObj>[], byNode: Map<string, Readonly<PodObj>[]>, nowhere: readonly Readonly<PodObj>[], hash: string): Promise<number | undefined> {
    const now = this.now();
    const create: string[] = [];
    const remove: Readonly<PodObj>[] = [];
    let requeue: number | undefined;
    const surge = scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxSurge, 1, 0) > 0 && ds.spec?.updateStrategy?.type !== 'OnDelete';
    const known = new Set<string>();
    for (const node of nodes) {
      const name = node.metadata!.name!;
      known.add(name);
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds.spec?.template);
      const podsHere = (byNode.get(name) ?? []).filter((p) => !p.metadata?.deletionTimestamp);
      if (shouldRun) {
        const running: Readonly<PodObj>[] = [];
        for (const p of podsHere) {
          const phase = p.status?.phase;
          if (phase === 'Failed') {
            // Kubelets can reject pods over and over: kill and recreate with a per-node backoff.
            const bk = `${key}/${name}`;
            const b = this.failedBackoff.get(bk);
            if (b && now - b.at < b.delay) {
              const left = b.delay - (now - b.at);
              requeue = requeue === undefined ? left : Math.min(requeue, left);
              continue;
            }
            this.failedBackoff.set(bk, { at: now, delay: Math.min((b?.delay ?? 500) * 2, 15 * 60_000) });
            this.ctx.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${p.metadata!.namespace}/${p.metadata!.name} on node ${name}, will try to kill it`);
            remove.push(p);
          } else if (phase === 'Succeeded') {
            remove.push(p);
          } else {
            running.push(p);
          }
        }
        if (running.length === 0) {
          create.push(name);
        } else if (running.length > 1) {
          const oldestFirst = [...running].sort((a, b) => Date.parse(a.metadata!.creationTimestamp!) - Date.parse(b.metadata!.creationTimestamp!) || (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
          if (!surge) {
            remove.push(...oldestFirst.slice(1));
          } else {
            // Surging: once an updated pod is available the others go; until then both stay.
            const updatedAvailable = oldestFirst.find((p) => isUpdated(p, hash, ds) && isPodAvailable(p as Pod, ds.spec?.minReadySeconds ?? 0, now));
            if (updatedAvailable) remove.push(...oldestFirst.filter((p) => p !== updatedAvailable));
            else {
              const updated = oldestFirst.filter((p) => isUpdated(p, hash, ds));
              remove.push(...updated.slice(1));
              const old = oldestFirst.filter((p) => !isUpdated(p, hash, ds));
              remove.push(...old.slice(1));
            }
          }
        }
      } else if (!shouldContinueRunning) {
        remove.push(...podsHere);
      }
    }
    // Pods for nodes that no longer exist, and daemon pods pinned nowhere.
    for (const [name, ps] of byNode) if (!known.has(name)) remove.push(...ps.filter((p) => !p.metadata?.deletionTimestamp));
    remove.push(...nowhere.filter((p) => !p.metadata?.deletionTimestamp));
    await this.syncNodes(key, ds, remove, create, hash);
    return requeue;
  }

  /** RollingUpdate (update.go): delete old pods within maxUnavailable, or surge new ones within maxSurge. */
  private async rollingUpdate(key: string, ds: DaemonSetObj, nodes: readonly Readonly<NodeObj>[], byNode: Map<string, Readonly<PodObj>[]>, hash: string): Promise<void> {
    const now = this.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const available = (p: Readonly<PodObj>) => isPodAvailable(p as Pod, minReady, now);
    let desired = 0;
    const eligible = new Map<string, boolean>();
    for (const n of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(n, ds.spec?.template);
      eligible.set(n.metadata!.name!, shouldRun);
      if (shouldRun) desired++;
    }
    const ru = ds.spec?.updateStrategy?.rollingUpdate;
    const maxSurge = scaledValue(ru?.maxSurge, desired, 0);
    let maxUnavailable = scaledValue(ru?.maxUnavailable, desired, 1);
    if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;

    const oldToDelete: Readonly<PodObj>[] = [];
    if (maxSurge === 0) {
      let unavailable = 0;
      const replaceNow: Readonly<PodObj>[] = [];
      const candidates: Readonly<PodObj>[] = [];
      for (const [node, ps] of byNode) {
        if (!eligible.has(node)) continue;
        const found = updatedAndOld(ps, hash, ds);
        if (!found) {
          unavailable++;
          continue;
        }
        const { newPod, oldPod } = found;
        if ((!oldPod && !newPod) || (oldPod && newPod)) unavailable++;
        else if (newPod) {
          if (!available(newPod)) unavailable++;
        } else if (oldPod) {
          if (!available(oldPod)) replaceNow.push(oldPod);
          else if (unavailable < maxUnavailable) candidates.push(oldPod);
        }
      }
      // Nodes that should run a pod but have none count as unavailable too.
      for (const [node, ok] of eligible) if (ok && !byNode.has(node)) unavailable++;
      const room = Math.max(0, Math.min(maxUnavailable - unavailable, candidates.length));
      oldToDelete.push(...replaceNow, ...sortByName(candidates).slice(0, room));
      await this.syncNodes(key, ds, oldToDelete, [], hash);
      return;
    }

    let surged = 0;
    const allowedNew: string[] = [];
    const candidateNew: string[] = [];
    for (const [node, ps] of byNode) {
      const found = updatedAndOld(ps, hash, ds);
      if (!found) {
        surged++;
        continue;
      }
      const { newPod, oldPod } = found;
      if (!oldPod) continue;
      if (!newPod) {
        if (!available(oldPod)) {
          if (!eligible.get(node)) {
            oldToDelete.push(oldPod);
            continue;
          }
          allowedNew.push(node);
        } else if (surged < maxSurge) {
          candidateNew.push(node);
        }
      } else if (!available(newPod)) {
        surged++;
      } else {
        oldToDelete.push(oldPod);
      }
    }
    const room = Math.max(0, Math.min(maxSurge - surged, candidateNew.length));
    await this.syncNodes(key, ds, oldToDelete, [...allowedNew, ...candidateNew.sort().slice(0, room)], hash);
  }

  /** Creates one pod per node in `create` and deletes `remove`, under expectations. */
  private async syncNodes(key: string, ds: DaemonSetObj, remove: readonly Readonly<PodObj>[], create: readonly string[], hash: string): Promise<void> {
    if (!remove.length && !create.length) return;
    const ns = ds.metadata!.namespace!;
    // Deletions are tracked by pod key (a graceful delete is seen twice); creations by count.
    this.expectations.expectDeletions(key, remove.map((p) => keyOf(p)));
    this.expectations.raise(key, create.length, 0);
    const ref = newControllerRef(ds, daemonSetGVK);
    const generation = String(ds.metadata?.generation ?? 1);
    let i = 0;
    const { successes, error } = await slowStartBatch(create.length, 1, async () => {
      const node = create[i++]!;
      const template = templateForNode(ds.spec!.template, node);
      template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [revisionHashLabel]: hash, [templateGenerationLabel]: generation } };
      await this.podControl.createPod(ns, template, ds, ref);
    });
    if (create.length - successes > 0) this.expectations.lower(key, create.length - successes, 0);
    const errs: unknown[] = [];
    await Promise.all(
      remove.map(async (p) => {
        try {
          await this.podControl.deletePod(ns, p.metadata!.name!, ds);
        } catch (e) {
          this.expectations.deletionObserved(key, keyOf(p));
          if (!isStatusError(e, 'NotFound')) errs.push(e);
        }
      }),
    );
    if (error && !isNamespaceTerminating(error)) throw error;
    if (errs.length) throw errs[0];
  }

  private async updateStatus(ds: DaemonSetObj, nodes: readonly Readonly<NodeObj>[], byNode: Map<string, Readonly<PodObj>[]>, hash: string): Promise<number | undefined> {
    const now = this.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    for (const node of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds.spec?.template);
      const ps = byNode.get(node.metadata!.name!) ?? [];
      if (!shouldRun) {
        if (ps.length) misscheduled++;
        continue;
      }
      desired++;
      if (!ps.length) continue;
      current++;
      const pod = [...ps].sort(byCreationThenPhase)[0]!;
      if (isPodReady(pod as Pod)) {
        ready++;
        if (isPodAvailable(pod as Pod, minReady, now)) available++;
      }
      if (isUpdated(pod, hash, ds)) updated++;
    }
    const status: DaemonSetStatus = {
      ...ds.status,
      observedGeneration: ds.metadata?.generation,
      desiredNumberScheduled: desired,
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      numberReady: ready,
      numberAvailable: available || undefined,
      numberUnavailable: desired - available || undefined,
      updatedNumberScheduled: updated || undefined,
    };
    if (JSON.stringify(normalize(status)) !== JSON.stringify(normalize(ds.status))) {
      await this.client<DaemonSetObj>(gvr.daemonsets, ds.metadata!.namespace!).updateStatus({ ...ds, status: normalize(status) });
    }
    // Availability after minReadySeconds arrives with no event: look again then.
    return minReady > 0 && ready !== available ? minReady * 1000 : undefined;
  }
}

function normalize(s: DaemonSetStatus | undefined): DaemonSetStatus {
  const out = { ...(s ?? {}) } as Record<string, unknown>;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as unknown as DaemonSetStatus;
}

/** IsPodUpdated: the pod carries the current hash (or, for old pods, the current template generation). */
function isUpdated(p: Readonly<PodObj>, hash: string, ds: Readonly<DaemonSetObj>): boolean {
  const labels = p.metadata?.labels ?? {};
  return labels[revisionHashLabel] === hash || (labels[revisionHashLabel] === undefined && labels[templateGenerationLabel] === String(ds.metadata?.generation));
}

/** findUpdatedPodsOnNode: at most one new and one old live pod, or undefined when there are more. */
function updatedAndOld(ps: readonly Readonly<PodObj>[], hash: string, ds: Readonly<DaemonSetObj>): { newPod?: Readonly<PodObj>; oldPod?: Readonly<PodObj> } | undefined {
  let newPod: Readonly<PodObj> | undefined;
  let oldPod: Readonly<PodObj> | undefined;
  for (const p of ps) {
    if (p.metadata?.deletionTimestamp) continue;
    if (isUpdated(p, hash, ds)) {
      if (newPod) return undefined;
      newPod = p;
    } else {
      if (oldPod) return undefined;
      oldPod = p;
    }
  }
  return { newPod, oldPod };
}

const phaseOrder: Record<string, number> = { Running: 0, Pending: 1, Unknown: 2, Succeeded: 3, Failed: 4 };
function byCreationThenPhase(a: Readonly<PodObj>, b: Readonly<PodObj>): number {
  const d = Date.parse(a.metadata?.creationTimestamp ?? '') - Date.parse(b.metadata?.creationTimestamp ?? '');
  if (d) return d;
  return (phaseOrder[a.status?.phase ?? 'Pending'] ?? 9) - (phaseOrder[b.status?.phase ?? 'Pending'] ?? 9);
}

function sortByName<P extends Readonly<KObject>>(ps: P[]): P[] {
  return [...ps].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
}

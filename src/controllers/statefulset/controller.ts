/**
 * The StatefulSet controller (pkg/controller/statefulset, Kubernetes 1.30):
 * pods `<set>-0..N-1` with stable identities and claims. OrderedReady
 * creates ordinal i only once 0..i-1 are Running and Ready and removes
 * from the highest ordinal down, one at a time; Parallel does both at once.
 * RollingUpdate replaces pods from the highest ordinal down to the
 * partition, one at a time, each after the one above it is Ready again;
 * OnDelete only uses the new template for pods someone deleted. Each
 * template is a ControllerRevision; status.currentRevision moves to the
 * update revision when every pod runs it and is Ready.
 */
import type { StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import { labelSelectorFromObject, matches } from '../../api/labels.js';
import type { KObject } from '../../api/types.js';
import type { Informer, ResourceClient, SyncResult, WorkQueue } from '../../client/types.js';
import { ControllerRefManager } from '../shared/controller-ref.js';
import { controllerUidIndex, controllerUidOf, ensureIndex, runSyncWorkers, withKind, type ControllerContext, type RunningController } from '../shared/controller.js';
import { hashControllerRevision } from '../shared/hash.js';
import { isPodAvailable, isPodReady } from '../shared/pod-util.js';
import { getControllerOf, gvr, keyOf, newControllerRef } from '../shared/resources.js';
import { cleanupRevisions, ensureRevision, revisionData, revisionHashLabel, templateOf, type RevisionObj } from '../daemonset/index.js';
import { claimsFor, identityMatches, ordinalOf, podFor, podIndexLabel, podNameLabel } from './identity.js';

type SetObj = StatefulSet & KObject;
type PodObj = Pod & KObject;
type PVCObj = PersistentVolumeClaim & KObject;

export const statefulSetGVK = { apiVersion: 'apps/v1', kind: 'StatefulSet' };

export interface StatefulSetControllerOptions {
  now?: () => number;
}

const isCreated = (p: Readonly<PodObj> | undefined): p is Readonly<PodObj> => !!p?.metadata?.uid;
const isTerminating = (p: Readonly<PodObj>) => !!p.metadata?.deletionTimestamp;
const isFinished = (p: Readonly<PodObj>) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';
const revisionOf = (p: Readonly<PodObj>) => p.metadata?.labels?.[revisionHashLabel];

export class StatefulSetController implements RunningController {
  readonly name = 'statefulset';
  readonly queue: WorkQueue<string>;
  private readonly sets: Informer<SetObj>;
  private readonly pods: Informer<PodObj>;
  private readonly revisions: Informer<RevisionObj>;
  private readonly now: () => number;

  constructor(
    private readonly ctx: ControllerContext,
    opts: StatefulSetControllerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.queue = ctx.newQueue('statefulset');
    this.sets = ctx.informers.informerFor<SetObj>(gvr.statefulsets);
    this.pods = ctx.informers.informerFor<PodObj>(gvr.pods);
    this.revisions = ctx.informers.informerFor<RevisionObj>(gvr.controllerrevisions);
    ensureIndex(this.pods, controllerUidIndex, controllerUidOf);
    ensureIndex(this.revisions, controllerUidIndex, controllerUidOf);
    this.sets.addEventHandler({
      onAdd: (s) => this.queue.add(keyOf(s)),
      onUpdate: (_o, s) => this.queue.add(keyOf(s)),
      onDelete: (s) => this.queue.add(keyOf(s)),
    });
    const byPod = (p: Readonly<PodObj>) => {
      const ref = getControllerOf(p);
      if (ref?.kind === 'StatefulSet') this.queue.add(`${p.metadata?.namespace}/${ref.name}`);
      else if (!ref) {
        for (const s of this.sets.list(p.metadata?.namespace)) if (matches(labelSelectorFromObject(s.spec?.selector), p.metadata?.labels)) this.queue.add(keyOf(s));
      }
    };
    this.pods.addEventHandler({ onAdd: byPod, onUpdate: (o, p) => (byPod(p), getControllerOf(o)?.uid !== getControllerOf(p)?.uid && byPod(o)), onDelete: byPod });
  }

  run(workers: number): void {
    runSyncWorkers(this.queue, workers, (k) => this.sync(k), this.ctx.log);
  }

  stop(): void {
    this.queue.shutDown();
  }

  private client<T extends KObject>(g: (typeof gvr)[keyof typeof gvr], ns: string): ResourceClient<T> {
    return this.ctx.client.resource<T>(g, ns);
  }

  async sync(key: string): Promise<SyncResult> {
    const cached = this.sets.get(key);
    if (!cached || cached.metadata?.deletionTimestamp) return;
    const set = withKind<SetObj>(cached, 'apps/v1', 'StatefulSet');
    const ns = set.metadata!.namespace!;
    const selector = labelSelectorFromObject(set.spec?.selector);
    const fetchOwner = () => this.client<SetObj>(gvr.statefulsets, ns).get(set.metadata!.name!);

    const revClient = this.client<RevisionObj>(gvr.controllerrevisions, ns);
    const revs = await new ControllerRefManager<RevisionObj>({ owner: set, ownerGVK: statefulSetGVK, selector, objects: revClient, fetchOwner }).claim([
      ...this.revisions.byIndex(controllerUidIndex, set.metadata!.uid!),
      ...this.revisions.list(ns).filter((r) => !getControllerOf(r) && matches(selector, r.metadata?.labels)),
    ]);
    const collisionCount = set.status?.collisionCount ?? 0;
    const data = revisionData(set.spec?.template);
    const ensured = await ensureRevision({
      owner: set,
      ownerGVK: statefulSetGVK,
      template: set.spec?.template,
      revisions: revs,
      hash: (c) => hashControllerRevision(data, c || undefined),
      collisionCount,
      client: revClient,
    });
    if (ensured.collisionCount !== collisionCount) {
      await this.client<SetObj>(gvr.statefulsets, ns).updateStatus({ ...set, status: { ...set.status, collisionCount: ensured.collisionCount } as StatefulSetStatus });
      throw new Error(`hash collision for StatefulSet ${key}; collisionCount is now ${ensured.collisionCount}`);
    }
    const updateRev = ensured.current;
    const currentRev = [updateRev, ...ensured.old].find((r) => r.metadata?.name === set.status?.currentRevision) ?? updateRev;

    const candidates = [...this.pods.byIndex(controllerUidIndex, set.metadata!.uid!), ...this.pods.list(ns).filter((p) => !getControllerOf(p) && matches(selector, p.metadata?.labels))];
    const pods = (
      await new ControllerRefManager<PodObj>({ owner: set, ownerGVK: statefulSetGVK, selector, objects: this.client<PodObj>(gvr.pods, ns), fetchOwner }).claim(candidates)
    ).filter((p) => ordinalOf(set.metadata!.name!, p.metadata!.name!) >= 0);

    const requeue = await this.reconcile(set, pods, currentRev, updateRev);

    const liveRevisions = new Set(pods.map(revisionOf));
    liveRevisions.add(currentRev.metadata!.name);
    await cleanupRevisions(revClient, ensured.old, set.spec?.revisionHistoryLimit ?? 10, (r) => liveRevisions.has(r.metadata!.name));
    await this.updateStatus(set, pods, currentRev, updateRev);
    return requeue === undefined ? undefined : { requeueAfterMs: requeue };
  }

  /** One step toward the spec; returns early wherever OrderedReady must wait. */
  private async reconcile(set: SetObj, pods: readonly Readonly<PodObj>[], currentRev: RevisionObj, updateRev: RevisionObj): Promise<number | undefined> {
    const name = set.metadata!.name!;
    const replicaCount = set.spec?.replicas ?? 1;
    const monotonic = (set.spec?.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
    const minReady = set.spec?.minReadySeconds ?? 0;
    const now = this.now();
    const healthy = (p: Readonly<PodObj>) => p.status?.phase === 'Running' && isPodAvailable(p as Pod, minReady, now) && !isTerminating(p);
    let requeue: number | undefined;
    const waitForAvailability = (p: Readonly<PodObj>) => {
      // Ready but not yet for minReadySeconds: nothing will wake us, so look again then.
      if (minReady > 0 && p.status?.phase === 'Running' && isPodReady(p as Pod)) requeue = minReady * 1000;
    };

    const replicas: (Readonly<PodObj> | undefined)[] = new Array(replicaCount).fill(undefined);
    const condemned: Readonly<PodObj>[] = [];
    for (const p of pods) {
      const ord = ordinalOf(name, p.metadata!.name!);
      if (ord < replicaCount) replicas[ord] = p;
      else condemned.push(p);
    }
    condemned.sort((a, b) => ordinalOf(name, b.metadata!.name!) - ordinalOf(name, a.metadata!.name!));
    const firstUnhealthy = [...replicas, ...[...condemned].reverse()].find((p) => !p || !healthy(p));

    for (let i = 0; i < replicaCount; i++) {
      const pod = replicas[i];
      if (isCreated(pod) && isFinished(pod) && !isTerminating(pod)) {
        this.ctx.recorder.event(set, 'Warning', 'RecreatingFailedPod', `StatefulSet ${set.metadata!.namespace}/${name} is recreating failed Pod ${pod.metadata!.name}`);
        await this.deletePod(set, pod);
        if (monotonic) return requeue;
        continue;
      }
      if (!isCreated(pod)) {
        await this.createPod(set, i, this.versionedTemplate(set, i, currentRev, updateRev));
        if (monotonic) return requeue;
        continue;
      }
      if (isTerminating(pod)) {
        if (monotonic) return requeue;
        continue;
      }
      if (!healthy(pod)) {
        waitForAvailability(pod);
        if (monotonic) return requeue;
        continue;
      }
      if (!identityMatches(set, pod, i)) await this.repairIdentity(set, pod, i);
    }

    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return requeue;
        continue;
      }
      if (monotonic && !healthy(pod) && pod !== firstUnhealthy) return requeue;
      await this.deletePod(set, pod);
      if (monotonic) return requeue;
    }

    if (set.spec?.updateStrategy?.type === 'OnDelete') return requeue;
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = replicaCount - 1; target >= partition; target--) {
      const pod = replicas[target];
      if (!isCreated(pod)) return requeue;
      if (revisionOf(pod) !== updateRev.metadata!.name && !isTerminating(pod)) {
        await this.deletePod(set, pod);
        return requeue;
      }
      if (!healthy(pod)) return requeue;
    }
    return requeue;
  }

  /** newVersionedStatefulSetPod: below the partition a recreated pod keeps the current revision. */
  private versionedTemplate(set: SetObj, ordinal: number, currentRev: RevisionObj, updateRev: RevisionObj): { template: PodTemplateSpec; revision: string } {
    const us = set.spec?.updateStrategy;
    const partition = us?.rollingUpdate?.partition ?? 0;
    if ((us?.type ?? 'RollingUpdate') === 'RollingUpdate' && ordinal < partition) {
      return { template: templateOf(currentRev), revision: currentRev.metadata!.name! };
    }
    return { template: set.spec!.template, revision: updateRev.metadata!.name! };
  }

  private async createPod(set: SetObj, ordinal: number, v: { template: PodTemplateSpec; revision: string }): Promise<void> {
    const ns = set.metadata!.namespace!;
    const name = set.metadata!.name!;
    const pod = podFor(set, v.template, ordinal);
    pod.metadata!.labels![revisionHashLabel] = v.revision;
    pod.metadata!.ownerReferences = [newControllerRef(set, statefulSetGVK)];
    // Claims first: a pod must never start without its volume.
    const retainOnDelete = (set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted ?? 'Retain') === 'Retain';
    for (const claim of claimsFor(set, ordinal) as PVCObj[]) {
      if (!retainOnDelete) claim.metadata!.ownerReferences = [{ ...newControllerRef(set, statefulSetGVK), controller: false }];
      try {
        await this.client<PVCObj>(gvr.persistentvolumeclaims, ns).create(claim);
        this.ctx.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata!.name} Pod ${pod.metadata!.name} in StatefulSet ${name} success`);
      } catch (e) {
        if (isStatusError(e, 'AlreadyExists')) continue;
        this.ctx.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${claim.metadata!.name} for Pod ${pod.metadata!.name} in StatefulSet ${name} failed error: ${(e as Error).message}`);
        throw e;
      }
    }
    try {
      await this.client<PodObj>(gvr.pods, ns).create(pod as PodObj);
      this.ctx.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata!.name} in StatefulSet ${name} successful`);
    } catch (e) {
      // Our cache had not caught up with an earlier create.
      if (isStatusError(e, 'AlreadyExists')) return;
      this.ctx.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata!.name} in StatefulSet ${name} failed error: ${(e as Error).message}`);
      throw e;
    }
  }

  private async deletePod(set: SetObj, pod: Readonly<PodObj>): Promise<void> {
    try {
      await this.client<PodObj>(gvr.pods, set.metadata!.namespace!).delete(pod.metadata!.name!, { preconditions: { uid: pod.metadata!.uid } });
      this.ctx.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} successful`);
    } catch (e) {
      if (isStatusError(e, 'NotFound') || isStatusError(e, 'Conflict')) return;
      this.ctx.recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} failed error: ${(e as Error).message}`);
      throw e;
    }
  }

  private async repairIdentity(set: SetObj, pod: Readonly<PodObj>, ordinal: number): Promise<void> {
    const podName = `${set.metadata!.name}-${ordinal}`;
    await this.client<PodObj>(gvr.pods, set.metadata!.namespace!).patch(pod.metadata!.name!, 'merge', {
      metadata: { labels: { [podNameLabel]: podName, [podIndexLabel]: String(ordinal) } },
    });
  }

  private async updateStatus(set: SetObj, pods: readonly Readonly<PodObj>[], currentRev: RevisionObj, updateRev: RevisionObj): Promise<void> {
    const now = this.now();
    const minReady = set.spec?.minReadySeconds ?? 0;
    const s: StatefulSetStatus = {
      observedGeneration: set.metadata?.generation,
      replicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      currentReplicas: 0,
      updatedReplicas: 0,
      currentRevision: currentRev.metadata!.name,
      updateRevision: updateRev.metadata!.name,
      collisionCount: set.status?.collisionCount ?? 0,
    };
    for (const p of pods) {
      s.replicas++;
      if (p.status?.phase === 'Running' && isPodReady(p as Pod)) {
        s.readyReplicas!++;
        if (isPodAvailable(p as Pod, minReady, now)) s.availableReplicas!++;
      }
      if (!isTerminating(p)) {
        if (revisionOf(p) === currentRev.metadata!.name) s.currentReplicas!++;
        if (revisionOf(p) === updateRev.metadata!.name) s.updatedReplicas!++;
      }
    }
    // completeRollingUpdate: everything runs the update revision and is Ready.
    if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && s.updatedReplicas === s.replicas && s.readyReplicas === s.replicas && s.replicas === (set.spec?.replicas ?? 1)) {
      s.currentRevision = s.updateRevision;
      s.currentReplicas = s.updatedReplicas;
    }
    if (set.status?.conditions) s.conditions = set.status.conditions;
    const clean = (x: StatefulSetStatus | undefined) =>
      JSON.stringify(Object.fromEntries(Object.entries(x ?? {}).filter(([, v]) => v !== undefined && v !== 0).sort(([a], [b]) => (a < b ? -1 : 1))));
    if (clean(s) !== clean(set.status)) await this.client<SetObj>(gvr.statefulsets, set.metadata!.namespace!).updateStatus({ ...set, status: s });
  }
}

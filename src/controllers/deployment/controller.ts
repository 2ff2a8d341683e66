/**
 * The Deployment controller (pkg/controller/deployment): owns ReplicaSets
 * named `<deployment>-<pod-template-hash>`, one per distinct pod template,
 * and moves replicas between them — RollingUpdate within maxSurge and
 * maxUnavailable, or Recreate — numbering revisions, scaling proportionally
 * when resized mid-rollout, pruning history beyond revisionHistoryLimit, and
 * reporting Progressing/Available conditions and status that
 * `kubectl rollout status` waits on.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import { labelSelectorFromObject, matches, type LabelSelector } from '../../api/labels.js';
import type { KObject } from '../../api/types.js';
import type { Informer, SyncResult, WorkQueue } from '../../client/types.js';
import type { Logger } from '../../util/log.js';
import { ControllerRefManager } from '../shared/controller-ref.js';
import { controllerUidIndex, controllerUidOf, ensureIndex, runSyncWorkers, withKind, type ControllerContext, type RunningController } from '../shared/controller.js';
import { computePodTemplateHash } from '../shared/hash.js';
import type { Recorder } from '../shared/events.js';
import { isNamespaceTerminating } from '../shared/pod-control.js';
import { getControllerOf, gvr, keyOf, newControllerRef } from '../shared/resources.js';
import {
  activeSets,
  availableSum,
  byCreation,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  calculateStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  equalIgnoreHash,
  findNewReplicaSet,
  findOldReplicaSets,
  getCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newCondition,
  newRSNewReplicas,
  podTemplateHashLabel,
  proportion,
  reasons,
  removeCondition,
  replicaSetToDeploymentCondition,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  revisionAnnotation,
  sameStatus,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicasSum,
  statusReplicasSum,
  desiredReplicasOf,
  type DeploymentObj,
  type RS,
} from './util.js';
import type { DeploymentCondition, DeploymentStatus } from 'kubernetes-types/apps/v1.js';

const deploymentGVK = { apiVersion: 'apps/v1', kind: 'Deployment' };
const rsGVK = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };

export interface DeploymentControllerOptions {
  ctx: ControllerContext;
  now?: () => number;
}

/** One sync's working state: the deployment as last written, so later writes build on earlier ones. */
interface SyncState {
  d: DeploymentObj;
  /** What a timed requeue should be, if any (stuck deployments, minReadySeconds). */
  requeueAfterMs?: number;
}

export class DeploymentController implements RunningController {
  readonly name = 'deployment';
  private readonly queue: WorkQueue<string>;
  private readonly deployments: Informer<DeploymentObj>;
  private readonly sets: Informer<RS>;
  private readonly pods: Informer<Pod & KObject>;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly recorder: Recorder;

  constructor(private readonly o: DeploymentControllerOptions) {
    const { ctx } = o;
    this.recorder = ctx.recorderFor?.('deployment-controller') ?? ctx.recorder;
    this.log = ctx.log.child({ controller: this.name });
    this.queue = ctx.newQueue(this.name);
    this.now = o.now ?? Date.now;
    this.deployments = ctx.informers.informerFor<DeploymentObj>(gvr.deployments);
    this.sets = ctx.informers.informerFor<RS>(gvr.replicasets);
    this.pods = ctx.informers.informerFor<Pod & KObject>(gvr.pods);
    ensureIndex(this.pods, controllerUidIndex, controllerUidOf);

    this.deployments.addEventHandler({
      onAdd: (d) => this.queue.add(keyOf(d)),
      onUpdate: (_a, d) => this.queue.add(keyOf(d)),
      onDelete: (d) => this.queue.add(keyOf(d)),
    });
    this.sets.addEventHandler({
      onAdd: (rs) => this.rsChanged(undefined, rs),
      onUpdate: (a, b) => this.rsChanged(a, b),
      onDelete: (rs) => {
        const d = this.resolve(rs.metadata?.namespace, getControllerOf(rs));
        if (d) this.queue.add(keyOf(d));
      },
    });
    this.pods.addEventHandler({
      // Recreate waits for the old pods to be gone before creating new ones.
      onDelete: (p) => {
        const rsRef = getControllerOf(p);
        if (!rsRef || rsRef.kind !== 'ReplicaSet') return;
        const rs = this.sets.get(`${p.metadata?.namespace}/${rsRef.name}`);
        if (!rs || rs.metadata?.uid !== rsRef.uid) return;
        const d = this.resolve(rs.metadata?.namespace, getControllerOf(rs));
        if (d && !isRollingUpdate(d)) this.queue.add(keyOf(d));
      },
    });
  }

  run(workers: number): void {
    runSyncWorkers(this.queue, workers, (k) => this.sync(k), this.log);
  }

  stop(): void {
    this.queue.shutDown();
  }

  private resolve(namespace: string | undefined, ref: ReturnType<typeof getControllerOf>): Readonly<DeploymentObj> | undefined {
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.get(`${namespace}/${ref.name}`);
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  }

  private deploymentsMatching(rs: Readonly<RS>): Readonly<DeploymentObj>[] {
    return this.deployments.list(rs.metadata?.namespace).filter((d) => {
      try {
        const sel = labelSelectorFromObject(d.spec?.selector);
        return !sel.nothing && sel.requirements.length > 0 && matches(sel, rs.metadata?.labels);
      } catch {
        return false;
      }
    });
  }

  private rsChanged(old: Readonly<RS> | undefined, rs: Readonly<RS>): void {
    if (old && old.metadata?.resourceVersion === rs.metadata?.resourceVersion) return;
    const ref = getControllerOf(rs);
    const oldRef = old ? getControllerOf(old) : undefined;
    if (oldRef && oldRef.uid !== ref?.uid) {
      const d = this.resolve(old!.metadata?.namespace, oldRef);
      if (d) this.queue.add(keyOf(d));
    }
    if (ref) {
      const d = this.resolve(rs.metadata?.namespace, ref);
      if (d) this.queue.add(keyOf(d));
      return;
    }
    if (rs.metadata?.deletionTimestamp) return;
    for (const d of this.deploymentsMatching(rs)) this.queue.add(keyOf(d));
  }

  // ---- sync ---------------------------------------------------------------

  async sync(key: string): Promise<SyncResult> {
    const cached = this.deployments.get(key);
    if (!cached) return;
    const st: SyncState = { d: structuredClone(withKind(cached, deploymentGVK.apiVersion, deploymentGVK.kind)) };
    const d = st.d;
    const sel = d.spec?.selector;
    if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) {
      this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        await this.writeStatus(st, { ...(d.status ?? {}), observedGeneration: d.metadata?.generation });
      }
      return;
    }
    const rsList = await this.claimReplicaSets(d);
    if (d.metadata?.deletionTimestamp) {
      await this.syncStatusOnly(st, rsList);
      return;
    }
    await this.checkPausedConditions(st);
    if (st.d.spec?.paused) {
      await this.syncScaling(st, rsList);
    } else if (await this.isScalingEvent(st, rsList)) {
      await this.syncScaling(st, rsList);
    } else if (isRollingUpdate(st.d)) {
      await this.rolloutRolling(st, rsList);
    } else {
      await this.rolloutRecreate(st, rsList);
    }
    if (st.requeueAfterMs !== undefined) return { requeueAfterMs: st.requeueAfterMs };
  }

  /** The sets this Deployment controls, adopting matching orphans and releasing ones that stopped matching. */
  private async claimReplicaSets(d: Readonly<DeploymentObj>): Promise<RS[]> {
    const ns = d.metadata!.namespace!;
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromObject(d.spec?.selector);
    } catch {
      return [];
    }
    const claimed = await new ControllerRefManager<RS>({
      owner: d,
      ownerGVK: deploymentGVK,
      selector,
      objects: this.o.ctx.client.resource<RS>(gvr.replicasets, ns),
      fetchOwner: () => this.o.ctx.client.resource(gvr.deployments, ns).get(d.metadata!.name!),
    }).claim(this.sets.list(ns));
    return claimed.map((rs) => structuredClone(withKind(rs, rsGVK.apiVersion, rsGVK.kind)) as RS);
  }

  private podsBySet(sets: readonly RS[]): Map<string, Readonly<Pod>[]> {
    const out = new Map<string, Readonly<Pod>[]>();
    for (const rs of sets) out.set(rs.metadata!.uid!, this.pods.byIndex(controllerUidIndex, rs.metadata!.uid!));
    return out;
  }

  /**
   * getAllReplicaSetsAndSyncRevision: the new set (created when asked and
   * missing) and the old ones, with the revision annotations brought up to
   * date on the new set and the Deployment.
   */
  private async getAllReplicaSetsAndSyncRevision(st: SyncState, rsList: RS[], createIfMissing: boolean): Promise<{ newRS: RS | undefined; oldRSs: RS[] }> {
    const { all: oldRSs } = findOldReplicaSets(st.d, rsList);
    const newRS = await this.getNewReplicaSet(st, rsList, oldRSs, createIfMissing);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(st: SyncState, rsList: RS[], oldRSs: RS[], createIfMissing: boolean): Promise<RS | undefined> {
    const d = st.d;
    const ns = d.metadata!.namespace!;
    const client = this.o.ctx.client.resource<RS>(gvr.replicasets, ns);
    const existing = findNewReplicaSet(d, rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const copy = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
      const minReadyNeedsUpdate = (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (annotationsUpdated || minReadyNeedsUpdate) {
        copy.spec!.minReadySeconds = d.spec?.minReadySeconds ?? 0;
        const updated = withKind(await client.update(copy), rsGVK.apiVersion, rsGVK.kind);
        replaceIn(rsList, updated);
        return updated;
      }
      const revisionAdvanced = this.setDeploymentRevision(st, copy.metadata?.annotations?.[revisionAnnotation] ?? '');
      const status = structuredClone(st.d.status ?? {});
      const found = this.noteFoundNewReplicaSet(st.d, status, copy, revisionAdvanced);
      if (revisionAdvanced || found) await this.writeStatus(st, status);
      return copy;
    }
    if (!createIfMissing) return undefined;

    const template = structuredClone(d.spec!.template!);
    const hash = computePodTemplateHash(template, d.status?.collisionCount);
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [podTemplateHashLabel]: hash };
    const selector = structuredClone(d.spec!.selector!);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [podTemplateHashLabel]: hash };
    const fresh: RS = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata!.name}-${hash}`,
        namespace: ns,
        ownerReferences: [newControllerRef(d, deploymentGVK)],
        labels: template.metadata.labels,
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const count = newRSNewReplicas(d, [...oldRSs, fresh], fresh);
    fresh.spec!.replicas = count;
    setNewReplicaSetAnnotations(d, fresh, newRevision, false);

    let created: RS;
    let alreadyExisted = false;
    try {
      created = await client.create(fresh);
    } catch (e) {
      if (isStatusError(e, 'AlreadyExists')) {
        const other = this.sets.get(`${ns}/${fresh.metadata!.name}`) ?? (await client.get(fresh.metadata!.name!).catch(() => undefined));
        const ref = other ? getControllerOf(other) : undefined;
        if (other && ref?.uid === d.metadata?.uid && equalIgnoreHash(d.spec?.template, other.spec?.template)) {
          created = structuredClone(other) as RS;
          alreadyExisted = true;
        } else {
          // A different set holds the name: bump collisionCount so the next hash differs.
          const status = structuredClone(st.d.status ?? {});
          status.collisionCount = (status.collisionCount ?? 0) + 1;
          await this.writeStatus(st, status).catch(() => undefined);
          this.log.info({ key: keyOf(d), collisionCount: status.collisionCount }, 'found a hash collision for deployment');
          throw e;
        }
      } else if (isNamespaceTerminating(e)) {
        throw e;
      } else {
        const msg = `Failed to create new replica set "${fresh.metadata!.name}": ${(e as Error).message}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(st.d.status ?? {});
          setCondition(status, newCondition('Progressing', 'False', reasons.failedRSCreate, msg, this.now()));
          await this.writeStatus(st, status).catch(() => undefined);
        }
        this.recorder.event(d, 'Warning', reasons.failedRSCreate, msg);
        throw e;
      }
    }
    created = withKind(created, rsGVK.apiVersion, rsGVK.kind);
    rsList.push(created);
    if (!alreadyExisted && count > 0) {
      this.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata!.name} to ${count}`);
    }
    let needsUpdate = this.setDeploymentRevision(st, String(newRevision));
    const status = structuredClone(st.d.status ?? {});
    if (!alreadyExisted && hasProgressDeadline(d)) {
      setCondition(status, newCondition('Progressing', 'True', reasons.newRSCreated, `Created new replica set "${created.metadata!.name}"`, this.now()));
      needsUpdate = true;
    } else if (alreadyExisted && this.noteFoundNewReplicaSet(st.d, status, created, needsUpdate)) {
      needsUpdate = true;
    }
    if (needsUpdate) await this.writeStatus(st, status);
    return created;
  }

  /**
   * Sets Progressing=FoundNewReplicaSet on `status` when nothing records that
   * the rollout to `rs` has started: there is no Progressing condition (a
   * deadline set on a Deployment that had none), or the condition still says
   * NewReplicaSetAvailable about an earlier set while the Deployment only
   * now learns the new set's revision. The second happens when the write
   * that should have said NewReplicaSetCreated — made with the revision,
   * right after creating the set — was lost (a conflict with a stale cached
   * Deployment, a restart), or on a rollback to an older set. A complete
   * Deployment never times out and, with no old pods left (Recreate), counts
   * as complete again at once, so keeping that condition would hide a
   * stalled rollout for good. True when `status` changed.
   */
  private noteFoundNewReplicaSet(d: Readonly<DeploymentObj>, status: DeploymentStatus, rs: Readonly<RS>, revisionAdvanced: boolean): boolean {
    if (!hasProgressDeadline(d)) return false;
    const cur = getCondition(status, 'Progressing');
    if (cur && !(revisionAdvanced && cur.reason === reasons.newRSAvailable)) return false;
    setCondition(status, newCondition('Progressing', 'True', reasons.foundNewRS, `Found new replica set "${rs.metadata!.name}"`, this.now()));
    return true;
  }

  /** Marks the Deployment's revision annotation to be written with the next status write. */
  private setDeploymentRevision(st: SyncState, revision: string): boolean {
    const ann = (st.d.metadata!.annotations ??= {});
    if (ann[revisionAnnotation] === revision) return false;
    ann[revisionAnnotation] = revision;
    return true;
  }

  /**
   * Writes the Deployment's status — and its annotations with it (the
   * revision annotation): the Deployment status subresource takes
   * metadata.annotations as Kubernetes' does, so they do not bump the
   * generation.
   */
  private async writeStatus(st: SyncState, status: DeploymentStatus): Promise<void> {
    const client = this.o.ctx.client.resource<DeploymentObj>(gvr.deployments, st.d.metadata!.namespace);
    const written = await client.updateStatus({ ...st.d, status });
    st.d = { ...written, apiVersion: 'apps/v1', kind: 'Deployment' } as DeploymentObj;
  }

  private async checkPausedConditions(st: SyncState): Promise<void> {
    const d = st.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === reasons.timedOut) return;
    const pausedExists = cond?.reason === reasons.paused;
    const status = structuredClone(d.status ?? {});
    if (d.spec?.paused && !pausedExists) {
      setCondition(status, newCondition('Progressing', 'Unknown', reasons.paused, 'Deployment is paused', this.now()));
    } else if (!d.spec?.paused && pausedExists) {
      setCondition(status, newCondition('Progressing', 'Unknown', reasons.resumed, 'Deployment is resumed', this.now()));
    } else return;
    await this.writeStatus(st, status);
  }

  /** The Deployment was resized (its sets' desired-replicas annotation disagrees). */
  private async isScalingEvent(st: SyncState, rsList: RS[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(st, rsList, false);
    for (const rs of activeSets([...oldRSs, newRS])) {
      const desired = desiredReplicasOf(rs);
      if (desired === undefined) continue;
      if (desired !== replicasOf(st.d)) return true;
    }
    return false;
  }

  private async syncStatusOnly(st: SyncState, rsList: RS[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(st, rsList, false);
    await this.syncDeploymentStatus(st, [...oldRSs, newRS], newRS);
  }

  /** Paused or resized: only scale (proportionally), no rollout. */
  private async syncScaling(st: SyncState, rsList: RS[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(st, rsList, false);
    await this.scale(st, newRS, oldRSs);
    if (st.d.spec?.paused) await this.cleanupDeployment(st, oldRSs);
    await this.syncDeploymentStatus(st, [...oldRSs, newRS], newRS);
  }

  private async syncDeploymentStatus(st: SyncState, allRSs: (RS | undefined)[], newRS: RS | undefined): Promise<void> {
    const status = calculateStatus(st.d, allRSs, newRS, this.now());
    if (sameStatus(st.d.status, status)) return;
    await this.writeStatus(st, status);
  }

  /** Scale for a resize: one active set takes it all; otherwise spread proportionally. */
  private async scale(st: SyncState, newRS: RS | undefined, oldRSs: RS[]): Promise<void> {
    const d = st.d;
    const want = replicasOf(d);
    const only = findActiveOrLatest(newRS, oldRSs);
    if (only) {
      if (replicasOf(only) === want) return;
      await this.scaleAndRecord(st, only, want);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeSets(oldRSs)) await this.scaleAndRecord(st, old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = activeSets([...oldRSs, newRS]);
    const allowed = want > 0 ? want + maxSurge(d) : 0;
    const toAdd = allowed - specReplicasSum(all);
    let op = '';
    if (toAdd > 0) {
      all.sort(bySizeNewer);
      op = 'up';
    } else if (toAdd < 0) {
      all.sort(bySizeOlder);
      op = 'down';
    }
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of all) {
      if (toAdd !== 0) {
        const p = proportion(rs, d, toAdd, added);
        sizes.set(rs.metadata!.name!, replicasOf(rs) + p);
        added += p;
      } else sizes.set(rs.metadata!.name!, replicasOf(rs));
    }
    for (let i = 0; i < all.length; i++) {
      const rs = all[i]!;
      const name = rs.metadata!.name!;
      if (i === 0 && toAdd !== 0) sizes.set(name, Math.max(0, sizes.get(name)! + toAdd - added));
      await this.scaleReplicaSet(st, rs, sizes.get(name)!, op);
    }
  }

  private async scaleAndRecord(st: SyncState, rs: RS, newScale: number): Promise<boolean> {
    if (replicasOf(rs) === newScale) return false;
    return this.scaleReplicaSet(st, rs, newScale, replicasOf(rs) < newScale ? 'up' : 'down');
  }

  /** Sets a set's size and replica annotations; records ScalingReplicaSet when the size changed. Updates `rs` in place. */
  private async scaleReplicaSet(st: SyncState, rs: RS, newScale: number, op: string): Promise<boolean> {
    const d = st.d;
    const sizeChanged = replicasOf(rs) !== newScale;
    const max = replicasOf(d) + maxSurge(d);
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, replicasOf(d), max)) return false;
    const oldScale = replicasOf(rs);
    const copy = structuredClone(rs);
    copy.spec!.replicas = newScale;
    setReplicasAnnotations(copy, replicasOf(d), max);
    const updated = await this.o.ctx.client.resource<RS>(gvr.replicasets, rs.metadata!.namespace).update(copy);
    Object.assign(rs, updated, { apiVersion: rsGVK.apiVersion, kind: rsGVK.kind });
    if (sizeChanged) {
      this.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata!.name} to ${newScale} from ${oldScale}`);
    }
    return sizeChanged;
  }

  /** Deletes the oldest scaled-down sets beyond revisionHistoryLimit. */
  private async cleanupDeployment(st: SyncState, oldRSs: RS[]): Promise<void> {
    const d = st.d;
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const diff = cleanable.length - d.spec!.revisionHistoryLimit!;
    if (diff <= 0) return;
    cleanable.sort(byRevision);
    const client = this.o.ctx.client.resource(gvr.replicasets, d.metadata!.namespace);
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i]!;
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || rs.metadata?.deletionTimestamp) continue;
      try {
        await client.delete(rs.metadata!.name!);
      } catch (e) {
        if (!isStatusError(e, 'NotFound')) throw e;
      }
    }
  }

  // ---- rolling update -------------------------------------------------------

  private async rolloutRolling(st: SyncState, rsList: RS[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(st, rsList, true);
    const allRSs = [...oldRSs, newRS!];
    if (await this.reconcileNewReplicaSet(st, allRSs, newRS!)) {
      await this.syncRolloutStatus(st, allRSs, newRS);
      return;
    }
    if (await this.reconcileOldReplicaSets(st, allRSs, activeSets(oldRSs), newRS!)) {
      await this.syncRolloutStatus(st, allRSs, newRS);
      return;
    }
    if (deploymentComplete(st.d, st.d.status ?? {})) await this.cleanupDeployment(st, oldRSs);
    await this.syncRolloutStatus(st, allRSs, newRS);
  }

  private async reconcileNewReplicaSet(st: SyncState, allRSs: RS[], newRS: RS): Promise<boolean> {
    const want = replicasOf(st.d);
    if (replicasOf(newRS) === want) return false;
    if (replicasOf(newRS) > want) return this.scaleAndRecord(st, newRS, want);
    return this.scaleAndRecord(st, newRS, newRSNewReplicas(st.d, allRSs, newRS));
  }

  private async reconcileOldReplicaSets(st: SyncState, allRSs: RS[], oldRSs: RS[], newRS: RS): Promise<boolean> {
    const d = st.d;
    if (specReplicasSum(oldRSs) === 0) return false;
    const allPods = specReplicasSum(allRSs);
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // Unhealthy old replicas go first: they cost no availability and would otherwise block the rollout.
    const cleaned = await this.cleanupUnhealthyReplicas(st, oldRSs, maxScaledDown);
    const scaledDown = await this.scaleDownOldForRollingUpdate(st, [...oldRSs, newRS], oldRSs);
    return cleaned + scaledDown > 0;
  }

  private async cleanupUnhealthyReplicas(st: SyncState, oldRSs: RS[], maxCleanup: number): Promise<number> {
    oldRSs.sort(byCreation);
    let total = 0;
    for (const rs of oldRSs) {
      if (total >= maxCleanup) break;
      const n = replicasOf(rs);
      const avail = rs.status?.availableReplicas ?? 0;
      if (n === 0 || n === avail) continue;
      const down = Math.min(maxCleanup - total, n - avail);
      await this.scaleAndRecord(st, rs, n - down);
      total += down;
    }
    return total;
  }

  private async scaleDownOldForRollingUpdate(st: SyncState, allRSs: RS[], oldRSs: RS[]): Promise<number> {
    const d = st.d;
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const available = availableSum(allRSs);
    if (available <= minAvailable) return 0;
    oldRSs.sort(byCreation);
    const target = available - minAvailable;
    let total = 0;
    for (const rs of oldRSs) {
      if (total >= target) break;
      const n = replicasOf(rs);
      if (n === 0) continue;
      const down = Math.min(n, target - total);
      await this.scaleAndRecord(st, rs, n - down);
      total += down;
    }
    return total;
  }

  // ---- recreate -------------------------------------------------------------

  private async rolloutRecreate(st: SyncState, rsList: RS[]): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(st, rsList, false);
    let allRSs: (RS | undefined)[] = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of activeSets(oldRSs)) if (await this.scaleAndRecord(st, rs, 0)) scaledDown = true;
    if (scaledDown) {
      await this.syncRolloutStatus(st, allRSs, newRS);
      return;
    }
    if (this.oldPodsRunning(newRS, oldRSs)) {
      await this.syncRolloutStatus(st, allRSs, newRS);
      return;
    }
    if (!newRS) {
      ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(st, rsList, true));
      allRSs = [...oldRSs, newRS];
    }
    await this.scaleAndRecord(st, newRS!, replicasOf(st.d));
    if (deploymentComplete(st.d, st.d.status ?? {})) await this.cleanupDeployment(st, oldRSs);
    await this.syncRolloutStatus(st, allRSs, newRS);
  }

  private oldPodsRunning(newRS: RS | undefined, oldRSs: RS[]): boolean {
    if (statusReplicasSum(oldRSs) > 0) return true;
    for (const [uid, pods] of this.podsBySet(oldRSs)) {
      if (newRS && newRS.metadata?.uid === uid) continue;
      for (const p of pods) {
        const phase = p.status?.phase;
        if (phase === 'Failed' || phase === 'Succeeded') continue;
        return true;
      }
    }
    return false;
  }

  // ---- progress -------------------------------------------------------------

  private async syncRolloutStatus(st: SyncState, allRSs: (RS | undefined)[], newRS: RS | undefined): Promise<void> {
    const d = st.d;
    const now = this.now();
    const status = calculateStatus(d, allRSs, newRS, now);
    if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
    const current = getCondition(d.status, 'Progressing');
    const isComplete = status.replicas === status.updatedReplicas && current?.reason === reasons.newRSAvailable;
    if (hasProgressDeadline(d) && !isComplete) {
      const rsName = newRS?.metadata?.name;
      if (deploymentComplete(d, status)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${d.metadata!.name}" has successfully progressed.`;
        setCondition(status, newCondition('Progressing', 'True', reasons.newRSAvailable, msg, now));
      } else if (deploymentProgressing(d, status)) {
        const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${d.metadata!.name}" is progressing.`;
        let c = newCondition('Progressing', 'True', reasons.rsUpdated, msg, now);
        if (current) {
          if (current.status === 'True') c = { ...c, lastTransitionTime: current.lastTransitionTime };
          removeCondition(status, 'Progressing');
        }
        setCondition(status, c);
      } else if (deploymentTimedOut(d, status, now)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${d.metadata!.name}" has timed out progressing.`;
        setCondition(status, newCondition('Progressing', 'False', reasons.timedOut, msg, now));
      }
    }
    const failures = replicaFailures(allRSs, newRS);
    if (failures.length) setCondition(status, failures[0]!);
    else removeCondition(status, 'ReplicaFailure');
    if (sameStatus(d.status, status)) {
      this.requeueStuck(st, status, now);
      return;
    }
    await this.writeStatus(st, status);
  }

  /** A rollout making no progress is looked at again when its deadline passes, so the timeout is reported on time. */
  private requeueStuck(st: SyncState, status: DeploymentStatus, now: number): void {
    const d = st.d;
    const cur = getCondition(d.status, 'Progressing');
    if (!hasProgressDeadline(d) || !cur) return;
    if (deploymentComplete(d, status) || cur.reason === reasons.timedOut) return;
    const from = cur.lastUpdateTime ? Date.parse(cur.lastUpdateTime) : now;
    const after = from + d.spec!.progressDeadlineSeconds! * 1000 - now;
    st.requeueAfterMs = after < 1000 ? 1000 : after + 1000;
  }
}

/** If only one set is active, or none, the one that should hold every replica. */
function findActiveOrLatest(newRS: RS | undefined, oldRSs: RS[]): RS | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const sorted = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeSets([...sorted, newRS]);
  if (active.length === 0) return newRS ?? sorted[0];
  if (active.length === 1) return active[0];
  return undefined;
}

function replicaFailures(allRSs: (RS | undefined)[], newRS: RS | undefined): DeploymentCondition[] {
  const from = (rs: RS | undefined) => (rs?.status?.conditions ?? []).filter((c) => c.type === 'ReplicaFailure').map(replicaSetToDeploymentCondition);
  const own = from(newRS);
  if (own.length) return own;
  return allRSs.flatMap(from);
}

function replaceIn(list: RS[], rs: RS): void {
  const i = list.findIndex((x) => x.metadata?.uid === rs.metadata?.uid);
  if (i >= 0) list[i] = rs;
}


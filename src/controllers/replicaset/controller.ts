/**
 * The ReplicaSet controller (pkg/controller/replicaset), serving both
 * ReplicaSets and ReplicationControllers as Kubernetes does: keeps
 * `spec.replicas` active pods matching the selector, adopting orphans and
 * releasing pods that stopped matching, creating in slow-start batches and
 * deleting the least valuable pods first; reports status.
 */
import type { ReplicaSet, ReplicaSetCondition } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import { labelSelectorFromObject, labelSelectorFromSet, matches, type LabelSelector } from '../../api/labels.js';
import type { KObject } from '../../api/types.js';
import type { GroupVersionResource, Informer, SyncResult, WorkQueue } from '../../client/types.js';
import type { Logger } from '../../util/log.js';
import { ControllerRefManager } from '../shared/controller-ref.js';
import { controllerUidIndex, controllerUidOf, ensureIndex, runSyncWorkers, withKind, type ControllerContext, type RunningController } from '../shared/controller.js';
import { ControllerExpectations } from '../shared/expectations.js';
import { isNamespaceTerminating, PodControl, slowStartBatch } from '../shared/pod-control.js';
import { isPodActive, isPodAvailable, isPodReady, podsToDelete } from '../shared/pod-util.js';
import { getControllerOf, gvr, keyOf, newControllerRef, splitKey, type GroupVersionKind } from '../shared/resources.js';

/** How many pods one sync creates or deletes at most (--replicaset-burst... kube-controller-manager's burstReplicas). */
export const burstReplicas = 500;
export const slowStartInitialBatchSize = 1;

/** The two kinds this engine serves differ only in address, kind and selector shape. */
export interface ReplicaKind {
  gvr: GroupVersionResource;
  gvk: GroupVersionKind;
  selector(obj: Readonly<ReplicaSetLike>): LabelSelector;
}

/** RS and RC share spec.replicas/minReadySeconds/template and the status shape. */
export type ReplicaSetLike = ReplicaSet & KObject;

export const replicaSetKind: ReplicaKind = {
  gvr: gvr.replicasets,
  gvk: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  selector: (rs) => labelSelectorFromObject(rs.spec?.selector),
};

export const replicationControllerKind: ReplicaKind = {
  gvr: gvr.replicationcontrollers,
  gvk: { apiVersion: 'v1', kind: 'ReplicationController' },
  // An RC's selector is a plain map; absent means the template's labels (defaulted by the server).
  selector: (rc) => {
    const sel = (rc.spec as { selector?: Record<string, string> } | undefined)?.selector ?? rc.spec?.template?.metadata?.labels;
    return sel && Object.keys(sel).length ? labelSelectorFromSet(sel) : labelSelectorFromObject(undefined);
  },
};

export interface ReplicaSetControllerOptions {
  ctx: ControllerContext;
  kind: ReplicaKind;
  burstReplicas?: number;
  /** Clock for availability (minReadySeconds); tests move it. */
  now?: () => number;
}

export class ReplicaSetController implements RunningController {
  readonly name: string;
  readonly expectations = new ControllerExpectations();
  private readonly queue: WorkQueue<string>;
  private readonly sets: Informer<ReplicaSetLike>;
  private readonly pods: Informer<Pod & KObject>;
  private readonly podControl: PodControl;
  private readonly log: Logger;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(private readonly o: ReplicaSetControllerOptions) {
    const { ctx, kind } = o;
    this.name = kind.gvk.kind === 'ReplicaSet' ? 'replicaset' : 'replicationcontroller';
    this.log = ctx.log.child({ controller: this.name });
    this.queue = ctx.newQueue(this.name);
    this.sets = ctx.informers.informerFor<ReplicaSetLike>(kind.gvr);
    this.pods = ctx.informers.informerFor<Pod & KObject>(gvr.pods);
    this.podControl = new PodControl(ctx.client, ctx.recorderFor?.(`${this.name}-controller`) ?? ctx.recorder);
    this.burst = o.burstReplicas ?? burstReplicas;
    this.now = o.now ?? Date.now;
    ensureIndex(this.pods, controllerUidIndex, controllerUidOf);

    this.sets.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      onUpdate: (_old, rs) => this.enqueue(rs),
      onDelete: (rs) => {
        this.expectations.delete(keyOf(rs));
      },
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.podAdded(p),
      onUpdate: (a, b) => this.podUpdated(a, b),
      onDelete: (p) => this.podDeleted(p),
    });
  }

  run(workers: number): void {
    runSyncWorkers(this.queue, workers, (k) => this.sync(k), this.log);
  }

  stop(): void {
    this.queue.shutDown();
  }

  private enqueue(obj: Readonly<KObject>, afterMs?: number): void {
    if (afterMs) this.queue.addAfter(keyOf(obj), afterMs);
    else this.queue.add(keyOf(obj));
  }

  /** The set a controllerRef points at, if it is of our kind and the uid still matches. */
  private resolveControllerRef(namespace: string | undefined, ref: ReturnType<typeof getControllerOf>): Readonly<ReplicaSetLike> | undefined {
    if (!ref || ref.kind !== this.o.kind.gvk.kind || ref.apiVersion?.split('/')[0] !== this.o.kind.gvk.apiVersion.split('/')[0]) return undefined;
    const rs = this.sets.get(`${namespace}/${ref.name}`);
    return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** Sets whose selector matches an orphan pod (so one may adopt it). */
  private setsMatching(pod: Readonly<Pod>): Readonly<ReplicaSetLike>[] {
    const out: Readonly<ReplicaSetLike>[] = [];
    for (const rs of this.sets.list(pod.metadata?.namespace)) {
      try {
        if (matches(this.o.kind.selector(rs), pod.metadata?.labels)) out.push(rs);
      } catch {
        // invalid selector: matches nothing
      }
    }
    return out;
  }

  private podAdded(pod: Readonly<Pod & KObject>): void {
    if (pod.metadata?.deletionTimestamp) {
      // Restarted with a pod already being deleted: count it as gone.
      this.podDeleted(pod);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata?.namespace, ref);
      if (!rs) return;
      this.expectations.creationObserved(keyOf(rs));
      this.enqueue(rs);
      return;
    }
    for (const rs of this.setsMatching(pod)) this.enqueue(rs);
  }

  private podUpdated(old: Readonly<Pod & KObject>, cur: Readonly<Pod & KObject>): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelsChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (cur.metadata?.deletionTimestamp) {
      // Count the deletion as soon as it starts so replacements are not held up by a grace period.
      this.podDeleted(cur);
      if (labelsChanged) this.podDeleted(old);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = curRef?.uid !== oldRef?.uid;
    if (refChanged && oldRef) {
      const rs = this.resolveControllerRef(old.metadata?.namespace, oldRef);
      if (rs) this.enqueue(rs);
    }
    if (curRef) {
      const rs = this.resolveControllerRef(cur.metadata?.namespace, curRef);
      if (!rs) return;
      this.enqueue(rs);
      // A pod that just became ready becomes available minReadySeconds later; look again then.
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur)) this.enqueue(rs, minReady * 1000 + 1);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.setsMatching(cur)) this.enqueue(rs);
  }

  private podDeleted(pod: Readonly<Pod & KObject>): void {
    const ref = getControllerOf(pod);
    if (!ref) return;
    const rs = this.resolveControllerRef(pod.metadata?.namespace, ref);
    if (!rs) return;
    this.expectations.deletionObserved(keyOf(rs), keyOf(pod));
    this.enqueue(rs);
  }

  /** Level-based: whatever happened, make the pods match `key`'s spec and report status. */
  async sync(key: string): Promise<SyncResult> {
    const cached = this.sets.get(key);
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    const rs = withKind(cached, this.o.kind.gvk.apiVersion, this.o.kind.gvk.kind);
    const needsSync = this.expectations.satisfied(key);
    let selector: LabelSelector;
    try {
      selector = this.o.kind.selector(rs);
    } catch (e) {
      this.log.warn({ key, err: (e as Error).message }, 'invalid selector');
      return;
    }
    const { namespace } = splitKey(key);
    const active = this.pods.list(namespace).filter((p) => isPodActive(p));
    const claimed = await new ControllerRefManager<Pod & KObject>({
      owner: rs,
      ownerGVK: this.o.kind.gvk,
      selector,
      objects: this.o.ctx.client.resource<Pod & KObject>(gvr.pods, namespace),
      fetchOwner: () => this.o.ctx.client.resource(this.o.kind.gvr, namespace).get(rs.metadata!.name!),
    }).claim(active);

    let manageErr: unknown;
    let diff = 0;
    if (needsSync && !rs.metadata?.deletionTimestamp) {
      diff = claimed.length - (rs.spec?.replicas ?? 1);
      try {
        await this.manageReplicas(key, claimed, rs);
      } catch (e) {
        manageErr = e;
      }
    }
    const status = this.calculateStatus(rs, claimed, manageErr, diff);
    const updated = await this.updateStatus(rs, status);
    if (manageErr) throw manageErr;
    const minReady = updated.spec?.minReadySeconds ?? 0;
    const want = updated.spec?.replicas ?? 1;
    if (minReady > 0 && updated.status?.readyReplicas === want && updated.status?.availableReplicas !== want) {
      return { requeueAfterMs: minReady * 1000 };
    }
  }

  private async manageReplicas(key: string, pods: readonly Readonly<Pod>[], rs: Readonly<ReplicaSetLike>): Promise<void> {
    const want = rs.spec?.replicas ?? 1;
    let diff = pods.length - want;
    const namespace = rs.metadata!.namespace!;
    if (diff < 0) {
      diff = Math.min(-diff, this.burst);
      // Expect all creations before the first request so that pods seen
      // through the watch before we return are counted.
      this.expectations.expectCreations(key, diff);
      this.log.debug({ key, need: want, creating: diff }, 'too few replicas');
      const template = rs.spec?.template;
      if (!template) throw new Error('no pod template');
      const ref = newControllerRef(rs, this.o.kind.gvk);
      const { successes, error } = await slowStartBatch(diff, slowStartInitialBatchSize, async () => {
        try {
          await this.podControl.createPod(namespace, template, rs, ref);
        } catch (e) {
          // The namespace is going away: nothing to retry.
          if (isNamespaceTerminating(e)) return;
          throw e;
        }
      });
      const skipped = diff - successes;
      if (skipped > 0) this.expectations.lower(key, skipped, 0);
      if (error) throw error;
      return;
    }
    if (diff > 0) {
      diff = Math.min(diff, this.burst);
      const related = this.relatedPods(rs);
      const victims = podsToDelete(pods, related, diff);
      this.expectations.expectDeletions(key, victims.map((p) => keyOf(p as KObject)));
      this.log.debug({ key, need: want, deleting: diff }, 'too many replicas');
      const errs: unknown[] = [];
      await Promise.all(
        victims.map(async (p) => {
          try {
            await this.podControl.deletePod(namespace, p.metadata!.name!, rs);
          } catch (e) {
            this.expectations.deletionObserved(key, keyOf(p as KObject));
            if (!isStatusError(e, 'NotFound')) errs.push(e);
          }
        }),
      );
      if (errs.length) throw errs[0];
    }
  }

  /**
   * Pods of every set sharing this set's controller (a Deployment's other
   * ReplicaSets), so scale-down spreads across nodes for the whole rollout.
   */
  private relatedPods(rs: Readonly<ReplicaSetLike>): Readonly<Pod>[] {
    const owner = getControllerOf(rs);
    const siblings = owner ? this.sets.list(rs.metadata?.namespace).filter((s) => getControllerOf(s)?.uid === owner.uid) : [rs];
    const out: Readonly<Pod>[] = [];
    for (const s of siblings) out.push(...this.pods.byIndex(controllerUidIndex, s.metadata!.uid!));
    return out;
  }

  private calculateStatus(rs: Readonly<ReplicaSetLike>, pods: readonly Readonly<Pod>[], manageErr: unknown, diff: number): NonNullable<ReplicaSet['status']> {
    const status = structuredClone(rs.status ?? { replicas: 0 }) as NonNullable<ReplicaSet['status']>;
    const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const now = this.now();
    let fully = 0;
    let ready = 0;
    let available = 0;
    for (const p of pods) {
      if (Object.entries(templateLabels).every(([k, v]) => p.metadata?.labels?.[k] === v)) fully++;
      if (isPodReady(p)) {
        ready++;
        if (isPodAvailable(p, minReady, now)) available++;
      }
    }
    const conditions = (status.conditions ?? []) as ReplicaSetCondition[];
    const failure = conditions.find((c) => c.type === 'ReplicaFailure');
    if (manageErr && !failure) {
      const reason = diff < 0 ? 'FailedCreate' : 'FailedDelete';
      conditions.push({ type: 'ReplicaFailure', status: 'True', reason, message: (manageErr as Error)?.message ?? String(manageErr), lastTransitionTime: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z') });
    }
    status.conditions = manageErr || !failure ? conditions : conditions.filter((c) => c.type !== 'ReplicaFailure');
    if (status.conditions.length === 0) delete status.conditions;
    status.replicas = pods.length;
    status.fullyLabeledReplicas = fully;
    status.readyReplicas = ready;
    status.availableReplicas = available;
    return status;
  }

  /** Writes status unless nothing changed; retries once on a conflict with a fresh read, as Kubernetes does. */
  private async updateStatus(rs: Readonly<ReplicaSetLike>, status: NonNullable<ReplicaSet['status']>): Promise<Readonly<ReplicaSetLike>> {
    const gen = rs.metadata?.generation ?? 0;
    const cur: NonNullable<ReplicaSet['status']> = rs.status ?? { replicas: 0 };
    const same =
      (cur.replicas ?? 0) === status.replicas &&
      (cur.fullyLabeledReplicas ?? 0) === (status.fullyLabeledReplicas ?? 0) &&
      (cur.readyReplicas ?? 0) === (status.readyReplicas ?? 0) &&
      (cur.availableReplicas ?? 0) === (status.availableReplicas ?? 0) &&
      (cur.observedGeneration ?? 0) >= gen &&
      JSON.stringify(cur.conditions ?? []) === JSON.stringify(status.conditions ?? []);
    if (same) return rs;
    const client = this.o.ctx.client.resource<ReplicaSetLike>(this.o.kind.gvr, rs.metadata!.namespace);
    let target: ReplicaSetLike = { ...(rs as ReplicaSetLike) };
    for (let attempt = 0; ; attempt++) {
      const next = { ...target, status: { ...status, observedGeneration: target.metadata?.generation ?? gen } };
      try {
        return await client.updateStatus(next);
      } catch (e) {
        if (attempt >= 1 || !isStatusError(e, 'Conflict')) throw e;
        target = await client.get(rs.metadata!.name!);
      }
    }
  }
}

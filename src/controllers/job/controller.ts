/**
 * The Job controller (pkg/controller/job, as of Kubernetes 1.30): runs pods
 * until `completions` succeed (or, without completions, until one succeeds
 * and the rest finish), at most `parallelism` at a time, replacing failed
 * ones after an exponential backoff until `backoffLimit` or
 * `activeDeadlineSeconds` fails the Job.
 *
 * Pods are tracked with the `batch.kubernetes.io/job-tracking` finalizer:
 * a finished pod is first recorded by uid in
 * status.uncountedTerminatedPods, then its finalizer is removed, then it is
 * moved into the succeeded/failed counts. So a pod is counted exactly once
 * even if it is deleted, and even if the controller restarts mid-way.
 *
 * The TTL-after-finished controller's job is done here too: a finished Job
 * with ttlSecondsAfterFinished is deleted (foreground) when it expires.
 */
import type { Job, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Container, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import { labelSelectorFromObject, matches } from '../../api/labels.js';
import type { KObject } from '../../api/types.js';
import type { Informer, ResourceClient, SyncResult, WorkQueue } from '../../client/types.js';
import { ControllerRefManager } from '../shared/controller-ref.js';
import { controllerUidIndex, controllerUidOf, ensureIndex, runSyncWorkers, withKind, type ControllerContext, type RunningController } from '../shared/controller.js';
import { ControllerExpectations } from '../shared/expectations.js';
import { PodControl, slowStartBatch, isNamespaceTerminating } from '../shared/pod-control.js';
import { compareForDeletion, isPodActive, isPodReady, isPodTerminating } from '../shared/pod-util.js';
import { getControllerOf, gvr, keyOf, newControllerRef, splitKey } from '../shared/resources.js';
import { defaultBackoffMs, maxBackoffMs, nextBackoffRecord, remainingBackoffMs, type BackoffRecord } from './backoff.js';
import { completionIndexKey, completionIndexOf, firstPendingIndexes, formatIndexes, parseIndexes } from './indexes.js';
import {
  activeDeadline,
  conditionMessages,
  finishedCondition,
  hasTrackingFinalizer,
  pastBackoffLimitOnFailure,
  rfc3339,
  setJobCondition,
  trackingFinalizer,
  ttlExpiry,
} from './status.js';

type JobObj = Job & KObject;
type PodObj = Pod & KObject;

export const jobGVK = { apiVersion: 'batch/v1', kind: 'Job' };

export interface JobControllerOptions {
  /** The clock (ms since epoch); tests move it. */
  now?: () => number;
  /** Pod-failure backoff base and cap (10 s and 6 min in Kubernetes). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

/** Queue keys for pods whose tracking finalizer may need removing after their Job went away. */
const orphanPodPrefix = 'pod:';

export class JobController implements RunningController {
  readonly name = 'job';
  readonly queue: WorkQueue<string>;
  private readonly jobs: Informer<JobObj>;
  private readonly pods: Informer<PodObj>;
  private readonly podControl: PodControl;
  readonly expectations = new ControllerExpectations();
  /** Pod uids per Job whose finalizer we removed but the cache may still show. */
  private readonly finalizersGone = new Map<string, Set<string>>();
  /** Pod uids per Job that we deleted ourselves (scale-down, suspend): not failures. */
  private readonly deletedByUs = new Map<string, Set<string>>();
  private readonly backoff = new Map<string, BackoffRecord>();
  private readonly now: () => number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;

  constructor(
    private readonly ctx: ControllerContext,
    opts: JobControllerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.backoffBaseMs = opts.backoffBaseMs ?? defaultBackoffMs;
    this.backoffMaxMs = opts.backoffMaxMs ?? maxBackoffMs;
    this.queue = ctx.newQueue('job');
    this.jobs = ctx.informers.informerFor<JobObj>(gvr.jobs);
    this.pods = ctx.informers.informerFor<PodObj>(gvr.pods);
    this.podControl = new PodControl(ctx.client, ctx.recorder);
    ensureIndex(this.pods, controllerUidIndex, controllerUidOf);

    this.jobs.addEventHandler({
      onAdd: (j) => this.queue.add(keyOf(j)),
      onUpdate: (_o, j) => this.queue.add(keyOf(j)),
      onDelete: (j) => {
        this.queue.add(keyOf(j));
        // Its pods may still carry our finalizer; they are orphans now.
        for (const p of this.pods.byIndex(controllerUidIndex, j.metadata?.uid ?? '')) {
          if (hasTrackingFinalizer(p)) this.queue.add(orphanPodPrefix + keyOf(p));
        }
      },
    });
    this.pods.addEventHandler({
      onAdd: (p) => {
        const key = this.jobKeyOf(p);
        if (!key) return this.maybeOrphan(p);
        if (p.metadata?.deletionTimestamp) this.expectations.deletionObserved(key, keyOf(p));
        else this.expectations.creationObserved(key);
        this.queue.add(key);
      },
      onUpdate: (old, p) => {
        const key = this.jobKeyOf(p);
        const oldKey = this.jobKeyOf(old);
        if (oldKey && oldKey !== key) this.queue.add(oldKey);
        if (!key) return this.maybeOrphan(p);
        if (p.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) this.expectations.deletionObserved(key, keyOf(p));
        if (!hasTrackingFinalizer(p)) this.finalizersGone.get(key)?.delete(p.metadata?.uid ?? '');
        this.queue.add(key);
      },
      onDelete: (p) => {
        const key = this.jobKeyOf(p);
        if (!key) return;
        this.expectations.deletionObserved(key, keyOf(p));
        this.finalizersGone.get(key)?.delete(p.metadata?.uid ?? '');
        this.queue.add(key);
      },
    });
  }

  run(workers: number): void {
    runSyncWorkers(this.queue, workers, (k) => this.sync(k), this.ctx.log);
  }

  stop(): void {
    this.queue.shutDown();
  }

  private jobKeyOf(p: Readonly<PodObj>): string | undefined {
    const ref = getControllerOf(p);
    if (!ref || ref.kind !== 'Job' || !ref.apiVersion.startsWith('batch/')) return undefined;
    return `${p.metadata?.namespace}/${ref.name}`;
  }

  private maybeOrphan(p: Readonly<PodObj>): void {
    if (hasTrackingFinalizer(p)) this.queue.add(orphanPodPrefix + keyOf(p));
  }

  private jobsClient(ns: string): ResourceClient<JobObj> {
    return this.ctx.client.resource<JobObj>(gvr.jobs, ns);
  }

  private podsClient(ns: string): ResourceClient<PodObj> {
    return this.ctx.client.resource<PodObj>(gvr.pods, ns);
  }

  async sync(key: string): Promise<SyncResult> {
    if (key.startsWith(orphanPodPrefix)) return this.syncOrphanPod(key.slice(orphanPodPrefix.length));
    const cached = this.jobs.get(key);
    if (!cached) {
      this.expectations.delete(key);
      this.finalizersGone.delete(key);
      this.deletedByUs.delete(key);
      this.backoff.delete(key);
      return;
    }
    const job = withKind<JobObj>(cached, 'batch/v1', 'Job');
    const pods = await this.claimPods(job);

    if (finishedCondition(job) || job.metadata?.deletionTimestamp) {
      // Counting is over (or the Job is going away): whatever still carries our finalizer is released.
      await this.removeFinalizers(key, job, pods.filter(hasTrackingFinalizer));
      return this.syncTTL(job);
    }
    return this.syncActive(key, job, pods);
  }

  private async claimPods(job: JobObj): Promise<Readonly<PodObj>[]> {
    const ns = job.metadata!.namespace!;
    const selector = labelSelectorFromObject(job.spec?.selector);
    const owned = this.pods.byIndex(controllerUidIndex, job.metadata!.uid!);
    const orphans = this.pods.list(ns).filter((p) => !getControllerOf(p) && matches(selector, p.metadata?.labels));
    const mgr = new ControllerRefManager<PodObj>({
      owner: job,
      ownerGVK: jobGVK,
      selector,
      objects: this.podsClient(ns),
      fetchOwner: () => this.jobsClient(ns).get(job.metadata!.name!),
    });
    return mgr.claim([...owned, ...orphans]);
  }

  private async syncActive(key: string, job: JobObj, pods: Readonly<PodObj>[]): Promise<SyncResult> {
    const now = this.now();
    const spec = job.spec!;
    const ns = job.metadata!.namespace!;
    const suspended = spec.suspend === true;
    const completions = spec.completions ?? undefined;
    const indexed = spec.completionMode === 'Indexed' && completions !== undefined;
    const parallelism = spec.parallelism ?? 1;
    const backoffLimit = spec.backoffLimit ?? 6;

    const status: JobStatus = structuredClone(job.status ?? {});
    const conditions = [...(status.conditions ?? [])];
    const uncounted = {
      succeeded: new Set(status.uncountedTerminatedPods?.succeeded ?? []),
      failed: new Set(status.uncountedTerminatedPods?.failed ?? []),
    };
    const completedIdx = indexed ? parseIndexes(status.completedIndexes, completions!) : new Set<number>();
    const gone = this.finalizersGone.get(key) ?? new Set<string>();
    const ours = this.deletedByUs.get(key) ?? new Set<string>();

    // 1. Newly finished pods (still holding our finalizer, not yet recorded).
    const newSucceeded: Readonly<PodObj>[] = [];
    const newFailed: Readonly<PodObj>[] = [];
    const released: Readonly<PodObj>[] = []; // deleted by us: finalizer off, not counted
    for (const p of pods) {
      const uid = p.metadata!.uid!;
      if (!hasTrackingFinalizer(p) || gone.has(uid) || uncounted.succeeded.has(uid) || uncounted.failed.has(uid)) continue;
      const phase = p.status?.phase;
      if (phase === 'Succeeded') newSucceeded.push(p);
      else if (phase === 'Failed') newFailed.push(p);
      else if (p.metadata?.deletionTimestamp) {
        // Someone else deleting a running pod is a failure (orphans never reach Failed); our own deletions are not.
        if (ours.has(uid)) released.push(p);
        else newFailed.push(p);
      }
    }
    for (const p of newSucceeded) {
      uncounted.succeeded.add(p.metadata!.uid!);
      const i = completionIndexOf(p.metadata);
      if (indexed && i !== undefined && i < completions!) completedIdx.add(i);
    }
    for (const p of newFailed) uncounted.failed.add(p.metadata!.uid!);
    if (newSucceeded.length || newFailed.length) {
      this.backoff.set(key, nextBackoffRecord(this.backoff.get(key) ?? { failuresAfterLastSuccess: 0 }, newSucceeded, newFailed));
    }

    const active = pods.filter((p) => isPodActive(p));
    const succeeded = indexed ? completedIdx.size : (status.succeeded ?? 0) + uncounted.succeeded.size;
    const failed = (status.failed ?? 0) + uncounted.failed.size;

    // 2. Has the Job finished?
    let finish: { type: 'Complete' | 'Failed'; reason: string; message: string } | undefined;
    if (!suspended) {
      if (failed > backoffLimit || pastBackoffLimitOnFailure(job, active)) {
        finish = { type: 'Failed', reason: 'BackoffLimitExceeded', message: conditionMessages.backoffLimitExceeded };
      } else {
        const deadline = activeDeadline(job);
        if (deadline !== undefined && now >= deadline) finish = { type: 'Failed', reason: 'DeadlineExceeded', message: conditionMessages.deadlineExceeded };
      }
    }
    if (!finish) {
      const complete = completions === undefined ? succeeded > 0 && active.length === 0 : succeeded >= completions;
      if (complete) finish = { type: 'Complete', reason: '', message: '' };
    }

    let requeueAfterMs: number | undefined;
    let manageError: unknown;
    const satisfied = this.expectations.satisfied(key);
    if (finish) {
      // Running pods of a finished Job go; a failed Job counts them as failed (they never got to finish).
      if (active.length) await this.deletePods(key, job, active, finish.type === 'Complete');
      if (finish.type === 'Failed') for (const p of active) uncounted.failed.add(p.metadata!.uid!);
    } else if (suspended) {
      if (active.length && satisfied) await this.deletePods(key, job, active, true);
    } else if (satisfied) {
      try {
        requeueAfterMs = await this.manage(key, job, active, succeeded, completedIdx, now);
      } catch (e) {
        manageError = e;
      }
    }

    // 3. Suspended / resumed. Events wait until the status that says so is written, so a lost race does not repeat them.
    const pending: [type: 'Normal' | 'Warning', reason: string, message: string][] = [];
    const wasSuspended = conditions.find((c) => c.type === 'Suspended')?.status === 'True';
    if (suspended && !wasSuspended && !finish) {
      setJobCondition(conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
      pending.push(['Normal', 'Suspended', 'Job suspended']);
    } else if (!suspended && wasSuspended) {
      setJobCondition(conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
      pending.push(['Normal', 'Resumed', 'Job resumed']);
      // The active deadline is measured from the resume.
      status.startTime = rfc3339(now);
    }
    if (!status.startTime && !suspended) status.startTime = rfc3339(now);

    // 4. First write: record newly finished pods by uid before touching their finalizers.
    const stillActive = active.filter((p) => !finish && !(suspended && satisfied));
    status.active = stillActive.length;
    status.ready = stillActive.filter((p) => isPodReady(p)).length;
    status.terminating = pods.filter((p) => isPodTerminating(p)).length;
    status.uncountedTerminatedPods = { succeeded: [...uncounted.succeeded].sort(), failed: [...uncounted.failed].sort() };
    if (indexed) status.completedIndexes = formatIndexes(completedIdx);
    status.conditions = conditions.length ? conditions : undefined;
    let current = await this.writeStatus(job, status);
    for (const [type, reason, message] of pending.splice(0)) this.ctx.recorder.event(job, type, reason, message);

    // 5. Release the finalizers of every recorded pod (and of pods we deleted ourselves).
    const recorded = new Set([...uncounted.succeeded, ...uncounted.failed]);
    const toRelease = pods.filter((p) => hasTrackingFinalizer(p) && !gone.has(p.metadata!.uid!) && (recorded.has(p.metadata!.uid!) || released.includes(p)));
    const releasedUids = await this.removeFinalizers(key, job, toRelease);

    // 6. Second write: move released (or vanished) pods from uncounted into the counts; then the terminal condition.
    const present = new Map(pods.map((p) => [p.metadata!.uid!, p]));
    const freed = (uid: string) => releasedUids.has(uid) || gone.has(uid) || !present.has(uid) || !hasTrackingFinalizer(present.get(uid)!);
    const next: JobStatus = structuredClone(current.status ?? {});
    let moved = false;
    for (const uid of [...uncounted.succeeded]) {
      if (!freed(uid)) continue;
      uncounted.succeeded.delete(uid);
      if (!indexed) next.succeeded = (next.succeeded ?? 0) + 1;
      moved = true;
    }
    for (const uid of [...uncounted.failed]) {
      if (!freed(uid)) continue;
      uncounted.failed.delete(uid);
      next.failed = (next.failed ?? 0) + 1;
      moved = true;
    }
    if (indexed) next.succeeded = completedIdx.size;
    next.uncountedTerminatedPods = { succeeded: [...uncounted.succeeded].sort(), failed: [...uncounted.failed].sort() };
    if (finish && uncounted.succeeded.size === 0 && uncounted.failed.size === 0) {
      const conds = [...(next.conditions ?? [])];
      setJobCondition(conds, finish.type, 'True', finish.reason, finish.message, now);
      next.conditions = conds;
      next.active = 0;
      next.ready = 0;
      if (finish.type === 'Complete') {
        next.completionTime = rfc3339(now);
        pending.push(['Normal', 'Completed', 'Job completed']);
      } else {
        pending.push(['Warning', finish.reason, finish.message]);
      }
      moved = true;
    }
    if (moved) current = await this.writeStatus(current, next);
    for (const [type, reason, message] of pending) this.ctx.recorder.event(job, type, reason, message);

    if (manageError) throw manageError;
    if (finish && finishedCondition(current)) return this.syncTTL(current);
    if (finish) return { requeueAfterMs: 0 };
    // Wake up for the active deadline even when nothing else happens.
    const deadline = activeDeadline(current);
    if (deadline !== undefined) {
      const d = Math.max(0, deadline - now);
      requeueAfterMs = requeueAfterMs === undefined ? d : Math.min(requeueAfterMs, d);
    }
    return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  }

  /** Creates or deletes pods toward the wanted number of active ones; returns a backoff delay when creation must wait. */
  private async manage(key: string, job: JobObj, active: Readonly<PodObj>[], succeeded: number, completedIdx: Set<number>, now: number): Promise<number | undefined> {
    const spec = job.spec!;
    const parallelism = spec.parallelism ?? 1;
    const completions = spec.completions ?? undefined;
    const indexed = spec.completionMode === 'Indexed' && completions !== undefined;

    let wantActive: number;
    if (completions === undefined) wantActive = succeeded > 0 ? active.length : parallelism;
    else wantActive = Math.max(0, Math.min(completions - succeeded, parallelism));

    // Indexed: pods for finished, duplicate or out-of-range indexes go first.
    const surplus: Readonly<PodObj>[] = [];
    let keep = active;
    if (indexed) {
      const seen = new Set<number>();
      keep = [];
      for (const p of [...active].sort((a, b) => (isPodReady(b) ? 1 : 0) - (isPodReady(a) ? 1 : 0))) {
        const i = completionIndexOf(p.metadata);
        if (i === undefined || i >= completions! || completedIdx.has(i) || seen.has(i)) surplus.push(p);
        else {
          seen.add(i);
          keep.push(p);
        }
      }
    }
    const excess = keep.length - wantActive;
    if (excess > 0) surplus.push(...[...keep].sort((a, b) => compareForDeletion(a, b)).slice(0, excess));
    if (surplus.length) {
      await this.deletePods(key, job, surplus, true);
      return undefined;
    }

    const diff = wantActive - keep.length;
    if (diff <= 0) return undefined;
    const wait = remainingBackoffMs(this.backoff.get(key) ?? { failuresAfterLastSuccess: 0 }, now, this.backoffBaseMs, this.backoffMaxMs);
    if (wait > 0) return wait;

    const indexes = indexed
      ? firstPendingIndexes(completedIdx, new Set(keep.map((p) => completionIndexOf(p.metadata)!)), diff, completions!)
      : Array.from({ length: diff }, () => undefined);
    if (indexes.length === 0) return undefined;
    this.expectations.expectCreations(key, indexes.length);
    const ref = newControllerRef(job, jobGVK);
    const ns = job.metadata!.namespace!;
    let next = 0;
    const { successes, error } = await slowStartBatch(indexes.length, 1, async () => {
      const index = indexes[next++];
      await this.podControl.createPod(ns, this.podTemplate(job, index), job, ref, (pod) => {
        if (index !== undefined) pod.metadata!.generateName = `${job.metadata!.name}-${index}-`;
      });
    });
    const skipped = indexes.length - successes;
    if (skipped > 0) this.expectations.lower(key, skipped, 0);
    if (error && !isNamespaceTerminating(error)) throw error;
    return undefined;
  }

  /** The template a Job's pod is made from: our finalizer, and for Indexed Jobs the index everywhere it shows. */
  private podTemplate(job: JobObj, index: number | undefined): PodTemplateSpec {
    const t = structuredClone(job.spec!.template) as PodTemplateSpec;
    const meta = (t.metadata ??= {});
    meta.finalizers = [...(meta.finalizers ?? []).filter((f) => f !== trackingFinalizer), trackingFinalizer];
    if (index !== undefined) {
      meta.annotations = { ...meta.annotations, [completionIndexKey]: String(index) };
      meta.labels = { ...meta.labels, [completionIndexKey]: String(index) };
      const spec = t.spec!;
      spec.hostname ??= `${job.metadata!.name}-${index}`;
      const addEnv = (c: Container) => {
        if (c.env?.some((e) => e.name === 'JOB_COMPLETION_INDEX')) return;
        c.env = [...(c.env ?? []), { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${completionIndexKey}']` } } }];
      };
      spec.containers.forEach(addEnv);
      spec.initContainers?.forEach(addEnv);
    }
    return t;
  }

  /** Deletes pods; `notFailures` marks them as ours so their termination does not count against the backoff limit. */
  private async deletePods(key: string, job: JobObj, pods: readonly Readonly<PodObj>[], notFailures: boolean): Promise<void> {
    const todo = pods.filter((p) => !p.metadata?.deletionTimestamp);
    if (!todo.length) return;
    if (notFailures) {
      const set = this.deletedByUs.get(key) ?? new Set<string>();
      for (const p of todo) set.add(p.metadata!.uid!);
      this.deletedByUs.set(key, set);
    }
    this.expectations.expectDeletions(key, todo.map((p) => keyOf(p)));
    const ns = job.metadata!.namespace!;
    const errs: unknown[] = [];
    await Promise.all(
      todo.map(async (p) => {
        try {
          await this.podControl.deletePod(ns, p.metadata!.name!, job);
        } catch (e) {
          this.expectations.deletionObserved(key, keyOf(p));
          if (!isStatusError(e, 'NotFound')) errs.push(e);
        }
      }),
    );
    if (errs.length) throw errs[0];
  }

  /** Removes our finalizer from `pods`; returns the uids done (gone pods included). */
  private async removeFinalizers(key: string, job: JobObj, pods: readonly Readonly<PodObj>[]): Promise<Set<string>> {
    const done = new Set<string>();
    if (!pods.length) return done;
    const gone = this.finalizersGone.get(key) ?? new Set<string>();
    this.finalizersGone.set(key, gone);
    const ns = job.metadata!.namespace!;
    const errs: unknown[] = [];
    await Promise.all(
      pods.map(async (p) => {
        try {
          await removeTrackingFinalizer(this.podsClient(ns), p);
          done.add(p.metadata!.uid!);
          gone.add(p.metadata!.uid!);
        } catch (e) {
          if (isStatusError(e, 'NotFound')) done.add(p.metadata!.uid!);
          else errs.push(e);
        }
      }),
    );
    if (errs.length && done.size === 0) throw errs[0];
    return done;
  }

  private async writeStatus(job: JobObj, status: JobStatus): Promise<JobObj> {
    const clean = (s: JobStatus | undefined) => JSON.stringify(normalizeStatus(s));
    if (clean(job.status) === clean(status)) return job;
    const next: JobObj = { ...job, status: normalizeStatus(status) };
    return this.jobsClient(job.metadata!.namespace!).updateStatus(next);
  }

  private async syncTTL(job: JobObj): Promise<SyncResult> {
    const expiry = ttlExpiry(job);
    if (expiry === undefined || job.metadata?.deletionTimestamp) return;
    const now = this.now();
    if (now < expiry) return { requeueAfterMs: expiry - now };
    try {
      await this.jobsClient(job.metadata!.namespace!).delete(job.metadata!.name!, {
        propagationPolicy: 'Foreground',
        preconditions: { uid: job.metadata!.uid, resourceVersion: job.metadata!.resourceVersion },
      });
    } catch (e) {
      if (!isStatusError(e, 'NotFound')) throw e;
    }
  }

  /** A pod carrying our finalizer whose Job is gone (or is another object now): release it. */
  private async syncOrphanPod(podKey: string): Promise<SyncResult> {
    const pod = this.pods.get(podKey);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = getControllerOf(pod);
    if (ref && ref.kind === 'Job') {
      const job = this.jobs.get(`${splitKey(podKey).namespace}/${ref.name}`);
      if (job && job.metadata?.uid === ref.uid) {
        this.queue.add(keyOf(job));
        return;
      }
    }
    try {
      await removeTrackingFinalizer(this.podsClient(splitKey(podKey).namespace), pod);
    } catch (e) {
      if (!isStatusError(e, 'NotFound')) throw e;
    }
  }
}

/** Drops empty fields so an unchanged status compares equal and does not cause a write. */
function normalizeStatus(s: JobStatus | undefined): JobStatus {
  const out: JobStatus = { ...(s ?? {}) };
  const u = out.uncountedTerminatedPods;
  if (u && !u.succeeded?.length && !u.failed?.length) out.uncountedTerminatedPods = {};
  if (out.completedIndexes === '') delete out.completedIndexes;
  if (!out.conditions?.length) delete out.conditions;
  for (const k of ['active', 'succeeded', 'failed'] as const) if (out[k] === 0) delete out[k];
  return out;
}

/** JSON patch removing the finalizer by position, guarded by a test so a concurrent change fails instead of removing the wrong entry. */
async function removeTrackingFinalizer(client: ResourceClient<PodObj>, pod: Readonly<PodObj>): Promise<void> {
  const i = pod.metadata?.finalizers?.indexOf(trackingFinalizer) ?? -1;
  if (i < 0) return;
  try {
    await client.patch(pod.metadata!.name!, 'json', [
      { op: 'test', path: `/metadata/finalizers/${i}`, value: trackingFinalizer },
      { op: 'remove', path: `/metadata/finalizers/${i}` },
    ]);
  } catch (e) {
    // The list moved under us: read it fresh and try once more.
    if (!isStatusError(e, 'Invalid') && !isStatusError(e, 'Conflict') && !isStatusError(e, 'UnprocessableEntity' as never)) throw e;
    const fresh = await client.get(pod.metadata!.name!);
    const j = fresh.metadata?.finalizers?.indexOf(trackingFinalizer) ?? -1;
    if (j < 0) return;
    await client.patch(pod.metadata!.name!, 'json', [
      { op: 'test', path: `/metadata/finalizers/${j}`, value: trackingFinalizer },
      { op: 'remove', path: `/metadata/finalizers/${j}` },
    ]);
  }
}

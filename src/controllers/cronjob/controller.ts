/**
 * The CronJob controller (cronjob_controllerv2, Kubernetes 1.30): for each
 * CronJob, keeps status.active in step with its Jobs, trims finished Jobs to
 * the history limits, and creates the Job for the most recent unmet start
 * time — named `<cronjob>-<minutes since epoch>`, so a start is never run
 * twice — unless it is too late (startingDeadlineSeconds), suspended, or
 * the concurrency policy says no. Then it sleeps until the next start.
 */
import type { CronJob, CronJobStatus, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { Informer, ResourceClient, SyncResult, WorkQueue } from '../../client/types.js';
import { runSyncWorkers, withKind, type ControllerContext, type RunningController } from '../shared/controller.js';
import { getControllerOf, gvr, keyOf, newControllerRef } from '../shared/resources.js';
import { finishedCondition, isJobFinished, rfc3339 } from '../job/index.js';
import { formatInZone, isValidTimeZone, mostRecentScheduleTime, nextScheduleDelayMs, parseSchedule, scheduledTimeSuffix, type Schedule } from './schedule.js';

type CronJobObj = CronJob & KObject;
type JobObj = Job & KObject;

export const cronJobGVK = { apiVersion: 'batch/v1', kind: 'CronJob' };
export const scheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface CronJobControllerOptions {
  /** The clock (ms since epoch); tests move it. */
  now?: () => number;
}

export class CronJobController implements RunningController {
  readonly name = 'cronjob';
  readonly queue: WorkQueue<string>;
  private readonly cronJobs: Informer<CronJobObj>;
  private readonly jobs: Informer<JobObj>;
  private readonly now: () => number;

  constructor(
    private readonly ctx: ControllerContext,
    opts: CronJobControllerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.queue = ctx.newQueue('cronjob');
    this.cronJobs = ctx.informers.informerFor<CronJobObj>(gvr.cronjobs);
    this.jobs = ctx.informers.informerFor<JobObj>(gvr.jobs);
    this.cronJobs.addEventHandler({
      onAdd: (cj) => this.queue.add(keyOf(cj)),
      onUpdate: (_o, cj) => this.queue.add(keyOf(cj)),
      onDelete: (cj) => this.queue.add(keyOf(cj)),
    });
    const byJob = (j: Readonly<JobObj>) => {
      const ref = getControllerOf(j);
      if (ref?.kind === 'CronJob') this.queue.add(`${j.metadata?.namespace}/${ref.name}`);
    };
    this.jobs.addEventHandler({
      onAdd: byJob,
      onUpdate: (o, j) => {
        byJob(j);
        if (getControllerOf(o)?.uid !== getControllerOf(j)?.uid) byJob(o);
      },
      onDelete: byJob,
    });
  }

  run(workers: number): void {
    runSyncWorkers(this.queue, workers, (k) => this.sync(k), this.ctx.log);
  }

  stop(): void {
    this.queue.shutDown();
  }

  private jobsClient(ns: string): ResourceClient<JobObj> {
    return this.ctx.client.resource<JobObj>(gvr.jobs, ns);
  }

  async sync(key: string): Promise<SyncResult> {
    const cached = this.cronJobs.get(key);
    if (!cached) return;
    const cj = withKind<CronJobObj>(structuredClone(cached) as CronJobObj, 'batch/v1', 'CronJob');
    const ns = cj.metadata!.namespace!;
    const jobs = this.jobs.list(ns).filter((j) => getControllerOf(j)?.uid === cj.metadata!.uid);
    const status: CronJobStatus = structuredClone(cj.status ?? {});
    const before = JSON.stringify(status);

    const requeue = await this.syncCronJob(cj, status, jobs);
    if (!cj.metadata?.deletionTimestamp) await this.cleanupFinishedJobs(cj, jobs);

    if (JSON.stringify(status) !== before) {
      if (status.active && status.active.length === 0) delete status.active;
      await this.ctx.client.resource<CronJobObj>(gvr.cronjobs, ns).updateStatus({ ...cj, status });
    }
    return requeue === undefined ? undefined : { requeueAfterMs: requeue };
  }

  /** Returns when to look again (ms), or undefined for "only on change". Mutates `status`. */
  private async syncCronJob(cj: CronJobObj, status: CronJobStatus, jobs: readonly Readonly<JobObj>[]): Promise<number | undefined> {
    const now = this.now();
    const rec = this.ctx.recorder;
    const active: ObjectReference[] = [...(status.active ?? [])];
    const childUids = new Set(jobs.map((j) => j.metadata!.uid!));

    for (const j of jobs) {
      const uid = j.metadata!.uid!;
      const found = active.some((a) => a.uid === uid);
      const finished = isJobFinished(j);
      if (!found && !finished) {
        rec.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata!.name}`);
      } else if (found && finished) {
        active.splice(active.findIndex((a) => a.uid === uid), 1);
        rec.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata!.name}, condition: ${finishedCondition(j)!.type}`);
      }
      if (finishedCondition(j)?.type === 'Complete' && j.status?.completionTime) {
        if (!status.lastSuccessfulTime || Date.parse(status.lastSuccessfulTime) < Date.parse(j.status.completionTime)) status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    // Active entries whose Job is gone (the cache may lag: ask the server).
    for (const ref of [...active]) {
      if (childUids.has(ref.uid!)) continue;
      try {
        const j = await this.jobsClient(ref.namespace ?? cj.metadata!.namespace!).get(ref.name!);
        if (j.metadata?.uid === ref.uid) continue;
      } catch (e) {
        if (!isStatusError(e, 'NotFound')) throw e;
      }
      rec.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
      active.splice(active.indexOf(ref), 1);
    }
    status.active = active;

    if (cj.metadata?.deletionTimestamp) return undefined;
    const tz = cj.spec?.timeZone ?? undefined;
    if (tz !== undefined && !isValidTimeZone(tz)) {
      rec.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${tz}": unknown time zone ${tz}`);
      return undefined;
    }
    if (cj.spec?.suspend) return undefined;

    let sched: Schedule;
    try {
      sched = parseSchedule(cj.spec!.schedule, tz);
    } catch (e) {
      rec.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec!.schedule}" : ${(e as Error).message}`);
      return undefined;
    }
    const inputs = {
      creationTimestamp: Date.parse(cj.metadata!.creationTimestamp!),
      lastScheduleTime: status.lastScheduleTime ? Date.parse(status.lastScheduleTime) : undefined,
      startingDeadlineSeconds: cj.spec?.startingDeadlineSeconds ?? undefined,
    };
    let due: ReturnType<typeof mostRecentScheduleTime>;
    try {
      due = mostRecentScheduleTime(inputs, now, sched, true);
    } catch (e) {
      rec.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec!.schedule} : ${(e as Error).message}`);
      return undefined;
    }
    if (due.missed === 'many') {
      rec.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    const later = () => nextScheduleDelayMs(inputs, now, sched);
    const scheduled = due.mostRecent;
    if (scheduled === undefined) return later();

    const sds = cj.spec?.startingDeadlineSeconds;
    if (sds != null && scheduled + sds * 1000 < now) {
      rec.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${new Date(scheduled).toUTCString()}`);
      return later();
    }
    const jobName = `${cj.metadata!.name}-${scheduledTimeSuffix(scheduled)}`;
    if (active.some((a) => a.name === jobName) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === scheduled)) return later();

    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && active.length > 0) {
      rec.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return later();
    }
    if (policy === 'Replace') {
      for (const ref of [...active]) {
        try {
          await this.jobsClient(ref.namespace ?? cj.metadata!.namespace!).delete(ref.name!, { propagationPolicy: 'Background' });
        } catch (e) {
          if (!isStatusError(e, 'NotFound')) {
            rec.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(e as Error).message}`);
            throw e;
          }
        }
        rec.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${ref.name}`);
        active.splice(active.indexOf(ref), 1);
      }
    }

    const job = jobFromTemplate(cj, scheduled, jobName);
    let created: JobObj;
    try {
      created = await this.jobsClient(cj.metadata!.namespace!).create(job);
    } catch (e) {
      if (isStatusError(e, 'AlreadyExists')) {
        // Someone (an earlier run of ours whose status write was lost) made it: adopt it into the status if it is ours.
        const existing = await this.jobsClient(cj.metadata!.namespace!).get(jobName);
        if (getControllerOf(existing)?.uid === cj.metadata!.uid && !isJobFinished(existing) && !active.some((a) => a.uid === existing.metadata?.uid)) {
          active.push(jobRef(existing));
        }
        status.lastScheduleTime = rfc3339(scheduled);
        return later();
      }
      rec.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
      throw e;
    }
    rec.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata!.name}`);
    active.push(jobRef(created));
    status.lastScheduleTime = rfc3339(scheduled);
    return later();
  }

  /** Deletes the oldest finished Jobs beyond successful/failedJobsHistoryLimit. */
  private async cleanupFinishedJobs(cj: CronJobObj, jobs: readonly Readonly<JobObj>[]): Promise<void> {
    const succeeded = jobs.filter((j) => finishedCondition(j)?.type === 'Complete');
    const failed = jobs.filter((j) => finishedCondition(j)?.type === 'Failed');
    await this.removeOldest(cj, succeeded, cj.spec?.successfulJobsHistoryLimit ?? 3);
    await this.removeOldest(cj, failed, cj.spec?.failedJobsHistoryLimit ?? 1);
  }

  private async removeOldest(cj: CronJobObj, jobs: Readonly<JobObj>[], limit: number): Promise<void> {
    if (jobs.length <= limit) return;
    const start = (j: Readonly<JobObj>) => (j.status?.startTime ? Date.parse(j.status.startTime) : Number.POSITIVE_INFINITY);
    const sorted = [...jobs].sort((a, b) => start(a) - start(b) || (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
    for (const j of sorted.slice(0, jobs.length - limit)) {
      if (j.metadata?.deletionTimestamp) continue;
      try {
        await this.jobsClient(j.metadata!.namespace!).delete(j.metadata!.name!, { propagationPolicy: 'Background' });
        this.ctx.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata!.name}`);
      } catch (e) {
        if (!isStatusError(e, 'NotFound')) throw e;
      }
    }
  }
}

function jobRef(j: Readonly<JobObj>): ObjectReference {
  return { kind: 'Job', namespace: j.metadata!.namespace, name: j.metadata!.name, uid: j.metadata!.uid, apiVersion: 'batch/v1', resourceVersion: j.metadata!.resourceVersion };
}

/** getJobFromTemplate2: the Job for one start time, owned by the CronJob. */
export function jobFromTemplate(cj: Readonly<CronJobObj>, scheduled: number, name: string): JobObj {
  const tmpl = cj.spec!.jobTemplate;
  const annotations: Record<string, string> = { ...(tmpl.metadata?.annotations ?? {}) };
  annotations[scheduledTimestampAnnotation] = formatInZone(scheduled, cj.spec?.timeZone ?? undefined);
  const labels = { ...(tmpl.metadata?.labels ?? {}) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cj.metadata!.namespace,
      labels: Object.keys(labels).length ? labels : undefined,
      annotations,
      ownerReferences: [newControllerRef(cj, cronJobGVK)],
    },
    spec: structuredClone(tmpl.spec) as Job['spec'],
  };
}

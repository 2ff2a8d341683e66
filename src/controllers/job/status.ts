/** Job conditions and the small facts about a Job's state that the controller, TTL and CronJob share. */
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';

/** Kubernetes' metav1.Time: RFC 3339 at whole seconds. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const trackingFinalizer = 'batch.kubernetes.io/job-tracking';

export const conditionMessages = {
  backoffLimitExceeded: 'Job has reached the specified backoff limit',
  deadlineExceeded: 'Job was active longer than specified deadline',
};

export function jobCondition(job: Readonly<Job>, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

/** Complete or Failed with status True (util.IsJobFinished). */
export function finishedCondition(job: Readonly<Job>): JobCondition | undefined {
  return job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export function isJobFinished(job: Readonly<Job>): boolean {
  return finishedCondition(job) !== undefined;
}

export function isJobSucceeded(job: Readonly<Job>): boolean {
  return finishedCondition(job)?.type === 'Complete';
}

/**
 * Sets a condition the way the job controller does: a new entry only for a
 * True status (nothing → False says nothing), transition time moved only on a
 * status change. Returns whether anything changed.
 */
export function setJobCondition(conds: JobCondition[], type: string, status: 'True' | 'False', reason: string, message: string, now: number): boolean {
  const i = conds.findIndex((c) => c.type === type);
  const t = rfc3339(now);
  if (i < 0) {
    if (status === 'False') return false;
    conds.push({ type, status, reason, message, lastProbeTime: t, lastTransitionTime: t });
    return true;
  }
  const c = conds[i]!;
  if (c.status === status && c.reason === reason && c.message === message) return false;
  conds[i] = { ...c, status, reason, message, lastProbeTime: t, lastTransitionTime: c.status === status ? c.lastTransitionTime : t };
  return true;
}

export function hasTrackingFinalizer(pod: Readonly<Pod>): boolean {
  return pod.metadata?.finalizers?.includes(trackingFinalizer) ?? false;
}

/** Sum of container restarts of pending/running pods: the OnFailure path to the backoff limit. */
export function pastBackoffLimitOnFailure(job: Readonly<Job>, active: readonly Readonly<Pod>[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of active) {
    const phase = p.status?.phase;
    if (phase !== 'Pending' && phase !== 'Running') continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** When an active deadline passes, or undefined without one (suspended Jobs have none). */
export function activeDeadline(job: Readonly<Job>): number | undefined {
  const ads = job.spec?.activeDeadlineSeconds;
  const start = job.status?.startTime;
  if (ads == null || !start || job.spec?.suspend) return undefined;
  return Date.parse(start) + ads * 1000;
}

/** When a finished Job with ttlSecondsAfterFinished expires, or undefined. */
export function ttlExpiry(job: Readonly<Job>): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  const cond = finishedCondition(job);
  if (ttl == null || !cond) return undefined;
  const finishedAt = job.status?.completionTime ?? cond.lastTransitionTime;
  if (!finishedAt) return undefined;
  return Date.parse(finishedAt) + ttl * 1000;
}

/**
 * Pod-failure backoff of a Job: after the n-th consecutive failure (since
 * the last success) the next pod waits base·2^(n-1), capped, counted from
 * when the last failed pod finished. Kubernetes keeps this record in the
 * controller's memory only, and so do we: a restart forgets it.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

export const defaultBackoffMs = 10_000;
export const maxBackoffMs = 360_000;

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/**
 * When a pod finished: the latest container finish (if all finished), else
 * the Ready=False transition, else deletionTimestamp minus its grace, else
 * creation.
 */
export function podFinishedTime(p: Readonly<Pod>): number {
  const statuses = p.status?.containerStatuses ?? [];
  let latest: number | undefined;
  let allDone = statuses.length > 0;
  for (const s of statuses) {
    const at = s.state?.terminated?.finishedAt;
    if (!at) {
      allDone = false;
      break;
    }
    const t = Date.parse(at);
    if (latest === undefined || t > latest) latest = t;
  }
  if (allDone && latest !== undefined) return latest;
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'False' && ready.lastTransitionTime) return Date.parse(ready.lastTransitionTime);
  if (p.metadata?.deletionTimestamp) return Date.parse(p.metadata.deletionTimestamp) - (p.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return p.metadata?.creationTimestamp ? Date.parse(p.metadata.creationTimestamp) : Date.now();
}

/** The record after counting newly finished pods (backoffStore.newBackoffRecord). */
export function nextBackoffRecord(old: BackoffRecord, newSucceeded: readonly Readonly<Pod>[], newFailed: readonly Readonly<Pod>[]): BackoffRecord {
  const failedTimes = newFailed.map(podFinishedTime).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failedTimes.length === 0) return { ...old };
    return { failuresAfterLastSuccess: old.failuresAfterLastSuccess + failedTimes.length, lastFailureTime: failedTimes[failedTimes.length - 1] };
  }
  const lastSuccess = Math.max(...newSucceeded.map(podFinishedTime));
  const rec: BackoffRecord = { failuresAfterLastSuccess: 0 };
  for (let i = failedTimes.length - 1; i >= 0; i--) {
    const t = failedTimes[i]!;
    if (t <= lastSuccess) break;
    rec.lastFailureTime ??= t;
    rec.failuresAfterLastSuccess++;
  }
  return rec;
}

/** Milliseconds to wait before creating pods again; 0 when free to go. */
export function remainingBackoffMs(rec: BackoffRecord, now: number, baseMs = defaultBackoffMs, maxMs = maxBackoffMs): number {
  if (rec.failuresAfterLastSuccess <= 0 || rec.lastFailureTime === undefined) return 0;
  let d = baseMs;
  for (let i = 1; i < rec.failuresAfterLastSuccess; i++) {
    d *= 2;
    if (d >= maxMs) {
      d = maxMs;
      break;
    }
  }
  const elapsed = now - rec.lastFailureTime;
  return d < elapsed ? 0 : d - elapsed;
}

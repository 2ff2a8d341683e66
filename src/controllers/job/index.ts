/** The Job controller (with TTL-after-finished) and the Job facts CronJob shares. */
export { JobController, jobGVK, type JobControllerOptions } from './controller.js';
export { finishedCondition, isJobFinished, isJobSucceeded, rfc3339, trackingFinalizer, conditionMessages } from './status.js';
export { formatIndexes, parseIndexes, completionIndexKey } from './indexes.js';
export { remainingBackoffMs, nextBackoffRecord, podFinishedTime, defaultBackoffMs, maxBackoffMs } from './backoff.js';

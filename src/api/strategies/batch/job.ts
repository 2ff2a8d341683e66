/** Jobs: the generated selector and pod labels, generation, status through /status only. */
import { randomUUID } from 'node:crypto';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { defaultJob } from '../../defaults/workloads.js';
import { jobLabels, validateJob, validateJobUpdate } from '../../validation/workloads.js';
import { makeStrategy, str } from '../common.js';

/**
 * Unless the client manages the selector itself, a Job selects its pods by
 * its own uid, and its template carries the uid and name labels, both under
 * batch.kubernetes.io/ and the legacy bare keys. Labels the client set
 * itself are kept (validation then reports a wrong uid).
 */
export function generateJobSelector(job: Job): void {
  if (job.spec?.manualSelector === true) return;
  const meta = (job.metadata ??= {}) as { uid?: string; name?: string };
  // The registry fills the uid before preparing; a fresh one keeps direct callers (tests) working.
  meta.uid ||= randomUUID();
  const uid = meta.uid;
  const name = meta.name ?? '';
  const spec = (job.spec ??= {} as Job['spec'] & object);
  const template = (spec.template ??= {});
  const tmeta = (template.metadata ??= {});
  const labels = (tmeta.labels ??= {});
  for (const k of [jobLabels.legacyJobName, jobLabels.jobName]) labels[k] ??= name;
  for (const k of [jobLabels.legacyControllerUid, jobLabels.controllerUid]) labels[k] ??= uid;
  const selector = (spec.selector ??= {});
  const match = (selector.matchLabels ??= {});
  match[jobLabels.controllerUid] ??= uid;
}

export const jobStrategy = makeStrategy<Job>({
  namespaced: true,
  status: true,
  generation: true,
  default: defaultJob,
  prepareForCreate: generateJobSelector,
  validate: validateJob,
  validateUpdate: validateJobUpdate,
  selectableFields: (job) => ({ 'status.successful': str(job.status?.succeeded ?? 0) }),
});

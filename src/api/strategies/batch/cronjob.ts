import type { CronJob } from 'kubernetes-types/batch/v1.js';
import { defaultCronJob } from '../../defaults/workloads.js';
import { validateCronJob } from '../../validation/workloads.js';
import { makeStrategy } from '../common.js';

export const cronJobStrategy = makeStrategy<CronJob>({
  namespaced: true,
  status: true,
  generation: true,
  default: defaultCronJob,
  validate: validateCronJob,
});

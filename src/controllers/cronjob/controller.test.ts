import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { KObject } from '../../api/types.js';
import { gvr } from '../shared/resources.js';
import { JobController } from '../job/index.js';
import { CronJobController } from './controller.js';
import { type TestEnv, kubectl, listPods, setPodPhase, startTestEnv, waitFor } from '../shared/testing.js';

type CJObj = CronJob & KObject;
type JobObj = Job & KObject;
const ns = 'default';
let env: TestEnv;
let cron: CronJobController;
// The CronJob controller runs on a clock the tests move; the Job controller on the real one.
let clock = 0;

before(async () => {
  env = await startTestEnv();
  cron = new CronJobController(env.ctx, { now: () => clock });
  await env.start(cron, new JobController(env.ctx));
});
after(() => env?.stop());

function cronJob(name: string, spec: Partial<NonNullable<CronJob['spec']>> = {}): CJObj {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: { metadata: { labels: { cron: name } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
  } as CJObj;
}
const cjClient = () => env.api.client.resource<CJObj>(gvr.cronjobs, ns);
const jobsOf = async (name: string) => (await env.api.client.resource<JobObj>(gvr.jobs, ns).list({ labelSelector: `cron=${name}` })).items.filter((j) => !j.metadata?.deletionTimestamp).map((j) => j.metadata!.name!).sort();
/** Moves the clock to `iso` and wakes the controller for `name`. */
const at = (iso: string, name: string) => {
  clock = Date.parse(iso);
  cron.queue.add(`${ns}/${name}`);
};
const minutes = (iso: string) => Math.floor(Date.parse(iso) / 60_000);
async function finishJob(name: string, phase: 'Succeeded' | 'Failed' = 'Succeeded') {
  const pod = await waitFor(`a pod of ${name}`, async () => (await listPods(env.api, ns, `batch.kubernetes.io/job-name=${name}`))[0]);
  await setPodPhase(env, pod, phase);
}

/** CronJobs are created "now" by the server; the tests' clock starts just after. */
async function create(cj: CJObj): Promise<number> {
  const created = await cjClient().create(cj);
  return Date.parse(created.metadata!.creationTimestamp!);
}

test('runs a Job per start time, named by the minute, with the scheduled-timestamp annotation', async () => {
  const t0 = await create(cronJob('tick', { schedule: '* * * * *', timeZone: 'Asia/Shanghai' }));
  const next = Math.floor(t0 / 60_000) * 60_000 + 60_000;
  at(new Date(t0 + 1000).toISOString(), 'tick');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await jobsOf('tick'), []);
  at(new Date(next + 5_000).toISOString(), 'tick');
  const [name] = await waitFor('a job', async () => ((await jobsOf('tick')).length === 1 ? jobsOf('tick') : undefined));
  assert.equal(name, `tick-${next / 60_000}`);
  const job = await env.api.client.resource<JobObj>(gvr.jobs, ns).get(name!);
  const local = new Date(next + 8 * 3600_000).toISOString().replace(/\.000Z$/, '+08:00');
  assert.equal(job.metadata!.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp'], local);
  assert.equal(job.metadata!.ownerReferences![0]!.kind, 'CronJob');
  const st = await waitFor('status', async () => (await cjClient().get('tick')).status);
  assert.equal(st.lastScheduleTime, new Date(next).toISOString().replace('.000Z', 'Z'));
  assert.equal(st.active?.[0]?.name, name);
  await finishJob(name!);
  await waitFor('lastSuccessfulTime', async () => {
    const s = (await cjClient().get('tick')).status;
    return s?.lastSuccessfulTime && !s.active?.length;
  });
  assert.ok(env.events.some((e) => e.name === 'tick' && e.reason === 'SawCompletedJob'));
  assert.ok(env.events.some((e) => e.name === 'tick' && e.reason === 'SuccessfulCreate' && e.message === `Created job ${name}`));
});

test('concurrencyPolicy Forbid skips, Replace replaces', async () => {
  const t0 = await create(cronJob('forbid', { concurrencyPolicy: 'Forbid' }));
  const base = Math.ceil((t0 + 1) / 300_000) * 300_000;
  at(new Date(base + 1000).toISOString(), 'forbid');
  await waitFor('first job', async () => (await jobsOf('forbid')).length === 1);
  at(new Date(base + 300_000 + 1000).toISOString(), 'forbid');
  await waitFor('JobAlreadyActive', () => env.events.some((e) => e.name === 'forbid' && e.reason === 'JobAlreadyActive'));
  assert.equal((await jobsOf('forbid')).length, 1);

  const t1 = await create(cronJob('replace', { concurrencyPolicy: 'Replace' }));
  const b2 = Math.ceil((t1 + 1) / 300_000) * 300_000;
  at(new Date(b2 + 1000).toISOString(), 'replace');
  await waitFor('first job', async () => (await jobsOf('replace')).length === 1);
  at(new Date(b2 + 300_000 + 1000).toISOString(), 'replace');
  await waitFor('replaced', async () => (await jobsOf('replace')).join() === `replace-${minutes(new Date(b2 + 300_000).toISOString())}`);
});

test('startingDeadlineSeconds: a start found too late is skipped', async () => {
  const t0 = await create(cronJob('late', { startingDeadlineSeconds: 30 }));
  const base = Math.ceil((t0 + 1) / 300_000) * 300_000;
  at(new Date(base + 120_000).toISOString(), 'late');
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(await jobsOf('late'), []);
  at(new Date(base + 300_000 + 10_000).toISOString(), 'late');
  await waitFor('the on-time start ran', async () => (await jobsOf('late')).length === 1);
});

test('suspend stops new Jobs; history limits trim finished ones', async () => {
  const t0 = await create(cronJob('hist', { schedule: '* * * * *', successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }));
  let t = Math.floor(t0 / 60_000) * 60_000 + 60_000;
  for (let i = 0; i < 3; i++, t += 60_000) {
    at(new Date(t + 1000).toISOString(), 'hist');
    const name = `hist-${t / 60_000}`;
    await waitFor(name, async () => (await jobsOf('hist')).includes(name));
    await finishJob(name);
    await waitFor(`${name} complete`, async () => (await env.api.client.resource<JobObj>(gvr.jobs, ns).get(name)).status?.succeeded === 1);
  }
  cron.queue.add(`${ns}/hist`);
  await waitFor('one kept', async () => (await jobsOf('hist')).length === 1);
  assert.deepEqual(await jobsOf('hist'), [`hist-${(t - 60_000) / 60_000}`]);
  await cjClient().patch('hist', 'merge', { spec: { suspend: true } });
  // Let the controller's cache see the suspension before the clock moves.
  await new Promise((r) => setTimeout(r, 300));
  at(new Date(t + 1000).toISOString(), 'hist');
  await new Promise((r) => setTimeout(r, 400));
  assert.equal((await jobsOf('hist')).length, 1);
});

test('kubectl create job --from=cronjob runs the Job', async () => {
  await create(cronJob('manual'));
  const r = await kubectl(env, ['create', 'job', 'manual-run', '--from=cronjob/manual']);
  assert.equal(r.code, 0, r.stderr);
  await finishJob('manual-run');
  await waitFor('Complete', async () => (await env.api.client.resource<JobObj>(gvr.jobs, ns).get('manual-run')).status?.conditions?.some((c) => c.type === 'Complete'));
});

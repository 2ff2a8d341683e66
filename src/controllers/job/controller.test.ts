import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { KObject } from '../../api/types.js';
import { gvr } from '../shared/resources.js';
import { JobController } from './controller.js';
import { listPods, setPodPhase, sleep, startTestEnv, waitFor, type TestEnv } from '../shared/testing.js';

type JobObj = Job & KObject;
const ns = 'default';
let env: TestEnv;
let jobs: ReturnType<TestEnv['api']['client']['resource']>;

before(async () => {
  env = await startTestEnv({ workers: 2 });
  // A short backoff keeps the retry tests quick; the doubling itself is unit-tested.
  const ctrl = new JobController(env.ctx, { backoffBaseMs: 300, backoffMaxMs: 2_000 });
  await env.start(ctrl);
  jobs = env.api.client.resource(gvr.jobs, ns);
});
after(() => env?.stop());

function job(name: string, spec: Partial<NonNullable<Job['spec']>> = {}): JobObj {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      ...spec,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
    },
  } as JobObj;
}

const getJob = async (name: string) => (await jobs.get(name)) as JobObj;
const podsOf = (name: string) => listPods(env.api, ns, `batch.kubernetes.io/job-name=${name}`);
const activePods = async (name: string) => (await podsOf(name)).filter((p) => !p.metadata?.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''));
const cond = (j: JobObj, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');
const eventsFor = (name: string) => env.events.filter((e) => e.name === name).map((e) => e.reason);

test('non-parallel Job: one pod, tracked by finalizer, Complete when it succeeds', async () => {
  await jobs.create(job('pi'));
  const [pod] = await waitFor('a pod', async () => ((await podsOf('pi')).length === 1 ? podsOf('pi') : undefined));
  assert.ok(pod!.metadata!.name!.startsWith('pi-'));
  assert.deepEqual(pod!.metadata!.finalizers, ['batch.kubernetes.io/job-tracking']);
  assert.equal(pod!.metadata!.labels!['job-name'], 'pi');
  assert.equal(pod!.metadata!.ownerReferences![0]!.kind, 'Job');
  await waitFor('active=1', async () => (await getJob('pi')).status?.active === 1);
  await setPodPhase(env, pod!, 'Running');
  await waitFor('ready=1', async () => (await getJob('pi')).status?.ready === 1);
  await setPodPhase(env, pod!, 'Succeeded');
  const done = await waitFor('Complete', async () => {
    const j = await getJob('pi');
    return cond(j, 'Complete') ? j : undefined;
  });
  assert.equal(done.status!.succeeded, 1);
  assert.equal(done.status!.failed, undefined);
  assert.ok(done.status!.startTime && done.status!.completionTime);
  assert.deepEqual(done.status!.uncountedTerminatedPods ?? {}, {});
  const after = await podsOf('pi');
  assert.equal(after.length, 1);
  assert.deepEqual(after[0]!.metadata!.finalizers ?? [], []);
  assert.deepEqual(eventsFor('pi'), ['SuccessfulCreate', 'Completed']);
});

test('fixed completion count: completions 3 at parallelism 2', async () => {
  await jobs.create(job('fixed', { completions: 3, parallelism: 2 }));
  let first = await waitFor('2 pods', async () => ((await activePods('fixed')).length === 2 ? activePods('fixed') : undefined));
  await setPodPhase(env, first[0]!, 'Succeeded');
  // One more pod takes its place (3 - 1 succeeded = 2 still wanted).
  await waitFor('a replacement', async () => (await podsOf('fixed')).length === 3 && (await activePods('fixed')).length === 2);
  await waitFor('succeeded=1', async () => (await getJob('fixed')).status?.succeeded === 1);
  first = await activePods('fixed');
  await setPodPhase(env, first[0]!, 'Succeeded');
  // Only one completion left: no new pod.
  await waitFor('succeeded=2', async () => (await getJob('fixed')).status?.succeeded === 2);
  await sleep(300);
  assert.equal((await podsOf('fixed')).length, 3);
  await setPodPhase(env, first[1]!, 'Succeeded');
  const done = await waitFor('Complete', async () => cond(await getJob('fixed'), 'Complete') && getJob('fixed'));
  assert.equal(done.status!.succeeded, 3);
  assert.equal(eventsFor('fixed').filter((r) => r === 'SuccessfulCreate').length, 3);
});

test('work queue: no completions; after a success no new pods, complete when all finish', async () => {
  await jobs.create(job('queue', { parallelism: 3 }));
  const pods = await waitFor('3 pods', async () => ((await activePods('queue')).length === 3 ? activePods('queue') : undefined));
  await setPodPhase(env, pods[0]!, 'Succeeded');
  await waitFor('succeeded=1', async () => (await getJob('queue')).status?.succeeded === 1);
  await sleep(300);
  assert.equal((await podsOf('queue')).length, 3, 'no replacement once one worker succeeded');
  assert.equal(cond(await getJob('queue'), 'Complete'), undefined);
  await setPodPhase(env, pods[1]!, 'Succeeded');
  await setPodPhase(env, pods[2]!, 'Succeeded');
  const done = await waitFor('Complete', async () => cond(await getJob('queue'), 'Complete') && getJob('queue'));
  assert.equal(done.status!.succeeded, 3);
});

test('Indexed: index annotation, label, hostname and env; completedIndexes', async () => {
  await jobs.create(job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
  const pods = await waitFor('3 pods', async () => ((await activePods('idx')).length === 3 ? activePods('idx') : undefined));
  const byIndex = new Map(pods.map((p) => [p.metadata!.annotations!['batch.kubernetes.io/job-completion-index']!, p]));
  assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
  for (const [i, p] of byIndex) {
    assert.equal(p.metadata!.labels!['batch.kubernetes.io/job-completion-index'], i);
    assert.equal(p.spec!.hostname, `idx-${i}`);
    assert.ok(p.metadata!.name!.startsWith(`idx-${i}-`));
    assert.deepEqual(p.spec!.containers[0]!.env!.find((e) => e.name === 'JOB_COMPLETION_INDEX')!.valueFrom!.fieldRef!.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
  }
  await setPodPhase(env, byIndex.get('0')!, 'Succeeded');
  await setPodPhase(env, byIndex.get('2')!, 'Succeeded');
  await waitFor('completedIndexes 0,2', async () => (await getJob('idx')).status?.completedIndexes === '0,2');
  // A failed index is retried with a pod for the same index.
  await setPodPhase(env, byIndex.get('1')!, 'Failed');
  const retry = await waitFor('index 1 again', async () => (await activePods('idx')).find((p) => p.metadata!.labels!['batch.kubernetes.io/job-completion-index'] === '1'));
  await setPodPhase(env, retry, 'Succeeded');
  const done = await waitFor('Complete', async () => cond(await getJob('idx'), 'Complete') && getJob('idx'));
  assert.equal(done.status!.completedIndexes, '0-2');
  assert.equal(done.status!.succeeded, 3);
  assert.equal(done.status!.failed, 1);
});

test('backoffLimit: failed pods are replaced after a backoff, then the Job fails', async () => {
  await jobs.create(job('flaky', { backoffLimit: 1 }));
  const p1 = await waitFor('first pod', async () => (await activePods('flaky'))[0]);
  await setPodPhase(env, p1, 'Failed');
  const failedAt = Date.now();
  const p2 = await waitFor('second pod', async () => (await activePods('flaky'))[0]);
  assert.ok(Date.now() - failedAt >= 200, 'the replacement waited for the backoff');
  assert.equal((await getJob('flaky')).status?.failed, 1);
  await setPodPhase(env, p2, 'Failed');
  const failed = await waitFor('Failed', async () => cond(await getJob('flaky'), 'Failed') && getJob('flaky'));
  const c = cond(failed, 'Failed')!;
  assert.equal(c.reason, 'BackoffLimitExceeded');
  assert.equal(c.message, 'Job has reached the specified backoff limit');
  assert.equal(failed.status!.failed, 2);
  assert.equal(failed.status!.completionTime, undefined);
  await sleep(300);
  assert.equal((await podsOf('flaky')).length, 2, 'no pod after the limit');
  assert.ok(env.events.some((e) => e.name === 'flaky' && e.type === 'Warning' && e.reason === 'BackoffLimitExceeded'));
});

test('activeDeadlineSeconds: running pods are killed and the Job fails with DeadlineExceeded', async () => {
  await jobs.create(job('slow', { activeDeadlineSeconds: 3, parallelism: 2, completions: 4 }));
  const pods = await waitFor('2 pods', async () => ((await activePods('slow')).length === 2 ? activePods('slow') : undefined));
  await setPodPhase(env, pods[0]!, 'Running');
  const failed = await waitFor('Failed', async () => cond(await getJob('slow'), 'Failed') && getJob('slow'), 8_000);
  assert.equal(cond(failed, 'Failed')!.reason, 'DeadlineExceeded');
  assert.equal(failed.status!.active ?? 0, 0);
  await waitFor('pods gone', async () => (await podsOf('slow')).length === 0);
});

test('suspend: no pods while suspended; resume starts them', async () => {
  await jobs.create(job('later', { suspend: true, parallelism: 2, completions: 2 }));
  const suspended = await waitFor('Suspended', async () => cond(await getJob('later'), 'Suspended') && getJob('later'));
  assert.equal(cond(suspended, 'Suspended')!.reason, 'JobSuspended');
  assert.equal(suspended.status!.startTime, undefined);
  assert.equal((await podsOf('later')).length, 0);
  await jobs.patch('later', 'merge', { spec: { suspend: false } });
  await waitFor('2 pods', async () => (await activePods('later')).length === 2);
  const resumed = await getJob('later');
  assert.equal(resumed.status!.conditions!.find((c) => c.type === 'Suspended')!.status, 'False');
  assert.ok(resumed.status!.startTime);
  // Suspending again removes the running pods without counting them as failures.
  await jobs.patch('later', 'merge', { spec: { suspend: true } });
  await waitFor('pods gone', async () => (await podsOf('later')).length === 0);
  assert.equal((await getJob('later')).status?.failed, undefined);
  assert.deepEqual(eventsFor('later').filter((r) => r !== 'SuccessfulCreate' && r !== 'SuccessfulDelete'), ['Suspended', 'Resumed', 'Suspended']);
});

test('ttlSecondsAfterFinished deletes the finished Job', async () => {
  await jobs.create(job('brief', { ttlSecondsAfterFinished: 1 }));
  const pod = await waitFor('a pod', async () => (await activePods('brief'))[0]);
  await setPodPhase(env, pod, 'Succeeded');
  await waitFor('Complete', async () => cond(await getJob('brief'), 'Complete'));
  // Foreground deletion: the Job is marked for deletion (the garbage collector finishes it).
  await waitFor('deleted', async () => {
    try {
      return !!(await getJob('brief')).metadata?.deletionTimestamp;
    } catch {
      return true;
    }
  }, 5_000);
});

test('a deleted Job releases its pods from the tracking finalizer', async () => {
  await jobs.create(job('gone', { parallelism: 2, completions: 2 }));
  await waitFor('2 pods', async () => (await activePods('gone')).length === 2);
  await jobs.delete('gone', { propagationPolicy: 'Orphan' });
  await waitFor('finalizers removed', async () => (await podsOf('gone')).every((p) => !p.metadata?.finalizers?.length));
});

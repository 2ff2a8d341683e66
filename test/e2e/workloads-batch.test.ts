// Jobs, CronJobs and namespace deletion on hollow nodes: pods that "exit"
// through the hollow annotations drive a Job with completions/parallelism
// to Complete (`kubectl wait --for=condition=complete`) and a failing one to
// BackoffLimitExceeded; `kubectl create job --from=cronjob/x`; and
// `kubectl delete namespace` taking everything inside with it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../../src/client/index.js';
import { condition, deployment, isRunningReady, startHollowCluster, waitFor, type HollowCluster, type Obj } from './workloads-support.js';

const ns = 'default';

const job = (name: string, spec: Record<string, unknown>, exit: { after: string; code: number }) =>
  JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      ...spec,
      template: {
        metadata: { annotations: { 'skiff.dev/hollow-exit-after': exit.after, 'skiff.dev/hollow-exit-code': String(exit.code) } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }] },
      },
    },
  });

describe('workloads: Jobs, CronJobs and namespaces on hollow nodes', { timeout: 180_000 }, () => {
  let c: HollowCluster;
  before(async () => {
    c = await startHollowCluster({ nodes: 3 });
  });
  after(async () => {
    await c?.teardown();
  });

  it('Job with completions 4 and parallelism 2 completes, never running more than 2 at once', async () => {
    let maxActive = 0;
    const pods = new Map<string, Pod>();
    const handle = c.client.resource<Pod & Obj>(resources.pods, ns).watch({ labelSelector: 'batch.kubernetes.io/job-name=crunch' }, (ev) => {
      if (ev.type === 'DELETED') pods.delete(ev.object.metadata!.name!);
      else pods.set(ev.object.metadata!.name!, ev.object);
      const active = [...pods.values()].filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
      maxActive = Math.max(maxActive, active);
    });
    try {
      await c.apply(job('crunch', { completions: 4, parallelism: 2 }, { after: '1s', code: 0 }));
      const wait = await c.kubectl(['wait', '--for=condition=complete', 'job/crunch', '--timeout=60s'], { timeoutMs: 70_000 });
      assert.equal(wait.code, 0, wait.stderr);
      assert.equal(wait.stdout.trim(), 'job.batch/crunch condition met');
    } finally {
      handle.stop();
    }
    const j = await c.get(resources.jobs, ns, 'crunch');
    assert.equal(j.status.succeeded, 4);
    assert.ok(!j.status.failed, `failed ${j.status.failed}`);
    assert.ok(!j.status.active);
    assert.ok(j.status.completionTime && j.status.startTime);
    assert.deepEqual([condition(j, 'Complete')?.status], ['True']);
    assert.ok(maxActive <= 2 && maxActive >= 1, `at most 2 active at once (saw ${maxActive})`);
    const done = await c.list(resources.pods, ns, 'batch.kubernetes.io/job-name=crunch');
    assert.equal(done.length, 4);
    for (const p of done) {
      assert.equal(p.status.phase, 'Succeeded');
      assert.match(p.metadata.name, /^crunch-[a-z0-9]{5}$/);
      assert.equal(p.metadata.labels['job-name'], 'crunch');
      assert.equal(p.metadata.labels['batch.kubernetes.io/controller-uid'], j.metadata.uid);
      assert.ok(!(p.metadata.finalizers ?? []).includes('batch.kubernetes.io/job-tracking'), 'tracking finalizer removed once counted');
    }
    const events = (await c.events(ns, 'Job', 'crunch')).map((e) => `${e.reason}: ${e.message}`);
    assert.ok(events.some((e) => /^SuccessfulCreate: Created pod: crunch-[a-z0-9]{5}$/.test(e)), JSON.stringify(events));
    assert.ok(events.includes('Completed: Job completed'), JSON.stringify(events));
    assert.match((await c.kubectlOk(['get', 'job', 'crunch'])).stdout, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\ncrunch\s+Complete\s+4\/4\s+/);
  });

  it('a failing Job with backoffLimit 1 fails with BackoffLimitExceeded after two pods', async () => {
    await c.apply(job('doomed', { backoffLimit: 1 }, { after: '200ms', code: 3 }));
    const wait = await c.kubectl(['wait', '--for=condition=failed', 'job/doomed', '--timeout=60s'], { timeoutMs: 70_000 });
    assert.equal(wait.code, 0, wait.stderr);
    const j = await c.get(resources.jobs, ns, 'doomed');
    const failed = condition(j, 'Failed');
    assert.equal(failed?.status, 'True');
    assert.equal(failed?.reason, 'BackoffLimitExceeded');
    assert.equal(failed?.message, 'Job has reached the specified backoff limit');
    assert.equal(condition(j, 'Complete'), undefined);
    assert.equal(j.status.failed, 2);
    assert.ok(!j.status.succeeded);
    const pods = await c.list(resources.pods, ns, 'batch.kubernetes.io/job-name=doomed');
    assert.equal(pods.length, 2);
    for (const p of pods) {
      assert.equal(p.status.phase, 'Failed');
      assert.equal(p.status.containerStatuses[0].state.terminated.exitCode, 3);
    }
    const events = (await c.events(ns, 'Job', 'doomed')).map((e) => `${e.type} ${e.reason}: ${e.message}`);
    assert.ok(events.includes('Warning BackoffLimitExceeded: Job has reached the specified backoff limit'), JSON.stringify(events));
  });

  it('an Indexed Job runs one pod per completion index; activeDeadlineSeconds fails a Job with DeadlineExceeded', async () => {
    await c.apply(job('indexed', { completions: 3, parallelism: 3, completionMode: 'Indexed' }, { after: '500ms', code: 0 }));
    await c.kubectlOk(['wait', '--for=condition=complete', 'job/indexed', '--timeout=60s'], { timeoutMs: 70_000 });
    const j = await c.get(resources.jobs, ns, 'indexed');
    assert.equal(j.status.completedIndexes, '0-2');
    assert.equal(j.status.succeeded, 3);
    const pods = await c.list(resources.pods, ns, 'job-name=indexed');
    const byIndex = pods.map((p) => [p.metadata.annotations['batch.kubernetes.io/job-completion-index'], p.metadata.labels['batch.kubernetes.io/job-completion-index'], p.spec.hostname]).sort();
    assert.deepEqual(byIndex, [
      ['0', '0', 'indexed-0'],
      ['1', '1', 'indexed-1'],
      ['2', '2', 'indexed-2'],
    ]);
    for (const p of pods) {
      assert.match(p.metadata.name, new RegExp(`^indexed-${p.metadata.labels['batch.kubernetes.io/job-completion-index']}-[a-z0-9]{5}$`));
      assert.ok(p.spec.containers[0].env.some((e: any) => e.name === 'JOB_COMPLETION_INDEX'));
    }

    await c.apply(job('slowpoke', { activeDeadlineSeconds: 2, backoffLimit: 6 }, { after: '1h', code: 0 }));
    await c.kubectlOk(['wait', '--for=condition=failed', 'job/slowpoke', '--timeout=60s'], { timeoutMs: 70_000 });
    const slow = await c.get(resources.jobs, ns, 'slowpoke');
    assert.equal(condition(slow, 'Failed')?.reason, 'DeadlineExceeded');
    assert.equal(condition(slow, 'Failed')?.message, 'Job was active longer than specified deadline');
    await waitFor('slowpoke pods stopped', async () => (await c.pods(ns, 'job-name=slowpoke')).every((p) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded'), 30_000);
    assert.ok(!(await c.get(resources.jobs, ns, 'slowpoke')).status.active);
  });

  it('kubectl create job --from=cronjob/x runs the CronJob template once, owned by the CronJob', async () => {
    await c.apply(
      JSON.stringify({
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'nightly' },
        spec: {
          schedule: '0 3 * * *',
          jobTemplate: {
            metadata: { labels: { team: 'ops' } },
            spec: {
              template: {
                metadata: { annotations: { 'skiff.dev/hollow-exit-after': '500ms', 'skiff.dev/hollow-exit-code': '0' } },
                spec: { restartPolicy: 'OnFailure', containers: [{ name: 'backup', image: 'busybox' }] },
              },
            },
          },
        },
      }),
    );
    const cj = await c.get(resources.cronjobs, ns, 'nightly');
    assert.match((await c.kubectlOk(['get', 'cronjob', 'nightly'])).stdout, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\nnightly\s+0 3 \* \* \*\s+<none>\s+False\s+0\s+<none>\s+/);
    const created = await c.kubectlOk(['create', 'job', 'nightly-manual', '--from=cronjob/nightly']);
    assert.equal(created.stdout.trim(), 'job.batch/nightly-manual created');
    const j = await c.get(resources.jobs, ns, 'nightly-manual');
    assert.equal(j.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(j.metadata.labels.team, 'ops');
    assert.deepEqual([j.metadata.ownerReferences[0].kind, j.metadata.ownerReferences[0].name, j.metadata.ownerReferences[0].uid], ['CronJob', 'nightly', cj.metadata.uid]);
    await c.kubectlOk(['wait', '--for=condition=complete', 'job/nightly-manual', '--timeout=60s'], { timeoutMs: 70_000 });
    const pods = await c.list(resources.pods, ns, 'job-name=nightly-manual');
    assert.equal(pods.length, 1);
    assert.equal(pods[0]!.status.phase, 'Succeeded');
    // A manual run is not a scheduled one.
    const after = await c.get(resources.cronjobs, ns, 'nightly');
    assert.equal(after.status?.lastScheduleTime, undefined);
    // Deleting the CronJob takes its Jobs and their pods.
    await c.kubectlOk(['delete', 'cronjob', 'nightly']);
    await waitFor('nightly-manual and its pod gone', async () => (await c.list(resources.jobs, ns)).every((x) => x.metadata.name !== 'nightly-manual') && (await c.list(resources.pods, ns, 'job-name=nightly-manual')).length === 0);
  });

  it('kubectl delete namespace removes everything inside; a Terminating namespace refuses new objects', async () => {
    await c.kubectlOk(['create', 'namespace', 'doomed-ns']);
    await c.apply(deployment('inside', 'nginx', 3), ['-n', 'doomed-ns']);
    await c.kubectlOk(['create', 'configmap', 'settings', '-n', 'doomed-ns', '--from-literal=a=b']);
    await c.kubectlOk(['create', 'job', 'onejob', '-n', 'doomed-ns', '--image=busybox']);
    await waitFor('3 pods Running in doomed-ns', async () => (await c.pods('doomed-ns', 'app=inside')).filter(isRunningReady).length === 3);
    // A finalizer someone else owns holds the namespace in Terminating long enough to look at it.
    await c.kubectlOk(['patch', 'configmap', 'settings', '-n', 'doomed-ns', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}']);

    const del = await c.kubectl(['delete', 'namespace', 'doomed-ns', '--wait=false']);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout.trim(), 'namespace "doomed-ns" deleted');
    const terminating = await waitFor('doomed-ns Terminating with only the held ConfigMap left', async () => {
      const n = await c.get(resources.namespaces, undefined, 'doomed-ns');
      const left = [
        ...(await c.list(resources.deployments, 'doomed-ns')),
        ...(await c.list(resources.replicasets, 'doomed-ns')),
        ...(await c.list(resources.pods, 'doomed-ns')),
        ...(await c.list(resources.jobs, 'doomed-ns')),
      ];
      return n.status?.phase === 'Terminating' && left.length === 0 ? n : undefined;
    }, 40_000);
    assert.ok(terminating.metadata.deletionTimestamp);
    assert.match((await c.kubectlOk(['get', 'namespace', 'doomed-ns'])).stdout, /doomed-ns\s+Terminating\s+/);
    const refused = await c.kubectl(['create', 'configmap', 'late', '-n', 'doomed-ns', '--from-literal=x=y']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /unable to create new content in namespace doomed-ns because it is being terminated/);
    const status = await c.request('POST', '/api/v1/namespaces/doomed-ns/configmaps', {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } }),
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(status.status, 403);
    assert.equal(status.json.reason, 'Forbidden');
    assert.ok(status.json.details.causes.some((x: any) => x.reason === 'NamespaceTerminating'), JSON.stringify(status.json));

    await c.kubectlOk(['patch', 'configmap', 'settings', '-n', 'doomed-ns', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await waitFor('doomed-ns gone', async () => (await c.list(resources.namespaces)).every((n) => n.metadata.name !== 'doomed-ns'), 40_000);
    const get = await c.kubectl(['get', 'namespace', 'doomed-ns']);
    assert.notEqual(get.code, 0);
    assert.match(get.stderr, /namespaces "doomed-ns" not found/);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { KObject } from '../types.js';
import {
  controllerRevisionPrinter,
  cronJobPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  jobPrinter,
  jobStatus,
  podDisruptionBudgetPrinter,
  replicaSetPrinter,
  replicationControllerPrinter,
  statefulSetPrinter,
} from './workloads.js';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
const meta = { name: 'w', creationTimestamp: ago(3 * 3600 + 5 * 60) };
const template: PodTemplateSpec = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'log', image: 'busybox' }], nodeSelector: { disk: 'ssd' } },
};
const row = (p: { row(o: KObject, n: Date): unknown[] }, o: object) => p.row(o as KObject, now);

test('replication controller and replica set rows', () => {
  assert.deepEqual(
    row(replicationControllerPrinter, { metadata: meta, spec: { replicas: 3, selector: { app: 'web' }, template }, status: { replicas: 3, readyReplicas: 2 } }),
    ['w', 3, 3, 2, '3h5m', 'nginx,log', 'nginx:1.25,busybox', 'app=web'],
  );
  assert.deepEqual(
    row(replicaSetPrinter, { metadata: meta, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template }, status: { replicas: 1 } }),
    ['w', 2, 1, 0, '3h5m', 'nginx,log', 'nginx:1.25,busybox', 'app=web'],
  );
});

test('deployment row', () => {
  assert.deepEqual(
    row(deploymentPrinter, {
      metadata: meta,
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    }),
    ['w', '2/3', 3, 2, '3h5m', 'nginx,log', 'nginx:1.25,busybox', 'app=web'],
  );
  // A fresh deployment without status, and a selector Kubernetes could not parse.
  assert.deepEqual(
    row(deploymentPrinter, { metadata: meta, spec: { replicas: 1, selector: { matchExpressions: [{ key: 'a', operator: 'Bad' }] }, template } }).slice(1, 4),
    ['0/1', 0, 0],
  );
  assert.equal(row(deploymentPrinter, { metadata: meta, spec: { selector: { matchExpressions: [{ key: 'a', operator: 'Bad' }] }, template } })[7], '<invalid>');
});

test('daemon set and stateful set rows', () => {
  assert.deepEqual(
    row(daemonSetPrinter, {
      metadata: meta,
      spec: { selector: { matchLabels: { app: 'web' } }, template },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2, numberMisscheduled: 0 },
    }),
    ['w', 3, 3, 2, 3, 2, 'disk=ssd', '3h5m', 'nginx,log', 'nginx:1.25,busybox', 'app=web'],
  );
  assert.deepEqual(
    row(statefulSetPrinter, { metadata: meta, spec: { replicas: 3, serviceName: 'w', selector: {}, template }, status: { replicas: 3, readyReplicas: 1 } }),
    ['w', '1/3', '3h5m', 'nginx,log', 'nginx:1.25,busybox'],
  );
});

test('job STATUS precedence', () => {
  const job = (conditions: [string, string][], deleting = false): Job => ({
    metadata: { name: 'j', deletionTimestamp: deleting ? ago(1) : undefined },
    spec: { template: {} },
    status: { conditions: conditions.map(([type, status]) => ({ type, status })) },
  });
  const cases: [Job, string][] = [
    [job([]), 'Running'],
    [job([['Complete', 'True']]), 'Complete'],
    [job([['Failed', 'True']]), 'Failed'],
    [job([['Complete', 'True']], true), 'Complete'],
    [job([['Suspended', 'True']], true), 'Terminating'],
    [job([['Suspended', 'True']]), 'Suspended'],
    [job([['Suspended', 'False']]), 'Running'],
    [job([['FailureTarget', 'True']]), 'FailureTarget'],
    [job([['FailureTarget', 'True'], ['Failed', 'True']]), 'Failed'],
  ];
  for (const [j, want] of cases) assert.equal(jobStatus(j), want, JSON.stringify(j.status));
});

test('job COMPLETIONS and DURATION', () => {
  const base = { metadata: meta, spec: { template, selector: { matchLabels: { 'batch.kubernetes.io/job-name': 'w' } } } };
  const cases: [object, string, string][] = [
    [{ ...base, spec: { ...base.spec, completions: 3 }, status: { succeeded: 1, startTime: ago(47) } }, '1/3', '47s'],
    [{ ...base, spec: { ...base.spec, parallelism: 1 }, status: {} }, '0/1', ''],
    [{ ...base, spec: { ...base.spec, parallelism: 30 }, status: { succeeded: 2, startTime: ago(3600), completionTime: ago(3600 - 74) } }, '2/1 of 30', '74s'],
  ];
  for (const [obj, completions, duration] of cases) {
    const r = row(jobPrinter, obj);
    assert.deepEqual(r.slice(2, 4), [completions, duration]);
  }
  assert.deepEqual(row(jobPrinter, cases[0]![0]), ['w', 'Running', '1/3', '47s', '3h5m', 'nginx,log', 'nginx:1.25,busybox', 'batch.kubernetes.io/job-name=w']);
});

test('cron job row', () => {
  const cj = { metadata: meta, spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template } } }, status: {} };
  assert.deepEqual(row(cronJobPrinter, cj), ['w', '*/5 * * * *', '<none>', 'False', 0, '<none>', '3h5m', 'nginx,log', 'nginx:1.25,busybox', '<none>']);
  const active = { ...cj, spec: { ...cj.spec, timeZone: 'Europe/Paris', suspend: undefined }, status: { active: [{ name: 'a' }], lastScheduleTime: ago(125) } };
  assert.deepEqual(row(cronJobPrinter, active).slice(1, 6), ['*/5 * * * *', 'Europe/Paris', '<unset>', 1, '2m5s']);
});

test('controller revision names its controller by group kind', () => {
  const rev = (apiVersion: string, kind: string) => ({
    metadata: { ...meta, ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'other', uid: '1' }, { apiVersion, kind, name: 'web', uid: '2', controller: true }] },
    revision: 4,
    data: {},
  });
  assert.deepEqual(row(controllerRevisionPrinter, rev('apps/v1', 'DaemonSet')), ['w', 'daemonset.apps/web', 4, '3h5m']);
  assert.deepEqual(row(controllerRevisionPrinter, rev('v1', 'Pod'))[1], 'pod/web');
  assert.deepEqual(row(controllerRevisionPrinter, { metadata: meta, revision: 1 })[1], '<none>');
});

test('pod disruption budget row', () => {
  assert.deepEqual(row(podDisruptionBudgetPrinter, { metadata: meta, spec: { minAvailable: 2 }, status: { disruptionsAllowed: 1 } }), ['w', '2', 'N/A', 1, '3h5m']);
  assert.deepEqual(row(podDisruptionBudgetPrinter, { metadata: meta, spec: { maxUnavailable: '25%' } }).slice(1, 4), ['N/A', '25%', 0]);
});

test('workload columns and wide priorities', () => {
  assert.deepEqual(
    jobPrinter.columns.map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Status:0', 'Completions:0', 'Duration:0', 'Age:0', 'Containers:1', 'Images:1', 'Selector:1'],
  );
  assert.deepEqual(
    cronJobPrinter.columns.map((c) => c.name),
    ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector'],
  );
  assert.deepEqual(
    deploymentPrinter.columns.map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Ready:0', 'Up-to-date:0', 'Available:0', 'Age:0', 'Containers:1', 'Images:1', 'Selector:1'],
  );
  assert.deepEqual(
    replicaSetPrinter.columns.filter((c) => c.type === 'integer').map((c) => c.name),
    ['Desired', 'Current', 'Ready'],
  );
});

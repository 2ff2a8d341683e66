import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Deployment, StatefulSet, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Job, CronJob } from 'kubernetes-types/batch/v1.js';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import {
  defaultCronJob,
  defaultDaemonSet,
  defaultDeployment,
  defaultHorizontalPodAutoscaler,
  defaultJob,
  defaultNamespace,
  defaultPod,
  defaultReplicationController,
  defaultSecret,
  defaultService,
  defaultStatefulSet,
  imageTag,
} from './index.js';

test('image pull policy follows the tag', () => {
  const cases: [string, string][] = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['localhost:5000/app', 'Always'],
    ['localhost:5000/app:v2', 'IfNotPresent'],
    ['nginx@sha256:abcd', 'IfNotPresent'],
  ];
  for (const [image, want] of cases) {
    const pod: Pod = { spec: { containers: [{ name: 'c', image }] } };
    defaultPod(pod);
    assert.equal(pod.spec!.containers[0].imagePullPolicy, want, image);
  }
  assert.equal(imageTag('a/b:c'), 'c');
});

test('pod defaults match Kubernetes', () => {
  const pod: Pod = {
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.25',
          ports: [{ containerPort: 80 }],
          resources: { limits: { cpu: '500m', memory: '128Mi' } },
          livenessProbe: { httpGet: { port: 80 } },
          env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
          volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }],
        },
      ],
      volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 's', secret: { secretName: 's' } }, { name: 'scratch' } as never],
    },
  };
  defaultPod(pod);
  const s = pod.spec!;
  const c = s.containers[0];
  assert.equal(s.restartPolicy, 'Always');
  assert.equal(s.dnsPolicy, 'ClusterFirst');
  assert.equal(s.terminationGracePeriodSeconds, 30);
  assert.equal(s.schedulerName, 'default-scheduler');
  assert.deepEqual(s.securityContext, {});
  assert.equal(s.enableServiceLinks, true);
  assert.equal(s.priority, 0);
  assert.equal(s.preemptionPolicy, 'PreemptLowerPriority');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.equal(c.ports![0].protocol, 'TCP');
  assert.deepEqual(c.resources!.requests, { cpu: '500m', memory: '128Mi' });
  assert.deepEqual(c.livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.equal(c.env![0].valueFrom!.fieldRef!.apiVersion, 'v1');
  assert.equal(s.volumes![0].configMap!.defaultMode, 420);
  assert.equal(s.volumes![1].secret!.defaultMode, 420);
  assert.deepEqual(s.volumes![2].emptyDir, {});
});

test('workload defaults', () => {
  const d: Deployment = { spec: { selector: {}, template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } };
  defaultDeployment(d);
  assert.equal(d.spec!.replicas, 1);
  assert.deepEqual(d.spec!.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(d.spec!.revisionHistoryLimit, 10);
  assert.equal(d.spec!.progressDeadlineSeconds, 600);
  assert.equal(d.spec!.template.spec!.restartPolicy, 'Always');
  assert.equal(d.spec!.template.spec!.enableServiceLinks, undefined, 'templates do not get pod-only defaults');

  const ds: DaemonSet = { spec: { selector: {}, template: {} } };
  defaultDaemonSet(ds);
  assert.deepEqual(ds.spec!.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.spec!.revisionHistoryLimit, 10);

  const sts: StatefulSet = { spec: { selector: {}, serviceName: 's', template: {} } };
  defaultStatefulSet(sts);
  assert.equal(sts.spec!.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(sts.spec!.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(sts.spec!.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(sts.spec!.replicas, 1);

  const rc = { metadata: {}, spec: { template: { metadata: { labels: { app: 'a' } } } } };
  defaultReplicationController(rc);
  assert.deepEqual((rc.spec as { selector?: unknown }).selector, { app: 'a' });
  assert.deepEqual((rc.metadata as { labels?: unknown }).labels, { app: 'a' });

  const job: Job = { spec: { template: { metadata: { labels: { x: 'y' } }, spec: { containers: [], restartPolicy: 'Never' } } } };
  defaultJob(job);
  assert.equal(job.spec!.completions, 1);
  assert.equal(job.spec!.parallelism, 1);
  assert.equal(job.spec!.backoffLimit, 6);
  assert.equal(job.spec!.completionMode, 'NonIndexed');
  assert.equal(job.spec!.suspend, false);
  assert.equal(job.spec!.podReplacementPolicy, 'TerminatingOrFailed');
  assert.deepEqual(job.metadata!.labels, { x: 'y' });
  const parallel: Job = { spec: { parallelism: 3, template: {} } };
  defaultJob(parallel);
  assert.equal(parallel.spec!.completions, undefined, 'a work-queue job keeps completions unset');

  const cj: CronJob = { spec: { schedule: '@hourly', jobTemplate: { spec: { template: {} } } } };
  defaultCronJob(cj);
  assert.equal(cj.spec!.concurrencyPolicy, 'Allow');
  assert.equal(cj.spec!.suspend, false);
  assert.equal(cj.spec!.successfulJobsHistoryLimit, 3);
  assert.equal(cj.spec!.failedJobsHistoryLimit, 1);
  assert.equal(cj.spec!.jobTemplate.spec!.backoffLimit, undefined);
});

test('service, secret, namespace defaults', () => {
  const svc = { spec: { ports: [{ port: 80 }] as { port: number; protocol?: string; targetPort?: number | string }[] } };
  defaultService(svc);
  assert.deepEqual(svc.spec, {
    ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    sessionAffinity: 'None',
    type: 'ClusterIP',
    internalTrafficPolicy: 'Cluster',
    ipFamilyPolicy: 'SingleStack',
    ipFamilies: ['IPv4'],
  });
  const np = { spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] } };
  defaultService(np);
  assert.equal((np.spec as { externalTrafficPolicy?: string }).externalTrafficPolicy, 'Cluster');
  assert.equal(np.spec.ports[0].targetPort, 'http');

  const sec = { stringData: { a: 'hi' } } as { type?: string; data?: Record<string, string>; stringData?: Record<string, string> };
  defaultSecret(sec);
  assert.equal(sec.type, 'Opaque');
  assert.deepEqual(sec.data, { a: 'aGk=' });
  assert.equal(sec.stringData, undefined);

  const ns = { metadata: { name: 'team-a', labels: { [`kubernetes.io/metadata.name`]: 'spoofed' } } };
  defaultNamespace(ns);
  assert.equal(ns.metadata.labels['kubernetes.io/metadata.name'], 'team-a');
});

test('HPA v2 defaults', () => {
  const hpa: HorizontalPodAutoscaler = { spec: { maxReplicas: 5, scaleTargetRef: { kind: 'Deployment', name: 'd' }, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } };
  defaultHorizontalPodAutoscaler(hpa);
  assert.equal(hpa.spec!.minReplicas, 1);
  assert.deepEqual(hpa.spec!.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  assert.deepEqual(hpa.spec!.behavior!.scaleUp, {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  });
  assert.deepEqual(hpa.spec!.behavior!.scaleDown, { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
});

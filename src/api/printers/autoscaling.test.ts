import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import type { KObject } from '../types.js';
import { formatHPAMetrics, horizontalPodAutoscalerPrinter } from './autoscaling.js';

const now = new Date('2024-05-01T12:00:00Z');
const meta = { name: 'web', creationTimestamp: new Date(now.getTime() - 90_000).toISOString() };
const cpu = (util?: number, avg?: string): MetricSpec => ({
  type: 'Resource',
  resource: { name: 'cpu', target: util !== undefined ? { type: 'Utilization', averageUtilization: util } : { type: 'AverageValue', averageValue: avg } },
});
const cpuNow = (util?: number, avg?: string): MetricStatus => ({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: util, averageValue: avg } } });

test('formatHPAMetrics', () => {
  const cases: [MetricSpec[], MetricStatus[], string][] = [
    [[], [], '<none>'],
    [[cpu(50)], [], 'cpu: <unknown>/50%'],
    [[cpu(50)], [cpuNow(40)], 'cpu: 40%/50%'],
    [[{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization' } } }], [], 'memory: <unknown>/<auto>'],
    [[cpu(undefined, '500m')], [cpuNow(undefined, '250m')], 'cpu: 250m/500m'],
    [[cpu(undefined, '500m')], [], 'cpu: <unknown>/500m'],
    [
      [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } }],
      [{ type: 'Pods', pods: { metric: { name: 'qps' }, current: { averageValue: '7' } } }],
      '7/10',
    ],
    [[{ type: 'Object', object: { metric: { name: 'hits' }, describedObject: { kind: 'Ingress', name: 'i' }, target: { type: 'Value', value: '2k' } } }], [], '<unknown>/2k'],
    [[{ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } }], [], '<unknown>/30 (avg)'],
    [
      [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } }],
      [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', current: { averageUtilization: 75 } } }],
      'cpu: 75%/60%',
    ],
    [[cpu(50), cpu(60), cpu(70), cpu(80)], [cpuNow(1)], 'cpu: 1%/50%, cpu: <unknown>/60% + 2 more...'],
  ];
  for (const [specs, statuses, want] of cases) assert.equal(formatHPAMetrics(specs, statuses), want);
});

test('HPA row from v2 and from v1 objects', () => {
  const v2 = {
    apiVersion: 'autoscaling/v2',
    metadata: meta,
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [cpu(50)] },
    status: { currentReplicas: 3, desiredReplicas: 3, currentMetrics: [cpuNow(40)] },
  };
  assert.deepEqual(horizontalPodAutoscalerPrinter.row(v2 as KObject, now), ['web', 'Deployment/web', 'cpu: 40%/50%', '1', 10, 3, '90s']);

  const v1 = {
    apiVersion: 'autoscaling/v1',
    metadata: meta,
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
    status: { currentReplicas: 0, desiredReplicas: 0 },
  };
  assert.deepEqual(horizontalPodAutoscalerPrinter.row(v1 as KObject, now), ['web', 'Deployment/web', 'cpu: <unknown>/50%', '<unset>', 5, 0, '90s']);
  v1.status = { ...v1.status, currentCPUUtilizationPercentage: 40 } as typeof v1.status;
  assert.equal(horizontalPodAutoscalerPrinter.row(v1 as KObject, now)[2], 'cpu: 40%/50%');
  const v1NoTarget = { ...v1, apiVersion: undefined, spec: { scaleTargetRef: v1.spec.scaleTargetRef, maxReplicas: 5 } };
  assert.equal(horizontalPodAutoscalerPrinter.row(v1NoTarget as KObject, now)[2], '<none>');

  assert.deepEqual(
    horizontalPodAutoscalerPrinter.columns.map((c) => c.name),
    ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age'],
  );
});

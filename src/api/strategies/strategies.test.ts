import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject, ResourceType } from '../types.js';
import { fieldErrorText } from '../errors.js';
import { findByResource } from '../kinds.js';
import { podQOSClass } from './core/qos.js';
import { hpaAnnotations, hpaV1ToV2, hpaV2ToV1 } from './autoscaling/hpa-conversion.js';
import { prepareNamespaceFinalize } from './core/namespace.js';

const type = (g: string, v: string, r: string): ResourceType => findByResource(g, v, r)!;

/** The registry's create path: toStorage -> default -> prepareForCreate -> validate. */
function create(t: ResourceType, obj: KObject): { obj: KObject; errs: string[] } {
  const s = t.strategy;
  const o = s.toStorage ? s.toStorage(structuredClone(obj), `${t.group ? t.group + '/' : ''}${t.version}`) : structuredClone(obj);
  s.default?.(o);
  s.prepareForCreate?.(o);
  return { obj: o, errs: (s.validate?.(o) ?? []).map(fieldErrorText) };
}

/** The update path: toStorage -> default -> prepareForUpdate -> validate + validateUpdate. */
function update(t: ResourceType, obj: KObject, old: KObject): { obj: KObject; errs: string[] } {
  const s = t.strategy;
  const o = structuredClone(obj);
  s.default?.(o);
  s.prepareForUpdate?.(o, old);
  return { obj: o, errs: [...(s.validate?.(o) ?? []), ...(s.validateUpdate?.(o, old) ?? [])].map(fieldErrorText) };
}

const deployment = (): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
  status: { replicas: 7 },
});

test('status is ignored on create and update, and only status changes through /status', () => {
  const t = type('apps', 'v1', 'deployments');
  const created = create(t, deployment());
  assert.deepEqual(created.errs, []);
  assert.equal(created.obj.status, undefined);
  assert.equal(created.obj.metadata!.generation, 1);

  const stored: KObject = { ...created.obj, status: { replicas: 3 }, metadata: { ...created.obj.metadata, resourceVersion: '5' } };
  const next = structuredClone(stored) as KObject & { spec: { replicas: number } };
  next.spec.replicas = 5;
  next.status = { replicas: 99 };
  next.metadata!.labels = { team: 'a' };
  const updated = update(t, next, stored);
  assert.deepEqual(updated.obj.status, { replicas: 3 });
  assert.equal(updated.obj.metadata!.generation, 2);
  assert.deepEqual(updated.obj.metadata!.labels, { team: 'a' });

  const labelsOnly = structuredClone(stored);
  labelsOnly.metadata!.labels = { x: 'y' };
  assert.equal(update(t, labelsOnly, stored).obj.metadata!.generation, 1, 'metadata changes do not bump generation');

  const statusWrite = structuredClone(stored) as KObject & { spec: { replicas: number } };
  statusWrite.spec.replicas = 50;
  statusWrite.status = { replicas: 4 };
  statusWrite.metadata!.resourceVersion = '5';
  t.strategy.prepareForStatusUpdate!(statusWrite, stored);
  assert.equal((statusWrite.spec as { replicas?: number }).replicas, 1);
  assert.deepEqual(statusWrite.status, { replicas: 4 });
});

test('apps/v1 selectors are immutable', () => {
  const t = type('apps', 'v1', 'deployments');
  const stored = create(t, deployment()).obj;
  const changed = structuredClone(stored) as KObject & { spec: { selector: unknown; template: { metadata: { labels: Record<string, string> } } } };
  changed.spec.selector = { matchLabels: { app: 'other' } };
  changed.spec.template.metadata.labels = { app: 'other' };
  assert.deepEqual(update(t, changed, stored).errs, [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);
});

test('pods start Pending with a QoS class and change only what Kubernetes allows', () => {
  const t = type('', 'v1', 'pods');
  const pod: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx:1', resources: { limits: { cpu: '1', memory: '1Gi' } } }] }, status: { phase: 'Running' } };
  const { obj, errs } = create(t, pod);
  assert.deepEqual(errs, []);
  assert.deepEqual(obj.status, { phase: 'Pending', qosClass: 'Guaranteed' });
  assert.equal(obj.metadata!.generation, undefined);

  const newImage = structuredClone(obj) as KObject & { spec: { containers: { image: string }[]; restartPolicy: string } };
  newImage.spec.containers[0].image = 'nginx:2';
  assert.deepEqual(update(t, newImage, obj).errs, []);

  const newPolicy = structuredClone(obj) as KObject & { spec: { restartPolicy: string } };
  newPolicy.spec.restartPolicy = 'Never';
  const errs2 = update(t, newPolicy, obj).errs;
  assert.equal(errs2.length, 1);
  assert.ok(
    errs2[0].startsWith(
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
    ),
    errs2[0],
  );

  const addToleration = structuredClone(obj) as KObject & { spec: { tolerations: unknown[] } };
  addToleration.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }];
  assert.deepEqual(update(t, addToleration, obj).errs, []);
});

test('pod QoS classes', () => {
  const c = (resources: unknown) => ({ containers: [{ name: 'c', image: 'i', resources }] }) as never;
  assert.equal(podQOSClass(c(undefined)), 'BestEffort');
  assert.equal(podQOSClass(c({ requests: { cpu: '100m' } })), 'Burstable');
  assert.equal(podQOSClass(c({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } })), 'Guaranteed');
  assert.equal(podQOSClass(c({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } })), 'Burstable');
  assert.equal(podQOSClass(c({ limits: { cpu: '1' } })), 'Burstable');
});

test('pod delete grace periods', () => {
  const g = type('', 'v1', 'pods').strategy.deleteGracePeriod!;
  const pod = (spec: Record<string, unknown>, phase = 'Running'): KObject => ({ spec, status: { phase } });
  assert.equal(g(pod({ nodeName: 'n1', terminationGracePeriodSeconds: 30 }), undefined), 30);
  assert.equal(g(pod({ nodeName: 'n1', terminationGracePeriodSeconds: 45 }), undefined), 45);
  assert.equal(g(pod({ nodeName: 'n1' }), 5), 5);
  assert.equal(g(pod({ nodeName: 'n1' }), undefined), 30);
  assert.equal(g(pod({}), 10), 0, 'unscheduled pods go at once');
  assert.equal(g(pod({ nodeName: 'n1' }, 'Succeeded'), undefined), 0);
  assert.equal(g(pod({ nodeName: 'n1' }, 'Failed'), 20), 0);
});

test('pod selectable fields', () => {
  const f = type('', 'v1', 'pods').strategy.selectableFields!({ spec: { nodeName: 'n1', restartPolicy: 'Always', hostNetwork: true }, status: { phase: 'Running', podIPs: [{ ip: '10.42.0.5' }] } });
  assert.equal(f['spec.nodeName'], 'n1');
  assert.equal(f['spec.hostNetwork'], 'true');
  assert.equal(f['status.phase'], 'Running');
  assert.equal(f['status.podIP'], '10.42.0.5');
  assert.equal(f['status.nominatedNodeName'], '');
  assert.deepEqual(type('', 'v1', 'secrets').strategy.selectableFields!({ type: 'Opaque' }), { type: 'Opaque' });
  assert.equal(type('', 'v1', 'nodes').strategy.selectableFields!({ spec: {} })['spec.unschedulable'], 'false');
  assert.equal(type('batch', 'v1', 'jobs').strategy.selectableFields!({ status: { succeeded: 2 } })['status.successful'], '2');
});

test('jobs get a generated selector and controller labels', () => {
  const t = type('batch', 'v1', 'jobs');
  const job: KObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'abc-123' },
    spec: { template: { spec: { containers: [{ name: 'c', image: 'perl' }], restartPolicy: 'Never' } } },
  };
  const { obj, errs } = create(t, job);
  assert.deepEqual(errs, []);
  const spec = obj.spec as { selector: unknown; template: { metadata: { labels: Record<string, string> } } };
  assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc-123' } });
  assert.deepEqual(spec.template.metadata.labels, {
    'batch.kubernetes.io/controller-uid': 'abc-123',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': 'abc-123',
    'job-name': 'pi',
  });
  assert.equal(obj.metadata!.generation, 1);

  const manual = structuredClone(job) as KObject & { spec: Record<string, unknown> };
  manual.spec.selector = { matchLabels: { a: 'b' } };
  // A selector without manualSelector: true is refused, as Kubernetes refuses it.
  assert.deepEqual(create(t, manual).errs, [
    'spec.template.metadata.labels: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"abc-123", "batch.kubernetes.io/job-name":"pi", "controller-uid":"abc-123", "job-name":"pi"}: `selector` does not match template `labels`',
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b", "batch.kubernetes.io/controller-uid":"abc-123"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not auto-generated',
  ]);
  const manualOk = structuredClone(manual) as KObject & { spec: Record<string, unknown> };
  manualOk.spec.manualSelector = true;
  (manualOk.spec.template as { metadata?: unknown }).metadata = { labels: { a: 'b' } };
  assert.deepEqual(create(t, manualOk).errs, []);
});

test('namespaces: Active, the kubernetes finalizer, finalizers only through /finalize', () => {
  const t = type('', 'v1', 'namespaces');
  const { obj, errs } = create(t, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  assert.deepEqual(errs, []);
  assert.deepEqual(obj.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(obj.status, { phase: 'Active' });
  assert.equal(obj.metadata!.labels!['kubernetes.io/metadata.name'], 'team');
  const cleared = structuredClone(obj);
  cleared.spec = { finalizers: [] };
  assert.deepEqual(update(t, cleared, obj).obj.spec, { finalizers: ['kubernetes'] });
  prepareNamespaceFinalize(cleared, obj);
  assert.deepEqual(cleared.spec, { finalizers: [] });
  assert.deepEqual(t.strategy.selectableFields!(obj), { 'status.phase': 'Active' });
});

test('services keep their cluster IP and node ports across updates that omit them', () => {
  const t = type('', 'v1', 'services');
  const stored: KObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { type: 'NodePort', clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], ports: [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30080 }], selector: { app: 'web' } },
  };
  t.strategy.default!(stored);
  const applied: KObject = { ...structuredClone(stored), spec: { type: 'NodePort', ports: [{ port: 80 }], selector: { app: 'web' } } };
  const { obj, errs } = update(t, applied, stored);
  assert.deepEqual(errs, []);
  const spec = obj.spec as { clusterIP: string; ports: { nodePort: number }[] };
  assert.equal(spec.clusterIP, '10.43.0.10');
  assert.equal(spec.ports[0].nodePort, 30080);
  const moved = structuredClone(obj);
  (moved.spec as { clusterIP: string }).clusterIP = '10.43.0.11';
  assert.deepEqual(update(t, moved, stored).errs, ['spec.clusterIPs[0]: Invalid value: "10.43.0.11": may not change once set']);
});

test('events convert between core/v1 and events.k8s.io/v1 shapes', () => {
  const newApi = type('events.k8s.io', 'v1', 'events');
  const e: KObject = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'e1', namespace: 'default' },
    regarding: { kind: 'Pod', name: 'p', namespace: 'default' },
    note: 'Pulled image',
    reason: 'Pulled',
    type: 'Normal',
    reportingController: 'kubelet',
    reportingInstance: 'node-1',
    action: 'Pull',
    eventTime: '2024-01-01T00:00:00.000000Z',
    deprecatedCount: 2,
  };
  const stored = newApi.strategy.toStorage!(e, 'events.k8s.io/v1');
  assert.equal(stored.apiVersion, 'v1');
  assert.deepEqual(stored.involvedObject, { kind: 'Pod', name: 'p', namespace: 'default' });
  assert.equal(stored.message, 'Pulled image');
  assert.equal(stored.reportingComponent, 'kubelet');
  assert.equal(stored.count, 2);
  assert.equal(stored.regarding, undefined);
  assert.deepEqual(newApi.strategy.fromStorage!(stored, 'events.k8s.io/v1'), e);
  assert.equal(newApi.strategy.selectableFields!(stored)['involvedObject.name'], 'p');
});

test('HPAs convert between autoscaling/v1 and v2 without loss', () => {
  const v1Type = type('autoscaling', 'v1', 'horizontalpodautoscalers');
  const v1: KObject = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'h', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, targetCPUUtilizationPercentage: 60 },
  };
  const { obj: stored, errs } = create(v1Type, v1);
  assert.deepEqual(errs, []);
  assert.equal(stored.apiVersion, 'autoscaling/v2');
  assert.deepEqual((stored.spec as { metrics: unknown }).metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
  assert.equal((stored.spec as { minReplicas: number }).minReplicas, 1);

  const noTarget = hpaV1ToV2({ ...v1, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3 } });
  assert.equal((noTarget.spec as { metrics: { resource: { target: { averageUtilization: number } } }[] }).metrics[0].resource.target.averageUtilization, 80);

  const v2: KObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'h', namespace: 'default', annotations: { keep: 'me' } },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } },
    },
    status: {
      currentReplicas: 2,
      desiredReplicas: 2,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 33, averageValue: '100m' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' }],
    },
  };
  const asV1 = hpaV2ToV1(v2);
  const ann = asV1.metadata!.annotations!;
  assert.equal((asV1.spec as { targetCPUUtilizationPercentage: number }).targetCPUUtilizationPercentage, 70);
  assert.equal((asV1.status as { currentCPUUtilizationPercentage: number }).currentCPUUtilizationPercentage, 33);
  assert.deepEqual(JSON.parse(ann[hpaAnnotations.metrics]), [{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '500Mi' } }]);
  assert.deepEqual(JSON.parse(ann[hpaAnnotations.behavior]), {
    ScaleDown: { StabilizationWindowSeconds: 60, SelectPolicy: 'Max', Policies: [{ Type: 'Percent', Value: 100, PeriodSeconds: 15 }] },
  });
  assert.ok(ann[hpaAnnotations.conditions] && ann[hpaAnnotations.currentMetrics]);
  assert.equal(ann.keep, 'me');

  const back = hpaV1ToV2(asV1) as KObject & { spec: { metrics: unknown[] } };
  assert.deepEqual(back.metadata!.annotations, { keep: 'me' });
  assert.deepEqual(new Set(back.spec.metrics.map((m) => JSON.stringify(m))), new Set((v2.spec as { metrics: unknown[] }).metrics.map((m) => JSON.stringify(m))));
  assert.deepEqual((back.spec as unknown as { behavior: unknown }).behavior, (v2.spec as { behavior: unknown }).behavior);
  assert.deepEqual((back.status as { conditions: unknown }).conditions, (v2.status as { conditions: unknown }).conditions);
  assert.deepEqual((back.status as { currentMetrics: unknown }).currentMetrics, (v2.status as { currentMetrics: unknown }).currentMetrics);
});

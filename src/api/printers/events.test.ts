import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types.js';
import { eventPrinter } from './events.js';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
const micro = (seconds: number) => ago(seconds).replace('Z', '123Z');

test('event columns: LAST SEEN TYPE REASON OBJECT MESSAGE, the rest wide', () => {
  assert.deepEqual(
    eventPrinter.columns.map((c) => `${c.name}:${c.priority}`),
    ['Last Seen:0', 'Type:0', 'Reason:0', 'Object:0', 'Subobject:1', 'Source:1', 'Message:0', 'First Seen:1', 'Count:1', 'Name:1'],
  );
});

test('core/v1 event rows', () => {
  const base = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web-1.17c', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{nginx}' },
    reason: 'Pulled',
    type: 'Normal',
    message: '  Successfully pulled image "nginx"\n',
    source: { component: 'kubelet', host: 'node-1' },
  };
  const cases: [object, unknown[]][] = [
    [
      { ...base, firstTimestamp: ago(600), lastTimestamp: ago(5), count: 3 },
      ['5s', 'Normal', 'Pulled', 'pod/web-1', 'spec.containers{nginx}', 'kubelet, node-1', 'Successfully pulled image "nginx"', '10m', 3, 'web-1.17c'],
    ],
    // New-style event written through core/v1: eventTime only, no count, reporting fields.
    [
      { ...base, source: {}, reportingComponent: 'default-scheduler', reportingInstance: 'sched-1', eventTime: micro(30) },
      ['30s', 'Normal', 'Pulled', 'pod/web-1', 'spec.containers{nginx}', 'default-scheduler, sched-1', 'Successfully pulled image "nginx"', '30s', 1, 'web-1.17c'],
    ],
    // A series overrides last seen and count.
    [
      { ...base, eventTime: micro(300), series: { count: 7, lastObservedTime: micro(2) } },
      ['2s', 'Normal', 'Pulled', 'pod/web-1', 'spec.containers{nginx}', 'kubelet, node-1', 'Successfully pulled image "nginx"', '5m', 7, 'web-1.17c'],
    ],
    // No timestamps at all, and an object without a name.
    [
      { ...base, involvedObject: { kind: 'Node' }, source: { component: 'kubelet' } },
      ['<unknown>', 'Normal', 'Pulled', 'node', '', 'kubelet', 'Successfully pulled image "nginx"', '<unknown>', 1, 'web-1.17c'],
    ],
  ];
  for (const [ev, want] of cases) assert.deepEqual(eventPrinter.row(ev as KObject, now), want);
});

test('events.k8s.io/v1 events print through the same columns', () => {
  const ev = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'web.1', namespace: 'default' },
    eventTime: micro(120),
    reportingController: 'deployment-controller',
    reportingInstance: '',
    action: 'Scale',
    reason: 'ScalingReplicaSet',
    regarding: { kind: 'Deployment', name: 'web' },
    note: 'Scaled up replica set web-abc to 3',
    type: 'Normal',
  };
  assert.deepEqual(eventPrinter.row(ev as KObject, now), [
    '2m',
    'Normal',
    'ScalingReplicaSet',
    'deployment/web',
    '',
    'deployment-controller',
    'Scaled up replica set web-abc to 3',
    '2m',
    1,
    'web.1',
  ]);
  const legacy = { ...ev, deprecatedSource: { component: 'kubelet', host: 'n1' }, deprecatedFirstTimestamp: ago(3600), deprecatedLastTimestamp: ago(60), deprecatedCount: 4 };
  assert.deepEqual(eventPrinter.row(legacy as KObject, now).slice(0, 9), ['60s', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'kubelet, n1', 'Scaled up replica set web-abc to 3', '60m', 4]);
});

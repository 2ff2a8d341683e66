import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../types.js';
import { podPrinter, podSummary, podTemplatePrinter } from './pods.js';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

const running: ContainerState = { running: { startedAt: ago(60) } };
const waiting = (reason: string): ContainerState => ({ waiting: { reason } });
const terminated = (exitCode: number, reason?: string, signal?: number): ContainerState => ({
  terminated: { exitCode, reason, signal, finishedAt: ago(30) },
});

function cs(name: string, state: ContainerState, extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name, image: 'busybox', imageID: '', ready: false, restartCount: 0, state, ...extra };
}

interface PodShape {
  containers?: number;
  init?: Container[];
  phase?: string;
  reason?: string;
  conditions?: PodCondition[];
  statuses?: ContainerStatus[];
  initStatuses?: ContainerStatus[];
  deleting?: boolean;
}

function pod(p: PodShape): Pod {
  const containers = Array.from({ length: p.containers ?? 1 }, (_, i) => ({ name: `c${i}`, image: 'busybox' }));
  return {
    metadata: { name: 'p', creationTimestamp: ago(600), deletionTimestamp: p.deleting ? ago(1) : undefined },
    spec: { containers, initContainers: p.init },
    status: {
      phase: p.phase ?? 'Running',
      reason: p.reason,
      conditions: p.conditions,
      containerStatuses: p.statuses,
      initContainerStatuses: p.initStatuses,
    },
  };
}

const initC = (name: string, sidecar = false): Container => ({ name, image: 'busybox', restartPolicy: sidecar ? 'Always' : undefined });
const cond = (type: string, status: string, reason?: string): PodCondition => ({ type, status, reason });

test('pod READY, STATUS and RESTARTS follow kubectl 1.30', () => {
  const cases: { name: string; pod: Pod; ready: string; status: string; restarts: string }[] = [
    { name: 'pending, nothing reported', pod: pod({ phase: 'Pending' }), ready: '0/1', status: 'Pending', restarts: '0' },
    {
      name: 'container creating',
      pod: pod({ phase: 'Pending', statuses: [cs('c0', waiting('ContainerCreating'))] }),
      ready: '0/1',
      status: 'ContainerCreating',
      restarts: '0',
    },
    { name: 'running and ready', pod: pod({ statuses: [cs('c0', running, { ready: true })] }), ready: '1/1', status: 'Running', restarts: '0' },
    {
      name: 'one of two ready',
      pod: pod({ containers: 2, statuses: [cs('c0', running, { ready: true }), cs('c1', running)] }),
      ready: '1/2',
      status: 'Running',
      restarts: '0',
    },
    {
      name: 'crash loop with last restart time',
      pod: pod({
        statuses: [cs('c0', waiting('CrashLoopBackOff'), { restartCount: 3, lastState: { terminated: { exitCode: 1, finishedAt: ago(25) } } })],
      }),
      ready: '0/1',
      status: 'CrashLoopBackOff',
      restarts: '3 (25s ago)',
    },
    {
      name: 'restarts without a termination time print bare',
      pod: pod({ statuses: [cs('c0', running, { ready: true, restartCount: 2 })] }),
      ready: '1/1',
      status: 'Running',
      restarts: '2',
    },
    { name: 'completed', pod: pod({ phase: 'Succeeded', statuses: [cs('c0', terminated(0, 'Completed'))] }), ready: '0/1', status: 'Completed', restarts: '0' },
    { name: 'error', pod: pod({ phase: 'Failed', statuses: [cs('c0', terminated(1, 'Error'))] }), ready: '0/1', status: 'Error', restarts: '0' },
    { name: 'exit code without reason', pod: pod({ phase: 'Failed', statuses: [cs('c0', terminated(2))] }), ready: '0/1', status: 'ExitCode:2', restarts: '0' },
    { name: 'signal without reason', pod: pod({ phase: 'Failed', statuses: [cs('c0', terminated(137, undefined, 9))] }), ready: '0/1', status: 'Signal:9', restarts: '0' },
    {
      name: 'first container decides',
      pod: pod({ containers: 2, statuses: [cs('c0', waiting('ImagePullBackOff')), cs('c1', waiting('ErrImagePull'))] }),
      ready: '0/2',
      status: 'ImagePullBackOff',
      restarts: '0',
    },
    {
      name: 'init 0/2',
      pod: pod({ phase: 'Pending', init: [initC('i0'), initC('i1')], initStatuses: [cs('i0', running), cs('i1', waiting('PodInitializing'))], statuses: [cs('c0', waiting('PodInitializing'))] }),
      ready: '0/1',
      status: 'Init:0/2',
      restarts: '0',
    },
    {
      name: 'init 1/2',
      pod: pod({ phase: 'Pending', init: [initC('i0'), initC('i1')], initStatuses: [cs('i0', terminated(0, 'Completed')), cs('i1', running)] }),
      ready: '0/1',
      status: 'Init:1/2',
      restarts: '0',
    },
    {
      name: 'init error',
      pod: pod({ phase: 'Pending', init: [initC('i0')], initStatuses: [cs('i0', terminated(1, 'Error'))] }),
      ready: '0/1',
      status: 'Init:Error',
      restarts: '0',
    },
    {
      name: 'init crash loop counts init restarts',
      pod: pod({
        phase: 'Pending',
        init: [initC('i0')],
        initStatuses: [cs('i0', waiting('CrashLoopBackOff'), { restartCount: 4, lastState: { terminated: { exitCode: 1, finishedAt: ago(90) } } })],
      }),
      ready: '0/1',
      status: 'Init:CrashLoopBackOff',
      restarts: '4 (90s ago)',
    },
    {
      name: 'init exit code without reason',
      pod: pod({ phase: 'Pending', init: [initC('i0')], initStatuses: [cs('i0', terminated(3))] }),
      ready: '0/1',
      status: 'Init:ExitCode:3',
      restarts: '0',
    },
    {
      name: 'init signal without reason',
      pod: pod({ phase: 'Pending', init: [initC('i0')], initStatuses: [cs('i0', terminated(137, undefined, 9))] }),
      ready: '0/1',
      status: 'Init:Signal:9',
      restarts: '0',
    },
    {
      name: 'init done, containers starting',
      pod: pod({ phase: 'Pending', init: [initC('i0')], initStatuses: [cs('i0', terminated(0, 'Completed'), { restartCount: 1 })], statuses: [cs('c0', waiting('PodInitializing'))] }),
      ready: '0/1',
      status: 'PodInitializing',
      restarts: '0',
    },
    {
      name: 'terminating',
      pod: pod({ deleting: true, statuses: [cs('c0', running, { ready: true })] }),
      ready: '1/1',
      status: 'Terminating',
      restarts: '0',
    },
    {
      name: 'terminating even when finished (1.30 behaviour)',
      pod: pod({ deleting: true, phase: 'Succeeded', statuses: [cs('c0', terminated(0, 'Completed'))] }),
      ready: '0/1',
      status: 'Terminating',
      restarts: '0',
    },
    {
      name: 'node lost',
      pod: pod({ deleting: true, reason: 'NodeLost', statuses: [cs('c0', running, { ready: true })] }),
      ready: '1/1',
      status: 'Unknown',
      restarts: '0',
    },
    {
      name: 'completed container next to a running one, pod not ready',
      pod: pod({ containers: 2, statuses: [cs('c0', terminated(0, 'Completed')), cs('c1', running, { ready: true })] }),
      ready: '1/2',
      status: 'NotReady',
      restarts: '0',
    },
    {
      name: 'completed container next to a running one, pod ready',
      pod: pod({ containers: 2, conditions: [cond('Ready', 'True')], statuses: [cs('c0', terminated(0, 'Completed')), cs('c1', running, { ready: true })] }),
      ready: '1/2',
      status: 'Running',
      restarts: '0',
    },
    {
      name: 'scheduling gated',
      pod: pod({ phase: 'Pending', conditions: [cond('PodScheduled', 'False', 'SchedulingGated')] }),
      ready: '0/1',
      status: 'SchedulingGated',
      restarts: '0',
    },
    { name: 'evicted', pod: pod({ phase: 'Failed', reason: 'Evicted' }), ready: '0/1', status: 'Evicted', restarts: '0' },
    {
      name: 'sidecar counts toward READY and keeps its restarts',
      pod: pod({
        init: [initC('setup'), initC('proxy', true)],
        conditions: [cond('Initialized', 'True'), cond('Ready', 'True')],
        initStatuses: [
          cs('setup', terminated(0, 'Completed'), { restartCount: 5 }),
          cs('proxy', running, { ready: true, started: true, restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(300) } } }),
        ],
        statuses: [cs('c0', running, { ready: true, restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(40) } } })],
      }),
      ready: '2/2',
      status: 'Running',
      restarts: '3 (40s ago)',
    },
    {
      name: 'sidecar not started yet blocks initialisation',
      pod: pod({ phase: 'Pending', init: [initC('proxy', true)], initStatuses: [cs('proxy', running, { started: false })] }),
      ready: '0/2',
      status: 'Init:0/1',
      restarts: '0',
    },
  ];
  for (const c of cases) {
    const got = podSummary(c.pod, now);
    assert.deepEqual(got, { ready: c.ready, status: c.status, restarts: c.restarts }, c.name);
  }
});

test('pod row has one cell per column, wide cells with placeholders', () => {
  const p = pod({ statuses: [cs('c0', running, { ready: true })] });
  const row = podPrinter.row(p as KObject, now);
  assert.deepEqual(
    podPrinter.columns.map((c) => [c.name, c.type, c.priority]),
    [
      ['Name', 'string', 0],
      ['Ready', 'string', 0],
      ['Status', 'string', 0],
      ['Restarts', 'string', 0],
      ['Age', 'string', 0],
      ['IP', 'string', 1],
      ['Node', 'string', 1],
      ['Nominated Node', 'string', 1],
      ['Readiness Gates', 'string', 1],
    ],
  );
  assert.deepEqual(row, ['p', '1/1', 'Running', '0', '10m', '<none>', '<none>', '<none>', '<none>']);

  p.spec!.nodeName = 'node-1';
  p.spec!.readinessGates = [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }];
  p.status!.podIPs = [{ ip: '10.42.0.7' }, { ip: 'fd00::7' }];
  p.status!.nominatedNodeName = 'node-2';
  p.status!.conditions = [cond('example.com/lb', 'True'), cond('example.com/dns', 'False')];
  assert.deepEqual(podPrinter.row(p as KObject, now).slice(5), ['10.42.0.7', 'node-1', 'node-2', '1/2']);
});

test('pod template row', () => {
  const row = podTemplatePrinter.row(
    { metadata: { name: 't' }, template: { metadata: { labels: { b: '2', a: '1' } }, spec: { containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:2' }] } } },
    now,
  );
  assert.deepEqual(row, ['t', 'a,b', 'x:1,y:2', 'a=1,b=2']);
});

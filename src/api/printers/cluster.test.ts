import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../types.js';
import {
  certificateSigningRequestPrinter,
  clusterRoleBindingPrinter,
  componentStatusPrinter,
  leasePrinter,
  namespacePrinter,
  nodePrinter,
  nodeStatus,
  priorityClassPrinter,
  roleBindingPrinter,
  validatingWebhookPrinter,
} from './cluster.js';

const now = new Date('2024-05-01T12:00:00Z');
const meta = { name: 'x', creationTimestamp: new Date(now.getTime() - 2 * 86400_000 - 3 * 3600_000).toISOString() };
const row = (p: { row(o: KObject, n: Date): unknown[] }, o: object) => p.row(o as KObject, now);

test('node STATUS', () => {
  const node = (conditions: NodeCondition[], unschedulable = false): Node => ({ metadata: { name: 'n' }, spec: { unschedulable }, status: { conditions } });
  const ready = (status: string): NodeCondition => ({ type: 'Ready', status });
  const cases: [Node, string][] = [
    [node([ready('True')]), 'Ready'],
    [node([ready('False')]), 'NotReady'],
    [node([ready('Unknown')]), 'NotReady'],
    [node([]), 'Unknown'],
    [node([{ type: 'MemoryPressure', status: 'True' }]), 'Unknown'],
    [node([ready('True')], true), 'Ready,SchedulingDisabled'],
    [node([], true), 'Unknown,SchedulingDisabled'],
  ];
  for (const [n, want] of cases) assert.equal(nodeStatus(n), want);
});

test('node row with roles and wide system info', () => {
  const n = {
    metadata: { ...meta, labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/master': 'true', 'kubernetes.io/role': 'etcd', 'node-role.kubernetes.io/': 'x' } },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '192.168.1.5' }],
      nodeInfo: { kubeletVersion: 'v1.30.0-skiff', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.6.20' },
    },
  };
  assert.deepEqual(row(nodePrinter, n), [
    'x',
    'Ready',
    'control-plane,etcd,master',
    '2d3h',
    'v1.30.0-skiff',
    '192.168.1.5',
    '<none>',
    'Debian GNU/Linux 12 (bookworm)',
    '6.1.0',
    'containerd://1.6.20',
  ]);
  assert.deepEqual(row(nodePrinter, { metadata: { name: 'bare' } }), ['bare', 'Unknown', '<none>', '<unknown>', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  assert.deepEqual(
    nodePrinter.columns.map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Status:0', 'Roles:0', 'Age:0', 'Version:0', 'Internal-IP:1', 'External-IP:1', 'OS-Image:1', 'Kernel-Version:1', 'Container-Runtime:1'],
  );
});

test('namespace, lease, priority class, webhook and component status rows', () => {
  assert.deepEqual(row(namespacePrinter, { metadata: meta, status: { phase: 'Terminating' } }), ['x', 'Terminating', '2d3h']);
  assert.deepEqual(row(leasePrinter, { metadata: meta, spec: { holderIdentity: 'node-1_abc' } }), ['x', 'node-1_abc', '2d3h']);
  assert.deepEqual(row(leasePrinter, { metadata: meta, spec: {} }), ['x', '', '2d3h']);
  assert.deepEqual(row(priorityClassPrinter, { metadata: meta, value: 2000001000, globalDefault: false }), ['x', 2000001000, false, '2d3h']);
  assert.deepEqual(row(validatingWebhookPrinter, { metadata: meta, webhooks: [{}, {}] }), ['x', 2, '2d3h']);
  assert.deepEqual(row(componentStatusPrinter, { metadata: meta, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] }), ['x', 'Healthy', 'ok', '']);
});

test('role binding rows split subjects by kind', () => {
  const rb = {
    metadata: meta,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [
      { kind: 'User', name: 'alice' },
      { kind: 'Group', name: 'devs' },
      { kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' },
      { kind: 'User', name: 'bob' },
    ],
  };
  const want = ['x', 'ClusterRole/view', '2d3h', 'alice, bob', 'devs', 'kube-system/default'];
  assert.deepEqual(row(roleBindingPrinter, rb), want);
  assert.deepEqual(row(clusterRoleBindingPrinter, rb), want);
  assert.deepEqual(row(roleBindingPrinter, { metadata: meta, roleRef: { kind: 'Role', name: 'r' } }), ['x', 'Role/r', '2d3h', '', '', '']);
  assert.deepEqual(
    roleBindingPrinter.columns.map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Role:0', 'Age:0', 'Users:1', 'Groups:1', 'ServiceAccounts:1'],
  );
});

test('certificate signing request condition', () => {
  const csr = (types: string[], certificate?: string) => ({
    metadata: meta,
    spec: { signerName: 'kubernetes.io/kube-apiserver-client', username: 'alice', expirationSeconds: 86400, request: '' },
    status: { conditions: types.map((type) => ({ type, status: 'True' })), certificate },
  });
  assert.deepEqual(row(certificateSigningRequestPrinter, csr([])), ['x', '2d3h', 'kubernetes.io/kube-apiserver-client', 'alice', '24h', 'Pending']);
  assert.equal(row(certificateSigningRequestPrinter, csr(['Approved'], 'Y2VydA=='))[5], 'Approved,Issued');
  assert.equal(row(certificateSigningRequestPrinter, csr(['Approved', 'Denied', 'Failed']))[5], 'Denied,Failed');
});

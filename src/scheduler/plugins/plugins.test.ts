import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSelectorRequirement, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { feasible, node, nodeWithLabels, nodeWithTaints, place, pod } from '../testing/builders.js';

const zoneKey = 'topology.kubernetes.io/zone';
const host = 'kubernetes.io/hostname';
const zoned = (name: string, zone: string, extra: Record<string, string> = {}) => nodeWithLabels(name, { [zoneKey]: zone, ...extra });

test('NodeSelector: only nodes carrying every selector label', () => {
  const nodes = [nodeWithLabels('a', { disk: 'ssd', env: 'prod' }), nodeWithLabels('b', { disk: 'ssd' }), nodeWithLabels('c', {})];
  assert.deepEqual(feasible(nodes, [], pod('p', { nodeSelector: { disk: 'ssd' } })), ['a', 'b']);
  assert.deepEqual(feasible(nodes, [], pod('p', { nodeSelector: { disk: 'ssd', env: 'prod' } })), ['a']);
  assert.equal(
    place(nodes, [], pod('p', { nodeSelector: { gpu: 'yes' } })),
    "FAIL: 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
  );
});

test('NodeAffinity required: every operator', () => {
  const nodes = [nodeWithLabels('a', { tier: 'web', cores: '8' }), nodeWithLabels('b', { tier: 'db', cores: '2' }), nodeWithLabels('c', {})];
  const cases: { expr: NodeSelectorRequirement; want: string[] }[] = [
    { expr: { key: 'tier', operator: 'In', values: ['web', 'cache'] }, want: ['a'] },
    { expr: { key: 'tier', operator: 'NotIn', values: ['web'] }, want: ['b', 'c'] },
    { expr: { key: 'tier', operator: 'Exists' }, want: ['a', 'b'] },
    { expr: { key: 'tier', operator: 'DoesNotExist' }, want: ['c'] },
    { expr: { key: 'cores', operator: 'Gt', values: ['4'] }, want: ['a'] },
    { expr: { key: 'cores', operator: 'Lt', values: ['4'] }, want: ['b'] },
    { expr: { key: 'cores', operator: 'Gt', values: ['x'] }, want: [] },
  ];
  for (const c of cases) {
    const p = pod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [c.expr] }] } } } });
    assert.deepEqual(feasible(nodes, [], p), c.want, `${c.expr.key} ${c.expr.operator} ${c.expr.values ?? ''}`);
  }
  // Terms are ORed; expressions in a term ANDed; matchFields by metadata.name.
  const ored = pod('p', {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }, { key: 'cores', operator: 'Gt', values: ['4'] }] },
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['c'] }] },
          ],
        },
      },
    },
  });
  assert.deepEqual(feasible(nodes, [], ored), ['c']);
  // nodeSelector and affinity must both hold.
  const both = pod('p', {
    nodeSelector: { tier: 'web' },
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] }] } } },
  });
  assert.deepEqual(feasible(nodes, [], both), []);
});

test('NodeAffinity preferred: the heaviest matching preference wins', () => {
  const nodes = [zoned('a', 'z1'), zoned('b', 'z2'), zoned('c', 'z3')];
  const p = pod('p', {
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 10, preference: { matchExpressions: [{ key: zoneKey, operator: 'In', values: ['z2'] }] } },
          { weight: 80, preference: { matchExpressions: [{ key: zoneKey, operator: 'In', values: ['z3'] }] } },
        ],
      },
    },
  });
  assert.equal(place(nodes, [], p), 'c');
});

test('TaintToleration: NoSchedule/NoExecute need a toleration; PreferNoSchedule only scores lower', () => {
  const nodes = [
    nodeWithTaints('a', { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }),
    nodeWithTaints('b', { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }),
    nodeWithTaints('c', { key: 'spot', value: 'true', effect: 'PreferNoSchedule' }),
  ];
  assert.deepEqual(feasible(nodes, [], pod('p')), ['c']);
  assert.deepEqual(feasible(nodes, [], pod('p', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] })), ['a', 'c']);
  assert.deepEqual(feasible(nodes, [], pod('p', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'cpu' }] })), ['c']);
  assert.deepEqual(feasible(nodes, [], pod('p', { tolerations: [{ operator: 'Exists' }] })), ['a', 'b', 'c']);
  assert.deepEqual(feasible(nodes, [], pod('p', { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] })), ['b', 'c']);
  // PreferNoSchedule: a clean node beats the tainted one.
  assert.equal(place([nodes[2]!, node('d')], [], pod('p')), 'd');
  assert.equal(
    place(nodes.slice(0, 2), [], pod('p')),
    'FAIL: 0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
  );
});

test('NodeUnschedulable: a cordoned node takes only pods tolerating the unschedulable taint', () => {
  const nodes = [node('a', { unschedulable: true }), node('b')];
  assert.deepEqual(feasible(nodes, [], pod('p')), ['b']);
  assert.deepEqual(feasible(nodes, [], pod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] })), ['a', 'b']);
  assert.equal(
    place([nodes[0]!], [], pod('p')),
    'FAIL: 0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
  );
});

test('NodeResourcesFit: requests against allocatable minus what is placed; LeastAllocated spreads', () => {
  const nodes = [node('a', { cpu: '2', memory: '4Gi' }), node('b', { cpu: '2', memory: '4Gi' })];
  const onA = pod('x', { nodeName: 'a', cpu: '1500m', memory: '1Gi' });
  assert.deepEqual(feasible(nodes, [onA], pod('p', { cpu: '1' })), ['b']);
  assert.equal(place(nodes, [onA], pod('p', { cpu: '100m' })), 'b');
  assert.equal(
    place(nodes, [onA], pod('p', { cpu: '3', memory: '8Gi' })),
    'FAIL: 0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
  );
  const tiny = [node('a', { pods: '1' })];
  assert.equal(
    place(tiny, [pod('x', { nodeName: 'a' })], pod('p')),
    'FAIL: 0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
  );
});

test('NodePorts: a host port is taken once per node', () => {
  const nodes = [node('a'), node('b')];
  const onA = pod('x', { nodeName: 'a', hostPorts: [8080] });
  assert.deepEqual(feasible(nodes, [onA], pod('p', { hostPorts: [8080] })), ['b']);
  assert.deepEqual(feasible(nodes, [onA], pod('p', { hostPorts: [9090] })), ['a', 'b']);
  assert.match(place([nodes[0]!], [onA], pod('p', { hostPorts: [8080] })), /1 node\(s\) didn't have free ports for the requested pod ports\. preemption: 0\/1 nodes are available: 1 No preemption victims found/);
});

test('ImageLocality: a node holding a big image is preferred', () => {
  const big = { names: ['docker.io/library/postgres:16', 'postgres:16'], sizeBytes: 400 * 1024 * 1024 };
  const nodes = [node('a'), node('b', { images: [big] }), node('c')];
  assert.equal(place(nodes, [], pod('p', { image: 'postgres:16' })), 'b');
});

const term = (labels: Record<string, string>, topologyKey: string, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm => ({ labelSelector: { matchLabels: labels }, topologyKey, ...extra });

test('InterPodAffinity required affinity: same topology domain as a matching pod; first of a group may go anywhere', () => {
  const nodes = [zoned('a', 'z1'), zoned('b', 'z1'), zoned('c', 'z2')];
  const db = pod('db', { nodeName: 'a', labels: { app: 'db' } });
  const web = pod('web', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, zoneKey)] } } });
  assert.deepEqual(feasible(nodes, [db], web), ['a', 'b']);
  assert.deepEqual(feasible(nodes, [db], pod('web', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, host)] } } })), ['a']);
  // Nothing matches anywhere and the pod does not match itself: unschedulable.
  assert.equal(
    place(nodes, [], web),
    "FAIL: 0/3 nodes are available: 3 node(s) didn't match pod affinity rules. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
  );
  // Self-affinity: the first pod of the group may land on any node with the key.
  const self = pod('s', { labels: { app: 'db' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, zoneKey)] } } });
  assert.deepEqual(feasible([...nodes, node('nozone')], [], self), ['a', 'b', 'c']);
  // Namespaces: a term only sees its own namespace unless told otherwise.
  const other = pod('db2', { nodeName: 'c', namespace: 'other', labels: { app: 'db' } });
  assert.deepEqual(feasible(nodes, [other], web), []);
  const webAll = pod('web', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, zoneKey, { namespaceSelector: {} })] } } });
  assert.deepEqual(feasible(nodes, [other], webAll), ['c']);
  const webNs = pod('web', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' }, zoneKey, { namespaces: ['other'] })] } } });
  assert.deepEqual(feasible(nodes, [other, db], webNs), ['c']);
});

test('InterPodAffinity required anti-affinity: both the incoming pod’s and the placed pods’ (symmetry)', () => {
  const nodes = [zoned('a', 'z1'), zoned('b', 'z1'), zoned('c', 'z2')];
  const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, host)] } };
  const placed = pod('w1', { nodeName: 'a', labels: { app: 'web' } });
  assert.deepEqual(feasible(nodes, [placed], pod('w2', { labels: { app: 'web' }, affinity: anti })), ['b', 'c']);
  const zoneAnti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, zoneKey)] } };
  assert.deepEqual(feasible(nodes, [placed], pod('w2', { labels: { app: 'web' }, affinity: zoneAnti })), ['c']);
  // A placed pod that repels app=web keeps a plain app=web pod out of its domain.
  const repeller = pod('r', { nodeName: 'c', labels: { app: 'x' }, affinity: zoneAnti });
  assert.deepEqual(feasible(nodes, [repeller], pod('w3', { labels: { app: 'web' } })), ['a', 'b']);
  assert.equal(
    place([nodes[2]!], [repeller], pod('w3', { labels: { app: 'web' } })),
    "FAIL: 0/1 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
  );
  assert.equal(
    place([nodes[0]!], [placed], pod('w2', { labels: { app: 'web' }, affinity: anti })),
    "FAIL: 0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
  );
});

test('InterPodAffinity preferred: towards preferred pods, away from disliked ones', () => {
  const nodes = [zoned('a', 'z1'), zoned('b', 'z2'), zoned('c', 'z3')];
  const cache = pod('cache', { nodeName: 'b', labels: { app: 'cache' } });
  const noisy = pod('noisy', { nodeName: 'a', labels: { app: 'noisy' } });
  const p = pod('p', {
    affinity: {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: term({ app: 'cache' }, zoneKey) }] },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term({ app: 'noisy' }, zoneKey) }] },
    },
  });
  assert.equal(place(nodes, [cache, noisy], p), 'b');
  const q = pod('q', { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term({ app: 'cache' }, zoneKey) }] } } });
  assert.notEqual(place(nodes, [cache], q), 'b');
});

test('PodTopologySpread DoNotSchedule: skew against the least loaded domain; missing key; minDomains', () => {
  const nodes = [zoned('a', 'z1'), zoned('b', 'z1'), zoned('c', 'z2'), node('nozone')];
  const existing = [pod('x1', { nodeName: 'a', labels: { app: 'web' } }), pod('x2', { nodeName: 'b', labels: { app: 'web' } })];
  const spread = (maxSkew: number, extra = {}) =>
    pod('p', { labels: { app: 'web' }, topologySpreadConstraints: [{ maxSkew, topologyKey: zoneKey, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...extra }] });
  assert.deepEqual(feasible(nodes, existing, spread(1)), ['c']);
  assert.deepEqual(feasible(nodes, existing, spread(3)), ['a', 'b', 'c']);
  assert.deepEqual(feasible(nodes, existing, spread(2)), ['c']);
  // z1 holds 2, z2 1: skew in z1 is 2 + 1 - 1. With 3 domains required but only 2 present
  // the minimum counts as 0, and z1 (2 + 1 - 0 > 2) is out.
  const withZ2 = [...existing, pod('x3', { nodeName: 'c', labels: { app: 'web' } })];
  assert.deepEqual(feasible(nodes, withZ2, spread(2)), ['a', 'b', 'c']);
  assert.deepEqual(feasible(nodes, withZ2, spread(2, { minDomains: 3 })), ['c']);
  assert.equal(
    place([nodes[0]!, nodes[3]!], existing.slice(0, 1), spread(0)),
    "FAIL: 0/2 nodes are available: 1 node(s) didn't match pod topology spread constraints, 1 node(s) didn't match pod topology spread constraints (missing required label). preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
  );
  // Only nodes that pass the pod's node affinity count as domains (nodeAffinityPolicy Honor).
  const onlyZ1 = pod('p', {
    labels: { app: 'web' },
    nodeSelector: { [zoneKey]: 'z1' },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: zoneKey, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }],
  });
  assert.deepEqual(feasible(nodes, existing, onlyZ1), ['a', 'b']);
});

test('PodTopologySpread ScheduleAnyway: prefers the domain with fewer matching pods', () => {
  const nodes = [zoned('a', 'z1'), zoned('b', 'z2')];
  const existing = [pod('x1', { nodeName: 'a', labels: { app: 'web' } }), pod('x2', { nodeName: 'a', labels: { app: 'web' } })];
  const p = pod('p', { labels: { app: 'web' }, topologySpreadConstraints: [{ maxSkew: 1, topologyKey: zoneKey, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } }] });
  assert.equal(place(nodes, existing, p), 'b');
});

test('FailedScheduling: reasons counted over nodes and sorted as strings', () => {
  const master = { key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' };
  const nodes = [nodeWithTaints('m1', master), nodeWithTaints('m2', master), node('w1'), node('w2'), node('w3')];
  const p = pod('nginx', { nodeSelector: { disk: 'ssd' } });
  assert.equal(
    place(nodes, [], p),
    "FAIL: 0/5 nodes are available: 2 node(s) had untolerated taint {node-role.kubernetes.io/master: }, 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.",
  );
  assert.equal(place([], [], p), 'FAIL: no nodes available to schedule pods');
});

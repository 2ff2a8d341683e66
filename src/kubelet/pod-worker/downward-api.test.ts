import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { formatMap, podFieldValue, type NodeFields } from './downward-api.js';

const pod: Pod = {
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1', labels: { tier: 'front', app: 'web' }, annotations: { 'a.io/note': 'say "hi"' } },
  spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [{ name: 'c', image: 'busybox' }] },
};
const node: NodeFields = { nodeName: 'this-node', hostIP: '192.0.2.2', podIP: '10.42.0.7' };

describe('podFieldValue', () => {
  const cases: [string, Pod, string | undefined][] = [
    ['metadata.name', pod, 'web'],
    ['metadata.namespace', pod, 'shop'],
    ['metadata.uid', pod, 'u-1'],
    ["metadata.labels['tier']", pod, 'front'],
    ["metadata.labels['missing']", pod, undefined],
    ["metadata.annotations['a.io/note']", pod, 'say "hi"'],
    ['metadata.labels', pod, 'app="web"\ntier="front"'],
    ['metadata.annotations', pod, 'a.io/note="say \\"hi\\""'],
    ['spec.nodeName', pod, 'n1'],
    ['spec.nodeName', { ...pod, spec: { ...pod.spec!, nodeName: undefined } }, 'this-node'],
    ['spec.serviceAccountName', pod, 'sa'],
    ['status.hostIP', pod, '192.0.2.2'],
    ['status.hostIPs', pod, '192.0.2.2'],
    ['status.podIP', pod, '10.42.0.7'],
    ['status.podIPs', pod, '10.42.0.7'],
    ['status.podIP', { ...pod, spec: { ...pod.spec!, hostNetwork: true } }, '192.0.2.2'],
    ['spec.containers', pod, undefined],
  ];
  for (const [path, p, want] of cases) it(`${path}${p === pod ? '' : ' (variant)'} → ${JSON.stringify(want)}`, () => assert.equal(podFieldValue(p, path, node), want));
});

describe('formatMap', () => {
  it('sorts by key and quotes values', () => assert.equal(formatMap({ b: '2', a: 'x\ny' }), 'a="x\\ny"\nb="2"'));
  it('is empty for no map', () => {
    assert.equal(formatMap(undefined), '');
    assert.equal(formatMap({}), '');
  });
});

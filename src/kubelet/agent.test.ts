import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { workerRelevantChange } from './agent.js';
import { runtimeSignature } from './pod-worker/index.js';

const base: Pod = {
  metadata: { name: 'p', namespace: 'default', uid: 'u1', resourceVersion: '10', labels: { a: '1' }, managedFields: [{ manager: 'kubectl' }] },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
  status: { phase: 'Pending' },
};

it('wakes a pod worker only for changes it acts on', () => {
  const cases: [string, Pod, boolean][] = [
    ['own status write (new resourceVersion, managedFields, phase Running)', { ...base, metadata: { ...base.metadata, resourceVersion: '11', managedFields: [{ manager: 'kubectl' }, { manager: 'skiff-kubelet', subresource: 'status' }] }, status: { phase: 'Running', podIP: '10.42.1.2' } }, false],
    ['identical object (a relist after a watch restart)', structuredClone(base), false],
    ['deletionTimestamp set', { ...base, metadata: { ...base.metadata, resourceVersion: '11', deletionTimestamp: '2024-01-01T00:00:00Z', deletionGracePeriodSeconds: 30 } }, true],
    ['label changed (downward API)', { ...base, metadata: { ...base.metadata, labels: { a: '2' } } }, true],
    ['annotation added', { ...base, metadata: { ...base.metadata, annotations: { x: 'y' } } }, true],
    ['spec changed (image)', { ...base, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, true],
    ['moved to Failed by someone else', { ...base, status: { phase: 'Failed' } }, true],
  ];
  for (const [what, next, want] of cases) assert.equal(workerRelevantChange(base, next), want, what);
  // Already final: a further status write is not a change.
  const failed = { ...base, status: { phase: 'Failed' } };
  assert.equal(workerRelevantChange(failed, { ...failed, metadata: { ...failed.metadata, resourceVersion: '12' } }), false);
});

it('renders a runtime signature independent of listing order', () => {
  const sbs = [{ id: 's1', state: 'SANDBOX_READY' }];
  const cs = [
    { id: 'c2', state: 'CONTAINER_EXITED' },
    { id: 'c1', state: 'CONTAINER_RUNNING' },
  ];
  assert.equal(runtimeSignature(sbs, cs), runtimeSignature(sbs, [...cs].reverse()));
  assert.equal(runtimeSignature(sbs, cs), 'cc1:CONTAINER_RUNNING,cc2:CONTAINER_EXITED,ss1:SANDBOX_READY');
  assert.notEqual(runtimeSignature(sbs, cs), runtimeSignature(sbs, [{ id: 'c1', state: 'CONTAINER_EXITED' }, cs[0]]));
  assert.equal(runtimeSignature([], []), '');
});

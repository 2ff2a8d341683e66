import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from '../client/index.js';
import { recordPodEvent } from './events.js';

describe('recordPodEvent', () => {
  const calls: unknown[][] = [];
  const rec: EventRecorder = { event: (...a) => void calls.push(a), flush: async () => {}, close() {} };
  // As an informer hands it over: no apiVersion or kind.
  const pod: Pod = { metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '7' } };

  it('names the pod as a v1 Pod and passes the container as fieldPath', () => {
    calls.length = 0;
    recordPodEvent(rec, pod, { type: 'Normal', reason: 'Pulled', message: 'Container image "nginx" already present on machine', fieldPath: 'spec.containers{app}' });
    recordPodEvent(rec, pod, { type: 'Warning', reason: 'FailedMount', message: 'no volume' });
    assert.deepEqual(calls, [
      [{ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, 'Normal', 'Pulled', 'Container image "nginx" already present on machine', { fieldPath: 'spec.containers{app}' }],
      [{ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, 'Warning', 'FailedMount', 'no volume', { fieldPath: undefined }],
    ]);
  });
});

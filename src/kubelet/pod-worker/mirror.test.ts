import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ANNOTATION_MIRROR, asMirror, isMirrorPod } from './mirror.js';

const staticPod: Pod = { metadata: { name: 'etcd-n1', namespace: 'kube-system', uid: 'hash', resourceVersion: '0', labels: { a: 'b' } } };

it('recognises mirror pods by their annotation, whatever its value', () => {
  assert.equal(isMirrorPod(staticPod), false);
  assert.equal(isMirrorPod({ metadata: { annotations: { [ANNOTATION_MIRROR]: '' } } }), true);
  assert.equal(isMirrorPod({ metadata: { annotations: { [ANNOTATION_MIRROR]: 'hash' } } }), true);
});

it("names a static pod as its mirror (for events), keeping the rest of its metadata", () => {
  assert.equal(asMirror(staticPod, undefined), staticPod);
  assert.deepEqual(asMirror(staticPod, { name: 'etcd-n1', namespace: 'kube-system', uid: 'mirror-uid' }).metadata, {
    name: 'etcd-n1',
    namespace: 'kube-system',
    uid: 'mirror-uid',
    resourceVersion: undefined,
    labels: { a: 'b' },
  });
  assert.equal(staticPod.metadata!.uid, 'hash');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types.js';
import { accessModes, csiDriverPrinter, persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter, volumeAttachmentPrinter } from './storage.js';

const now = new Date('2024-05-01T12:00:00Z');
const meta = { name: 'v', creationTimestamp: new Date(now.getTime() - 5_000).toISOString() };
const row = (p: { row(o: KObject, n: Date): unknown[] }, o: object) => p.row(o as KObject, now);

test('access modes print in a fixed order, de-duplicated', () => {
  assert.equal(accessModes(['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce', 'ReadWriteOncePod', 'ReadOnlyMany']), 'RWO,ROX,RWX,RWOP');
  assert.equal(accessModes(undefined), '');
});

test('persistent volume row', () => {
  const pv = {
    metadata: meta,
    spec: {
      capacity: { storage: '10Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      claimRef: { namespace: 'default', name: 'data' },
      storageClassName: 'local',
      volumeMode: 'Filesystem',
    },
    status: { phase: 'Bound' },
  };
  assert.deepEqual(row(persistentVolumePrinter, pv), ['v', '10Gi', 'RWO', 'Retain', 'Bound', 'default/data', 'local', '<unset>', '', '5s', 'Filesystem']);
  const deleting = { ...pv, metadata: { ...meta, deletionTimestamp: meta.creationTimestamp, annotations: { 'volume.beta.kubernetes.io/storage-class': 'old' } } };
  assert.deepEqual(row(persistentVolumePrinter, deleting).slice(4, 7), ['Terminating', 'default/data', 'old']);
  assert.deepEqual(
    persistentVolumePrinter.columns.map((c) => c.name),
    ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode'],
  );
});

test('persistent volume claim row shows capacity only once bound', () => {
  const pending = { metadata: meta, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local' }, status: { phase: 'Pending' } };
  assert.deepEqual(row(persistentVolumeClaimPrinter, pending), ['v', 'Pending', '', '', '', 'local', '<unset>', '5s', '<unset>']);
  const bound = {
    metadata: meta,
    spec: { ...pending.spec, volumeName: 'pv-1', volumeMode: 'Filesystem', volumeAttributesClassName: 'gold' },
    status: { phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] },
  };
  assert.deepEqual(row(persistentVolumeClaimPrinter, bound), ['v', 'Bound', 'pv-1', '2Gi', 'RWO,ROX', 'local', 'gold', '5s', 'Filesystem']);
});

test('storage class marks the default and fills in defaults', () => {
  const sc = { metadata: { ...meta, name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'skiff.io/local-path' };
  assert.deepEqual(row(storageClassPrinter, sc), ['local-path (default)', 'skiff.io/local-path', 'Delete', 'Immediate', false, '5s']);
  const other = { metadata: meta, provisioner: 'p', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true };
  assert.deepEqual(row(storageClassPrinter, other), ['v', 'p', 'Retain', 'WaitForFirstConsumer', true, '5s']);
  const beta = { ...other, metadata: { ...meta, annotations: { 'storageclass.beta.kubernetes.io/is-default-class': 'true' } } };
  assert.equal(row(storageClassPrinter, beta)[0], 'v (default)');
});

test('CSI driver and volume attachment rows', () => {
  assert.deepEqual(row(csiDriverPrinter, { metadata: meta, spec: {} }), ['v', true, false, false, '<unset>', false, '<none>', '5s']);
  assert.deepEqual(
    row(csiDriverPrinter, { metadata: meta, spec: { attachRequired: false, tokenRequests: [{ audience: 'a' }, { audience: 'b' }], volumeLifecycleModes: ['Persistent', 'Ephemeral'] } }).slice(1, 7),
    [false, false, false, 'a,b', false, 'Persistent,Ephemeral'],
  );
  assert.deepEqual(
    row(volumeAttachmentPrinter, { metadata: meta, spec: { attacher: 'csi.x', nodeName: 'n1', source: { persistentVolumeName: 'pv-1' } }, status: { attached: true } }),
    ['v', 'csi.x', 'pv-1', 'n1', true, '5s'],
  );
});

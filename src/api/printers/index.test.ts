import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPrinter, printerFor, printers } from './index.js';
import { rfc3339 } from './default.js';

const now = new Date('2024-05-01T12:00:00Z');

test('printers are keyed <group>/<resource>', () => {
  for (const key of [
    '/pods',
    '/services',
    '/nodes',
    '/events',
    'apps/deployments',
    'batch/jobs',
    'autoscaling/horizontalpodautoscalers',
    'events.k8s.io/events',
    'storage.k8s.io/storageclasses',
    'rbac.authorization.k8s.io/rolebindings',
  ]) {
    assert.ok(printers[key], key);
  }
  assert.equal(printerFor('', 'pods'), printers['/pods']);
  assert.equal(printerFor('rbac.authorization.k8s.io', 'roles'), defaultPrinter);
  assert.equal(printerFor('', 'limitranges'), defaultPrinter);
});

test('every printer gives one cell per column, even for a bare object', () => {
  for (const [key, p] of Object.entries(printers)) {
    const row = p.row({ metadata: { name: 'n' } }, now);
    assert.equal(row.length, p.columns.length, key);
    assert.ok(
      p.columns.every((c) => c.priority === 0 || c.priority === 1),
      key,
    );
    // Every table except events opens with the object's name, as kubectl expects for -o name and sorting.
    if (!key.endsWith('/events')) assert.equal(p.columns[0]!.name, 'Name', key);
  }
});

test('default printer: NAME and CREATED AT in RFC 3339, UTC, whole seconds', () => {
  assert.deepEqual(
    defaultPrinter.columns.map((c) => [c.name, c.type]),
    [
      ['Name', 'string'],
      ['Created At', 'date'],
    ],
  );
  assert.deepEqual(defaultPrinter.row({ metadata: { name: 'admin', creationTimestamp: '2024-04-30T10:11:12Z' } }, now), ['admin', '2024-04-30T10:11:12Z']);
  assert.equal(rfc3339('2024-04-30T12:11:12.987+02:00'), '2024-04-30T10:11:12Z');
  assert.equal(rfc3339(undefined), '0001-01-01T00:00:00Z');
});

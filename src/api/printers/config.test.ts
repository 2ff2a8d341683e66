import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types.js';
import { configMapPrinter, quotaCells, resourceQuotaPrinter, secretPrinter, serviceAccountPrinter } from './config.js';

const now = new Date('2024-05-01T12:00:00Z');
const meta = { name: 'c', creationTimestamp: new Date(now.getTime() - 600_000).toISOString() };
const row = (p: { row(o: KObject, n: Date): unknown[] }, o: object) => p.row(o as KObject, now);

test('secret, config map and service account rows count their entries', () => {
  assert.deepEqual(row(secretPrinter, { metadata: meta, type: 'Opaque', data: { a: 'eA==', b: 'eQ==' } }), ['c', 'Opaque', 2, '10m']);
  assert.deepEqual(row(secretPrinter, { metadata: meta, type: 'kubernetes.io/tls' }), ['c', 'kubernetes.io/tls', 0, '10m']);
  assert.deepEqual(row(configMapPrinter, { metadata: meta, data: { a: '1' }, binaryData: { b: 'AA==' } }), ['c', 2, '10m']);
  assert.deepEqual(row(serviceAccountPrinter, { metadata: meta }), ['c', 0, '10m']);
  assert.deepEqual(row(serviceAccountPrinter, { metadata: meta, secrets: [{ name: 's' }] }), ['c', 1, '10m']);
});

test('resource quota splits requests from limits, sorted by resource', () => {
  const quota = {
    metadata: meta,
    status: {
      hard: { 'requests.memory': '1Gi', pods: '10', 'limits.cpu': '2', 'requests.cpu': '1', 'limits.memory': '2Gi' },
      used: { 'requests.cpu': '500m', pods: '3', 'limits.cpu': '1' },
    },
  };
  assert.deepEqual(quotaCells(quota), ['pods: 3/10, requests.cpu: 500m/1, requests.memory: 0/1Gi', 'limits.cpu: 1/2, limits.memory: 0/2Gi']);
  assert.deepEqual(row(resourceQuotaPrinter, quota).slice(0, 2), ['c', '10m']);
  assert.deepEqual(row(resourceQuotaPrinter, { metadata: meta }), ['c', '10m', '', '']);
  assert.deepEqual(
    resourceQuotaPrinter.columns.map((c) => c.name),
    ['Name', 'Age', 'Request', 'Limit'],
  );
});

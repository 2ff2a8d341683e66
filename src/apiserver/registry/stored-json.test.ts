import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../api/types.js';
import { servedJson, storedJson } from './stored-json.js';

describe('stored JSON', () => {
  const cases: [string, KObject][] = [
    ['keys in client order, with a resourceVersion', { spec: { template: { metadata: { name: 'inner' } } }, metadata: { name: 'x', resourceVersion: '9', labels: { a: 'b' } }, kind: 'Deployment', apiVersion: 'apps/v1' } as KObject],
    ['empty metadata', { apiVersion: 'v1', kind: 'Namespace', metadata: {} } as KObject],
    ['strings that look like JSON', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'q', annotations: { x: '"metadata":{"resourceVersion":"1"}' } }, data: { k: '}{' } } as KObject],
  ];
  for (const [name, obj] of cases) {
    it(`served form parses to the object with its resourceVersion: ${name}`, () => {
      const stored = storedJson(obj);
      assert.ok(stored.startsWith('{"apiVersion":'));
      assert.equal((JSON.parse(stored) as KObject).metadata?.resourceVersion, undefined);
      const served = servedJson(stored, 1234)!;
      const want = structuredClone(obj);
      want.metadata = { ...want.metadata, resourceVersion: '1234' };
      assert.deepEqual(JSON.parse(served), want);
    });
  }

  it('declines text that is not in stored form', () => {
    assert.equal(servedJson('{"kind":"Pod","apiVersion":"v1","metadata":{}}', 1), undefined);
    assert.equal(servedJson('{"apiVersion":"v1","kind":"Pod","spec":{}}', 1), undefined);
  });
});

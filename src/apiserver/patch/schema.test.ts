import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Typer, definitionsLookup, type Schema } from './schema.js';

const defs: Record<string, Schema> = {
  Item: { type: 'object', properties: { name: { type: 'string' } } },
  Sel: { type: 'object', properties: { m: { type: 'object', additionalProperties: { type: 'string' } } }, 'x-kubernetes-map-type': 'atomic' },
};
const typer = new Typer(definitionsLookup(defs));

describe('Typer.nodeType', () => {
  const cases: Array<[string, Schema | undefined, unknown]> = [
    ['no schema', undefined, { kind: 'untyped' }],
    ['scalar', { type: 'integer' }, { kind: 'scalar' }],
    ['int-or-string', { type: 'string', 'x-kubernetes-int-or-string': true }, { kind: 'scalar' }],
    ['string map', { type: 'object', additionalProperties: { type: 'string' } }, { kind: 'map', atomic: false, elem: { type: 'string' } }],
    ['explicit list-type map', { type: 'array', items: { $ref: '#/definitions/Item' }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] }, { kind: 'list', listType: 'map', keys: ['name'], elem: { $ref: '#/definitions/Item' } }],
    ['merge key implies a keyed list', { type: 'array', items: { type: 'object' }, 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' }, { kind: 'list', listType: 'map', keys: ['name'], elem: { type: 'object' } }],
    ['merge without key implies a set', { type: 'array', items: { type: 'string' }, 'x-kubernetes-patch-strategy': 'merge' }, { kind: 'list', listType: 'set', keys: [], elem: { type: 'string' } }],
    ['plain list is atomic', { type: 'array', items: { type: 'string' } }, { kind: 'list', listType: 'atomic', keys: [], elem: { type: 'string' } }],
    ['object without fields is untyped', { type: 'object' }, { kind: 'untyped' }],
  ];
  for (const [name, s, want] of cases) it(name, () => assert.deepEqual(typer.nodeType(s), want));

  it('follows $ref and keeps the atomic marker of the target', () => {
    const t = typer.nodeType({ $ref: '#/definitions/Sel' });
    assert.equal(t.kind, 'struct');
    assert.equal(t.kind === 'struct' && t.atomic, true);
  });
  it('extensions beside a $ref win over the target', () => {
    const meta = typer.patchMeta({ $ref: '#/definitions/Item', 'x-kubernetes-patch-strategy': 'merge,retainKeys', 'x-kubernetes-patch-merge-key': 'name' });
    assert.deepEqual(meta, { strategy: 'merge', mergeKey: 'name' });
  });
  it('follows a single allOf (OpenAPI v3 style)', () => {
    assert.equal(typer.nodeType({ allOf: [{ $ref: '#/components/schemas/Item' }] }).kind, 'struct');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldSet, fieldPE, keyPE, pathString, valuePE } from './fieldpath.js';

const spec = fieldPE('spec');
const containers = fieldPE('containers');
const nginx = keyPE({ name: 'nginx' });

describe('path elements', () => {
  const cases: Array<[string[], string]> = [
    [[spec, fieldPE('replicas')], '.spec.replicas'],
    [[spec, containers, nginx, fieldPE('image')], '.spec.containers[name="nginx"].image'],
    [[fieldPE('ports'), keyPE({ protocol: 'TCP', containerPort: 80 })], '.ports[containerPort=80,protocol="TCP"]'],
    [[fieldPE('finalizers'), valuePE('a')], '.finalizers[="a"]'],
    [[fieldPE('list'), 'i:3'], '.list[3]'],
  ];
  for (const [path, want] of cases) it(want, () => assert.equal(pathString(path), want));
  it('sorts key fields so equal keys encode equally', () => {
    assert.equal(keyPE({ protocol: 'TCP', containerPort: 80 }), 'k:{"containerPort":80,"protocol":"TCP"}');
  });
});

describe('FieldSet', () => {
  const a = FieldSet.of([spec, fieldPE('replicas')], [spec, containers, nginx], [spec, containers, nginx, fieldPE('image')]);
  const b = FieldSet.of([spec, fieldPE('replicas')], [fieldPE('metadata'), fieldPE('labels'), fieldPE('x')]);

  it('encodes FieldsV1 with "." for members that have children', () => {
    assert.deepEqual(a.toFieldsV1(), {
      'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {} } }, 'f:replicas': {} },
    });
  });
  it('round-trips FieldsV1', () => {
    const back = FieldSet.fromFieldsV1(a.toFieldsV1());
    assert.deepEqual(back.paths(), a.paths());
    assert.ok(back.has([spec, containers, nginx]));
    assert.ok(!back.has([spec, containers]));
  });
  it('union, intersection and difference work on exact paths', () => {
    assert.deepEqual(a.intersection(b).paths(), [[spec, fieldPE('replicas')]]);
    assert.deepEqual(a.difference(b).paths(), [[spec, containers, nginx], [spec, containers, nginx, fieldPE('image')]]);
    assert.equal(a.union(b).paths().length, 4);
    // Removing a member leaves its children.
    assert.deepEqual(a.difference(FieldSet.of([spec, containers, nginx])).paths(), [
      [spec, containers, nginx, fieldPE('image')],
      [spec, fieldPE('replicas')],
    ]);
  });
  it('ignores junk in FieldsV1', () => {
    assert.deepEqual(FieldSet.fromFieldsV1({ bogus: {}, 'f:a': 'x', 'f:b': {} }).paths(), [[fieldPE('b')]]);
    assert.ok(FieldSet.fromFieldsV1(null).isEmpty());
  });
});

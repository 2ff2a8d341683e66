import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldSet, fieldPE, keyPE } from './fieldpath.js';
import { Typer } from './schema.js';
import { lookup, podSchema } from './test-schemas.js';
import { TypedValueError, TypedWalker } from './typed.js';

const w = new TypedWalker(new Typer(lookup));
const withContainers = (...names: string[]) => ({ spec: { containers: names.map((name) => ({ name })) } });
const names = (v: unknown) => ((v as { spec: { containers: Array<{ name: string }> } }).spec.containers).map((c) => c.name);

describe('TypedWalker.merge keeps structured-merge-diff list order', () => {
  const cases: Array<[string[], string[], string[]]> = [
    [['a', 'b'], ['b'], ['a', 'b']],
    [['a'], ['n'], ['a', 'n']],
    [['a', 'b'], ['b', 'a'], ['b', 'a']],
    [['b', 'c', 'a'], ['a', 'b'], ['c', 'a', 'b']],
    [['x', 'a', 'y'], ['a', 'n'], ['x', 'a', 'y', 'n']],
  ];
  for (const [live, applied, want] of cases) {
    it(`${live} + ${applied}`, () => assert.deepEqual(names(w.merge(withContainers(...live), withContainers(...applied), podSchema)), want));
  }
});

describe('TypedWalker keys', () => {
  it('fills a key field from its default', () => {
    const set = w.toFieldSet({ spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] } }, podSchema);
    assert.ok(set.has([fieldPE('spec'), fieldPE('containers'), keyPE({ name: 'c' }), fieldPE('ports'), keyPE({ containerPort: 80, protocol: 'TCP' })]));
  });
  it('refuses an item without its key', () => {
    assert.throws(() => w.toFieldSet({ spec: { containers: [{ image: 'x' }] } }, podSchema), /omits key field "name"/);
    assert.throws(() => w.toFieldSet({ spec: { containers: [{ image: 'x' }] } }, podSchema), TypedValueError);
  });
});

describe('TypedWalker.compare', () => {
  it('reports added, modified and removed paths', () => {
    const c = w.compare({ spec: { replicas: 1, restartPolicy: 'Always' } }, { spec: { replicas: 2, containers: [{ name: 'a' }] } }, podSchema);
    assert.deepEqual(c.modified.paths(), [[fieldPE('spec'), fieldPE('replicas')]]);
    assert.deepEqual(c.removed.paths(), [[fieldPE('spec'), fieldPE('restartPolicy')]]);
    assert.ok(c.added.has([fieldPE('spec'), fieldPE('containers'), keyPE({ name: 'a' }), fieldPE('name')]));
  });
});

describe('TypedWalker.prune', () => {
  it('drops a struct field nobody holds anything under', () => {
    const v = { spec: { replicas: 1, strategy: { rollingUpdate: { maxSurge: '1', maxUnavailable: '0' } } } };
    const last = FieldSet.of([fieldPE('spec'), fieldPE('strategy'), fieldPE('rollingUpdate'), fieldPE('maxSurge')], [fieldPE('spec'), fieldPE('replicas')]);
    const owned = FieldSet.of([fieldPE('spec'), fieldPE('replicas')]);
    assert.deepEqual(w.prune(v, last, owned, podSchema), { spec: { replicas: 1 } });
  });
  it('removes list items given up and keeps those still held', () => {
    const v = withContainers('a', 'b', 'c');
    const items = (n: string) => [fieldPE('spec'), fieldPE('containers'), keyPE({ name: n })];
    const last = FieldSet.of(items('a'), items('b'), items('c'));
    assert.deepEqual(names(w.prune(v, last, FieldSet.of(items('b')), podSchema)), ['b']);
  });
});

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

describe('TypedWalker.addedFields', () => {
  // Every example manifest of the seeds, defaulted like a create would store it,
  // against the real generated schemas: the fast path must equal compare({}, v).added.
  it('equals compare({}, v).added on the examples, with the real schemas', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { parseAllDocuments } = await import('yaml');
    const { definitions, schemaFor } = await import('../openapi/index.js');
    const { definitionsLookup } = await import('./schema.js');
    const { findByKind } = await import('../../api/kinds.js');
    const real = new TypedWalker(new Typer(definitionsLookup(definitions() as never)));
    const dir = join(import.meta.dirname, '..', '..', '..', ...(import.meta.dirname.includes('/dist/') ? ['..'] : []), 'examples');
    let checked = 0;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
        const obj = doc.toJS() as { apiVersion: string; kind: string };
        const rt = findByKind(obj.apiVersion, obj.kind);
        if (!rt) continue;
        rt.strategy.default?.(obj as never);
        rt.strategy.prepareForCreate?.(obj as never);
        const schema = schemaFor({ group: rt.group, version: rt.version, kind: rt.kind });
        const want = real.compare({}, obj, schema).added;
        assert.deepEqual(real.addedFields(obj, schema).toFieldsV1(), want.toFieldsV1(), f);
        checked++;
      }
    }
    assert.ok(checked >= 30, `checked ${checked} examples`);
  });

  it('equals compare on the hand-made pod schema', () => {
    const w = new TypedWalker(new Typer(lookup));
    const pod = { metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, protocol: 'TCP' }] }], finalizers: ['x'] } };
    assert.deepEqual(w.addedFields(pod, podSchema).toFieldsV1(), w.compare({}, pod, podSchema).added.toFieldsV1());
  });
});

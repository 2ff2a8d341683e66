import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusError } from '../../api/errors.js';
import { strategicMergePatch } from './strategic-merge-patch.js';
import { lookup, podSchema } from './test-schemas.js';

const c = (name: string, image = 'img', more: object = {}) => ({ name, image, ...more });
const pod = (spec: object, metadata: object = { name: 'p' }) => ({ apiVersion: 'v1', kind: 'Pod', metadata, spec });

describe('strategicMergePatch', () => {
  const cases: Array<{ name: string; live: object; patch: object; want: object }> = [
    {
      name: 'containers merge by name',
      live: pod({ containers: [c('a', '1'), c('b', '1')] }),
      patch: { spec: { containers: [{ name: 'b', image: '2' }] } },
      want: pod({ containers: [c('a', '1'), c('b', '2')] }),
    },
    {
      name: 'a new container goes before the live ones, as patch.go orders it',
      live: pod({ containers: [c('a')] }),
      patch: { spec: { containers: [c('n')] } },
      want: pod({ containers: [c('n'), c('a')] }),
    },
    {
      name: 'patch items keep patch order, live-only items keep their place',
      live: pod({ containers: [c('a'), c('b'), c('c')] }),
      patch: { spec: { containers: [{ name: 'c', image: 'x' }, { name: 'b', image: 'y' }] } },
      want: pod({ containers: [c('a'), c('c', 'x'), c('b', 'y')] }),
    },
    {
      name: '$setElementOrder orders the merged list',
      live: pod({ containers: [c('a'), c('b')] }),
      patch: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'n' }, { name: 'a' }], containers: [c('n')] } },
      want: pod({ containers: [c('b'), c('n'), c('a')] }),
    },
    {
      name: '$setElementOrder alone reorders',
      live: pod({ containers: [c('a'), c('b'), c('c')] }),
      patch: { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }, { name: 'b' }] } },
      want: pod({ containers: [c('c'), c('a'), c('b')] }),
    },
    {
      name: '$patch: delete removes a list item by key',
      live: pod({ containers: [c('a'), c('b')] }),
      patch: { spec: { containers: [{ name: 'a', $patch: 'delete' }] } },
      want: pod({ containers: [c('b')] }),
    },
    {
      name: '$patch: replace makes the patch items the whole list',
      live: pod({ containers: [c('a'), c('b')] }),
      patch: { spec: { containers: [c('z'), { $patch: 'replace' }] } },
      want: pod({ containers: [c('z')] }),
    },
    {
      name: '$patch: replace on a map',
      live: pod({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '1' } } }),
      patch: { spec: { strategy: { $patch: 'replace', type: 'Recreate' } } },
      want: pod({ strategy: { type: 'Recreate' } }),
    },
    {
      name: '$patch: delete on a map empties it',
      live: pod({}, { name: 'p', labels: { a: '1' } }),
      patch: { metadata: { labels: { $patch: 'delete' } } },
      want: pod({}, { name: 'p', labels: {} }),
    },
    {
      name: '$retainKeys drops the keys it does not list',
      live: pod({ volumes: [{ name: 'v', emptyDir: {} }, { name: 'w', emptyDir: {} }] }),
      patch: { spec: { volumes: [{ name: 'v', hostPath: { path: '/x' }, $retainKeys: ['hostPath', 'name'] }] } },
      want: pod({ volumes: [{ name: 'v', hostPath: { path: '/x' } }, { name: 'w', emptyDir: {} }] }),
    },
    {
      name: '$deleteFromPrimitiveList removes scalars',
      live: pod({}, { name: 'p', finalizers: ['a', 'b', 'c'] }),
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
      want: pod({}, { name: 'p', finalizers: ['a', 'c'] }),
    },
    {
      name: 'a primitive list with merge strategy is a set union',
      live: pod({}, { name: 'p', finalizers: ['a', 'b'] }),
      patch: { metadata: { finalizers: ['b', 'c'] } },
      want: pod({}, { name: 'p', finalizers: ['a', 'b', 'c'] }),
    },
    {
      name: '$setElementOrder on a primitive list',
      live: pod({}, { name: 'p', finalizers: ['a', 'b', 'c'] }),
      patch: { metadata: { '$setElementOrder/finalizers': ['c', 'a', 'b'] } },
      want: pod({}, { name: 'p', finalizers: ['c', 'a', 'b'] }),
    },
    {
      name: 'kubectl-style delete + order together',
      live: pod({}, { name: 'p', finalizers: ['a', 'b', 'c'] }),
      patch: { metadata: { '$setElementOrder/finalizers': ['c', 'a'], '$deleteFromPrimitiveList/finalizers': ['b'] } },
      want: pod({}, { name: 'p', finalizers: ['c', 'a'] }),
    },
    {
      name: 'a list without merge strategy is replaced',
      live: pod({ tolerations: [{ key: 'a' }, { key: 'b' }] }),
      patch: { spec: { tolerations: [{ key: 'c' }] } },
      want: pod({ tolerations: [{ key: 'c' }] }),
    },
    {
      name: 'null removes a map key, other keys merge',
      live: pod({}, { name: 'p', labels: { a: '1', b: '2' } }),
      patch: { metadata: { labels: { a: null, c: '3' } } },
      want: pod({}, { name: 'p', labels: { b: '2', c: '3' } }),
    },
    {
      name: 'nested keyed lists merge (env by name, ports by containerPort)',
      live: pod({ containers: [c('a', 'i', { env: [{ name: 'X', value: '1' }], ports: [{ containerPort: 80 }] })] }),
      patch: { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '2' }, { name: 'Y', value: '3' }], ports: [{ containerPort: 443 }] }] } },
      want: pod({
        containers: [
          c('a', 'i', {
            env: [
              { name: 'X', value: '2' },
              { name: 'Y', value: '3' },
            ],
            ports: [{ containerPort: 443 }, { containerPort: 80 }],
          }),
        ],
      }),
    },
    {
      name: 'directives are processed when the live object lacks the field',
      live: pod({}),
      patch: { spec: { volumes: [{ name: 'gone', $patch: 'delete' }, { name: 'v', emptyDir: {} }] } },
      want: pod({ volumes: [{ name: 'v', emptyDir: {} }] }),
    },
    {
      name: 'unknown fields: maps merge, lists are replaced',
      live: pod({ extra: { a: 1, list: [1, 2] } }),
      patch: { spec: { extra: { b: 2, list: [3] } } },
      want: pod({ extra: { a: 1, b: 2, list: [3] } }),
    },
    {
      name: 'a value of another kind replaces',
      live: pod({ restartPolicy: { odd: true } }),
      patch: { spec: { restartPolicy: 'Always' } },
      want: pod({ restartPolicy: 'Always' }),
    },
    {
      name: 'an empty merge list changes nothing',
      live: pod({ containers: [c('a')] }),
      patch: { spec: { containers: [] } },
      want: pod({ containers: [c('a')] }),
    },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const before = JSON.stringify(t.live);
      const patchBefore = JSON.stringify(t.patch);
      assert.deepEqual(strategicMergePatch(t.live, t.patch, podSchema, lookup), t.want);
      assert.equal(JSON.stringify(t.live), before, 'live must not change');
      assert.equal(JSON.stringify(t.patch), patchBefore, 'patch must not change');
    });
  }

  it('without a schema merges maps and replaces lists', () => {
    const live = { spec: { containers: [c('a')], labels: { x: '1' } } };
    assert.deepEqual(strategicMergePatch(live, { spec: { containers: [c('b')], labels: { y: '2' } } }), {
      spec: { containers: [c('b')], labels: { x: '1', y: '2' } },
    });
  });

  const failures: Array<{ name: string; live: object; patch: object; code: number; message: string | RegExp }> = [
    {
      name: 'a merge-list item without its merge key',
      live: pod({ containers: [c('a')] }),
      patch: { spec: { containers: [{ image: 'x' }] } },
      code: 400,
      message: 'map: map[image:x] does not contain declared merge key: name',
    },
    { name: '$patch: merge in a list', live: pod({ containers: [c('a')] }), patch: { spec: { containers: [{ name: 'a', $patch: 'merge' }] } }, code: 400, message: 'merging lists cannot yet be specified in the patch' },
    { name: 'an unknown $patch in a map', live: pod({}), patch: { spec: { $patch: 'explode' } }, code: 400, message: /^unknown patch type: explode in map:/ },
    {
      name: 'a key outside $retainKeys',
      live: pod({ volumes: [{ name: 'v' }] }),
      patch: { spec: { volumes: [{ name: 'v', hostPath: {}, $retainKeys: ['name'] }] } },
      code: 400,
      message: 'invalid patch format of retainKeys',
    },
    { name: '$retainKeys that is not a list', live: pod({}), patch: { spec: { $retainKeys: 'name' } }, code: 400, message: 'invalid patch format of retainKeys' },
    { name: '$deleteFromPrimitiveList that is not a list', live: pod({}, { finalizers: ['a'] }), patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, code: 400, message: 'invalid patch format of primitive list' },
    {
      name: '$setElementOrder that disagrees with the patch list',
      live: pod({ containers: [c('a'), c('b')] }),
      patch: { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [c('b')] } },
      code: 400,
      message: /doesn't match \$setElementOrder list/,
    },
    { name: 'a list of lists', live: pod({}, { finalizers: [] }), patch: { metadata: { finalizers: [['x']] } }, code: 422, message: 'the server rejected our request due to an error in our request' },
    { name: 'mixed element kinds', live: pod({}, { finalizers: ['a'] }), patch: { metadata: { finalizers: [1] } }, code: 400, message: /list element types are not identical/ },
  ];
  for (const f of failures) {
    it(`refuses ${f.name}`, () => {
      assert.throws(
        () => strategicMergePatch(f.live, f.patch, podSchema, lookup),
        (e: unknown) => {
          assert.ok(e instanceof StatusError, String(e));
          assert.equal(e.code, f.code);
          if (typeof f.message === 'string') assert.equal(e.message, f.message);
          else assert.match(e.message, f.message);
          return true;
        },
      );
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import { StatusError } from '../../api/errors.js';
import { managerFromUserAgent, serverSideApply, updateManagedFields, validateFieldManager } from './apply.js';
import { lookup, podSchema } from './test-schemas.js';
import type { JsonObject } from './util.js';

const t0 = new Date('2024-05-01T10:00:00.123Z');
const t1 = new Date('2024-05-01T11:00:00Z');
const schema = { schema: podSchema, lookup };

type Obj = JsonObject & { metadata: JsonObject & { managedFields?: ManagedFieldsEntry[] }; spec?: JsonObject };

function apply(live: object | undefined, applied: object, manager = 'kubectl', force = false, now = t0) {
  return serverSideApply<Obj>({ live, applied, manager, force, apiVersion: 'v1', now, ...schema });
}

function update(live: object | undefined, updated: object, manager: string, now = t0, subresource?: string) {
  return updateManagedFields<Obj>({ live, updated, manager, operation: 'Update', apiVersion: 'v1', now, subresource, ...schema });
}

function entry(obj: Obj, manager: string, operation = 'Apply'): ManagedFieldsEntry | undefined {
  return obj.metadata.managedFields?.find((e) => e.manager === manager && e.operation === operation);
}

function withoutMF(obj: Obj): JsonObject {
  const { managedFields: _mf, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function conflictOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e;
  }
  assert.fail('expected a conflict');
}

const config = (spec: object, labels: object = { app: 'web' }) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels }, spec });

describe('serverSideApply', () => {
  it('creates an object and records the exact FieldsV1 of the configuration', () => {
    const applied = config({
      replicas: 2,
      containers: [{ name: 'nginx', image: 'nginx:1', ports: [{ containerPort: 80 }] }],
      selector: { matchLabels: { app: 'web' } },
      tolerations: [{ key: 'k' }],
      nodeSelector: { disk: 'ssd' },
    });
    const r = apply(undefined, applied);
    assert.deepEqual(withoutMF(r.object), applied);
    assert.equal(r.changed, true);
    assert.deepEqual(r.managedFields, [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'v1',
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:name': {},
                'f:image': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
            'f:selector': {},
            'f:tolerations': {},
            'f:nodeSelector': {},
          },
        },
      },
    ]);
    assert.deepEqual(r.object.metadata.managedFields, r.managedFields);
  });

  it('removes what the applier stopped applying, and keeps what others own', () => {
    const first = apply(undefined, config({ replicas: 2, containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] }, { app: 'web', tier: 'x' }));
    const second = apply(first.object, config({ containers: [{ name: 'a', image: '1' }] }));
    assert.deepEqual(withoutMF(second.object), config({ containers: [{ name: 'a', image: '1' }] }));

    // Another applier sharing a field keeps it alive.
    const shared = apply(first.object, config({ replicas: 2 }, {}), 'other');
    const dropped = apply(shared.object, config({ containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] }, { app: 'web', tier: 'x' }));
    assert.equal(dropped.object.spec!.replicas, 2);
    assert.ok(entry(dropped.object, 'other'));
  });

  it('merges keyed lists and sets into the live object, replaces atomic ones', () => {
    const live = update(undefined, {
      ...config({ containers: [{ name: 'side', image: 's' }], tolerations: [{ key: 'a' }, { key: 'b' }] }),
      metadata: { name: 'p', labels: { app: 'web' }, finalizers: ['x'] },
    }, 'kubectl-create').object;
    const r = apply(live, {
      ...config({ containers: [{ name: 'main', image: 'm' }], tolerations: [{ key: 'c' }] }),
      metadata: { name: 'p', labels: { app: 'web' }, finalizers: ['y'] },
    }, 'kubectl', true);
    assert.deepEqual(r.object.spec!.containers, [{ name: 'side', image: 's' }, { name: 'main', image: 'm' }]);
    assert.deepEqual(r.object.spec!.tolerations, [{ key: 'c' }]);
    assert.deepEqual(r.object.metadata.finalizers, ['x', 'y']);
    assert.deepEqual((entry(r.object, 'kubectl')!.fieldsV1 as JsonObject)['f:metadata'], { 'f:labels': { 'f:app': {} }, 'f:finalizers': { 'v:"y"': {} } });
  });

  it('create then apply of the same values: no conflict, ownership is shared', () => {
    const created = update(undefined, config({ replicas: 1, containers: [{ name: 'c', image: 'i' }] }), 'kubectl-create').object;
    const r = apply(created, config({ replicas: 1, containers: [{ name: 'c', image: 'i' }] }));
    assert.equal(r.changed, false);
    assert.ok(entry(r.object, 'kubectl-create', 'Update'));
    assert.ok(entry(r.object, 'kubectl', 'Apply'));
    assert.deepEqual(r.managedFields.map((e) => e.operation), ['Apply', 'Update']);
  });

  it('a changed value owned by another manager is a 409 with Kubernetes wording', () => {
    const created = updateManagedFields<Obj>({
      live: undefined,
      updated: { ...config({ replicas: 1 }), apiVersion: 'apps/v1', kind: 'Deployment' },
      manager: 'kubectl-client-side-apply',
      apiVersion: 'apps/v1',
      now: t0,
      ...schema,
    }).object;
    const e = conflictOf(() =>
      serverSideApply({ live: created, applied: { ...config({ replicas: 3 }), apiVersion: 'apps/v1', kind: 'Deployment' }, manager: 'kubectl', apiVersion: 'apps/v1', now: t1, ...schema }),
    );
    assert.equal(e.code, 409);
    assert.equal(e.reason, 'Conflict');
    assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    assert.deepEqual(e.status.details?.causes, [{ type: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }]);
  });

  it('lists several conflicts grouped by manager', () => {
    const a = apply(undefined, config({ replicas: 1, containers: [{ name: 'c', image: 'old' }] }), 'alpha');
    const e = conflictOf(() => apply(a.object, config({ replicas: 2, containers: [{ name: 'c', image: 'new' }] }), 'beta'));
    assert.equal(e.message, 'Apply failed with 2 conflicts: conflicts with "alpha":\n- .spec.containers[name="c"].image\n- .spec.replicas');
    assert.deepEqual(
      e.status.details?.causes?.map((c) => c.field),
      ['.spec.containers[name="c"].image', '.spec.replicas'],
    );
  });

  it('force moves ownership to the applier', () => {
    const a = apply(undefined, config({ replicas: 1 }), 'alpha');
    const r = apply(a.object, config({ replicas: 5 }), 'beta', true, t1);
    assert.equal(r.object.spec!.replicas, 5);
    assert.deepEqual(entry(r.object, 'alpha')!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:app': {} } } });
    assert.deepEqual(entry(r.object, 'beta')!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } });
    assert.equal(entry(r.object, 'beta')!.time, '2024-05-01T11:00:00Z');
  });

  it('apply, then an edit by another manager, then re-apply conflicts', () => {
    const applied = apply(undefined, config({ replicas: 2 }));
    const edited = update(applied.object, { ...applied.object, spec: { replicas: 7 } }, 'kubectl-edit', t1).object;
    // The applier lost the field to the editor.
    assert.deepEqual(entry(edited, 'kubectl')!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:app': {} } } });
    assert.deepEqual(entry(edited, 'kubectl-edit', 'Update')!.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    const e = conflictOf(() => apply(edited, config({ replicas: 2 })));
    assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .spec.replicas');
    // Applying the value the editor set is no conflict.
    assert.equal(apply(edited, config({ replicas: 7 })).object.spec!.replicas, 7);
  });

  it('an object never tracked belongs to before-first-apply', () => {
    const legacy = config({ replicas: 1 });
    const ok = apply(legacy, config({ replicas: 1 }));
    assert.ok(entry(ok.object, 'before-first-apply', 'Update'));
    const e = conflictOf(() => apply(legacy, config({ replicas: 4 })));
    assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .spec.replicas');
  });

  it('keeps the old time when nothing changed', () => {
    const a = apply(undefined, config({ replicas: 1 }));
    const again = apply(a.object, config({ replicas: 1 }), 'kubectl', false, t1);
    assert.equal(again.changed, false);
    assert.equal(entry(again.object, 'kubectl')!.time, '2024-05-01T10:00:00Z');
  });

  it('a null in the configuration clears the field and claims it', () => {
    const a = update(undefined, config({ replicas: 1, restartPolicy: 'Always' }), 'kubectl-create').object;
    const r = apply(a, { ...config({ restartPolicy: null }) }, 'kubectl', true);
    assert.equal('restartPolicy' in r.object.spec!, false);
  });

  const invalid: Array<{ name: string; run: () => unknown; code: number; message: string }> = [
    {
      name: 'no field manager',
      run: () => serverSideApply({ live: undefined, applied: config({}), manager: '', apiVersion: 'v1' }),
      code: 422,
      message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    },
    {
      name: 'managedFields in the configuration',
      run: () => apply(undefined, { ...config({}), metadata: { name: 'p', managedFields: [] } }),
      code: 400,
      message: 'metadata.managedFields must be nil',
    },
    {
      name: 'another apiVersion',
      run: () => apply(undefined, { ...config({}), apiVersion: 'v2' }),
      code: 400,
      message: 'Incorrect version specified in apply patch. Specified patch version: v2, expected: v1',
    },
    {
      name: 'duplicate keys in a keyed list',
      run: () => apply(undefined, config({ containers: [{ name: 'a' }, { name: 'a' }] })),
      code: 400,
      message: 'failed to create typed patch object: .spec.containers: duplicate entries for key [name="a"]',
    },
  ];
  for (const c of invalid) {
    it(`refuses ${c.name}`, () => {
      const e = conflictOf(c.run);
      assert.equal(e.code, c.code);
      assert.equal(e.message, c.message);
    });
  }
});

describe('updateManagedFields', () => {
  it('records a create as an Update entry, maps and new list items with "."', () => {
    const r = update(undefined, config({ replicas: 1, containers: [{ name: 'c', image: 'i' }] }), 'kubectl-create');
    assert.deepEqual(r.managedFields, [
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'v1',
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': { 'f:replicas': {}, 'f:containers': { '.': {}, 'k:{"name":"c"}': { '.': {}, 'f:name': {}, 'f:image': {} } } },
        },
      },
    ]);
  });

  it('a removal takes the field from its owner', () => {
    const a = apply(undefined, config({ replicas: 1 }, { app: 'web', tier: 'x' }));
    const edited = update(a.object, { ...a.object, metadata: { ...a.object.metadata, labels: { app: 'web' } } }, 'kubectl-edit', t1);
    assert.deepEqual(entry(edited.object, 'kubectl')!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } });
    // Nothing added or changed: the editor gets no entry.
    assert.equal(entry(edited.object, 'kubectl-edit', 'Update'), undefined);
  });

  it('a write that changes nothing leaves managedFields alone', () => {
    const created = update(undefined, config({ replicas: 1 }), 'kubectl-create').object;
    const r = update(created, created, 'someone', t1);
    assert.equal(r.changed, false);
    assert.deepEqual(r.managedFields, created.metadata.managedFields);
  });

  it('keeps separate entries per subresource and merges repeated updates', () => {
    const created = update(undefined, config({ replicas: 1 }), 'kubectl-create').object;
    const s1 = update(created, { ...created, status: { phase: 'Pending' } }, 'kubelet', t1, 'status').object;
    const s2 = update(s1, { ...s1, status: { phase: 'Running', podIP: '10.42.0.5' } }, 'kubelet', t1, 'status').object;
    const e = s2.metadata.managedFields!.find((x) => x.manager === 'kubelet')!;
    assert.equal(e.subresource, 'status');
    assert.deepEqual(e.fieldsV1, { 'f:status': { 'f:phase': {}, 'f:podIP': {} } });
  });

  it('an object that exists untracked stays untracked', () => {
    const r = update(config({ replicas: 1 }), config({ replicas: 2 }), 'someone');
    assert.deepEqual(r.managedFields, []);
    assert.equal('managedFields' in r.object.metadata, false);
  });

  it('managedFields sent by the client replace the stored ones; [{}] resets them', () => {
    const created = update(undefined, config({ replicas: 1 }), 'kubectl-create').object;
    const reset = update(created, { ...created, metadata: { ...created.metadata, managedFields: [{}] } }, 'someone', t1);
    assert.deepEqual(reset.managedFields, []);
    const kept = update(created, { ...created, metadata: { ...created.metadata, managedFields: [] } }, 'someone', t1);
    assert.deepEqual(kept.managedFields, created.metadata.managedFields);
  });
});

describe('field manager names', () => {
  it('validates length and printable characters', () => {
    assert.doesNotThrow(() => validateFieldManager('kubectl', true));
    assert.doesNotThrow(() => validateFieldManager('', false));
    assert.throws(() => validateFieldManager('x'.repeat(129), false), /fieldManager: Too long/);
    assert.throws(() => validateFieldManager('bad\u0007name', false), /must only contain printable characters/);
  });
  it('derives a manager from a User-Agent as Kubernetes does', () => {
    assert.equal(managerFromUserAgent('kubectl/v1.30.0 (linux/amd64) kubernetes/abc'), 'kubectl');
    assert.equal(managerFromUserAgent(undefined), '');
  });
});

/**
 * The build-time generator (scripts/gen-openapi.ts) and the patch metadata
 * it folds in. Runs the generator itself, so it does not depend on a
 * previous build's dist/openapi/definitions.json.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { before, describe, it } from 'node:test';
import { definitionPrefix, generateDefinitions, kubernetesTypesDir } from '../../../scripts/gen-openapi.js';
import { fieldPatchMeta, patchMeta } from '../../api/patchmeta.js';
import type { DefinitionsFile, Schema } from './schema.js';

let file: DefinitionsFile;
let defs: Record<string, Schema>;
const d = (name: string): Schema => {
  const def = defs[name];
  assert.ok(def, `definition ${name} exists`);
  return def;
};

before(() => {
  file = generateDefinitions();
  defs = file.definitions;
});

describe('gen-openapi', () => {
  it('names definitions after the Go packages', () => {
    const cases: Array<[string, string]> = [
      ['core/v1', 'io.k8s.api.core.v1'],
      ['apps/v1', 'io.k8s.api.apps.v1'],
      ['meta/v1', 'io.k8s.apimachinery.pkg.apis.meta.v1'],
      ['api/resource', 'io.k8s.apimachinery.pkg.api.resource'],
      ['runtime', 'io.k8s.apimachinery.pkg.runtime'],
      ['apiextensions/v1', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1'],
    ];
    for (const [module, prefix] of cases) assert.equal(definitionPrefix(module), prefix);
    assert.match(file.generatedFrom, /^kubernetes-types@1\.30\./);
  });

  it('carries Pod, Deployment and ObjectMeta with their descriptions and field types', () => {
    const pod = d('io.k8s.api.core.v1.Pod');
    assert.match(pod.description!, /^Pod is a collection of containers/);
    assert.equal(pod.properties!.spec!.$ref, '#/definitions/io.k8s.api.core.v1.PodSpec');
    assert.match(pod.properties!.spec!.description!, /desired behavior of the pod/);
    assert.deepEqual(pod['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);

    const deploy = d('io.k8s.api.apps.v1.Deployment');
    assert.match(deploy.description!, /declarative updates for Pods and ReplicaSets/);
    assert.deepEqual(deploy['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    assert.deepEqual(d('io.k8s.api.apps.v1.DeploymentSpec').required, ['selector', 'template']);
    assert.equal(d('io.k8s.api.apps.v1.DeploymentSpec').properties!.replicas!.type, 'integer');

    const meta = d('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    assert.match(meta.description!, /^ObjectMeta is metadata that all persisted resources must have/);
    assert.deepEqual(meta.properties!.labels, {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: meta.properties!.labels!.description,
    });
    // Multi-paragraph JSDoc keeps its paragraph breaks, as Kubernetes' descriptions do.
    assert.match(meta.properties!.uid!.description!, /PUT operations\.\n\nPopulated by the system/);
    assert.equal(meta.properties!.creationTimestamp!.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time');

    const container = d('io.k8s.api.core.v1.Container');
    assert.deepEqual(container.required, ['name']);
    assert.deepEqual(container.properties!.args, { type: 'array', items: { type: 'string' }, description: container.properties!.args!.description, 'x-kubernetes-list-type': 'atomic' });
  });

  it('models the special scalar types like Kubernetes does', () => {
    assert.equal(d('io.k8s.apimachinery.pkg.api.resource.Quantity').type, 'string');
    assert.deepEqual(
      { type: d('io.k8s.apimachinery.pkg.apis.meta.v1.Time').type, format: d('io.k8s.apimachinery.pkg.apis.meta.v1.Time').format },
      { type: 'string', format: 'date-time' },
    );
    assert.equal(d('io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime').format, 'date-time');
    assert.equal(d('io.k8s.apimachinery.pkg.util.intstr.IntOrString').format, 'int-or-string');
    assert.equal(d('io.k8s.api.apps.v1.RollingUpdateDeployment').properties!.maxSurge!.$ref, '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    assert.equal(d('io.k8s.api.core.v1.ResourceRequirements').properties!.limits!.additionalProperties && (d('io.k8s.api.core.v1.ResourceRequirements').properties!.limits!.additionalProperties as Schema).$ref, '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity');
    assert.equal(d('io.k8s.apimachinery.pkg.runtime.RawExtension').type, 'object');
    assert.equal(d('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON').type, undefined);
    assert.equal(d('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps').properties!.maximum!.type, 'number');
    assert.equal(d('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps').properties!['x-kubernetes-preserve-unknown-fields']!.type, 'boolean');
  });

  it('puts the patch metadata on the fields', () => {
    const containers = d('io.k8s.api.core.v1.PodSpec').properties!.containers!;
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(containers['x-kubernetes-list-type'], 'map');
    assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
    assert.equal(d('io.k8s.api.core.v1.PodSpec').properties!.volumes!['x-kubernetes-patch-strategy'], 'merge,retainKeys');

    const cases: Array<[string, string, string | undefined, string | undefined, string[] | undefined]> = [
      // definition, field, merge key, strategy, list-map keys
      ['io.k8s.api.core.v1.Container', 'ports', 'containerPort', 'merge', ['containerPort', 'protocol']],
      ['io.k8s.api.core.v1.Container', 'env', 'name', 'merge', undefined],
      ['io.k8s.api.core.v1.Container', 'volumeMounts', 'mountPath', 'merge', undefined],
      ['io.k8s.api.core.v1.EphemeralContainer', 'env', 'name', 'merge', undefined],
      ['io.k8s.api.core.v1.ServiceSpec', 'ports', 'port', 'merge', ['port', 'protocol']],
      ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'ownerReferences', 'uid', 'merge', ['uid']],
      ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'finalizers', undefined, 'merge', undefined],
      ['io.k8s.api.core.v1.NodeStatus', 'addresses', 'type', 'merge', undefined],
      ['io.k8s.api.core.v1.PodStatus', 'conditions', 'type', 'merge', undefined],
      ['io.k8s.api.apps.v1.DeploymentStatus', 'conditions', 'type', 'merge', ['type']],
      ['io.k8s.api.apps.v1.DeploymentSpec', 'strategy', undefined, 'retainKeys', undefined],
    ];
    for (const [def, field, key, strategy, mapKeys] of cases) {
      const p = d(def).properties![field]!;
      assert.equal(p['x-kubernetes-patch-merge-key'], key, `${def}.${field} merge key`);
      assert.equal(p['x-kubernetes-patch-strategy'], strategy, `${def}.${field} strategy`);
      assert.deepEqual(p['x-kubernetes-list-map-keys'], mapKeys, `${def}.${field} list-map keys`);
    }
    assert.equal(d('io.k8s.api.core.v1.PodSpec').properties!.tolerations!['x-kubernetes-list-type'], 'atomic');
    assert.equal(d('io.k8s.api.core.v1.PodSpec').properties!.nodeSelector!['x-kubernetes-map-type'], 'atomic');
    assert.equal(d('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector')['x-kubernetes-map-type'], 'atomic');
    assert.equal(fieldPatchMeta('io.k8s.api.core.v1.PodSpec', 'hostname'), undefined);
  });

  it('names every field of the patch table that exists in the generated types', () => {
    // generateDefinitions throws on a stale entry; this checks the table was applied, entry by entry.
    for (const [def, fields] of Object.entries(patchMeta)) {
      for (const field of Object.keys(fields)) assert.ok(d(def).properties![field], `${def}.${field}`);
    }
  });

  it('tags every kind in kubernetes-types with its group/version/kind', () => {
    const dir = kubernetesTypesDir();
    const modules = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.d.ts'))
      .map((f) => f.split(sep).join('/').replace(/\.d\.ts$/, ''))
      .filter((m) => m !== 'meta/v1');
    let kinds = 0;
    for (const module of modules) {
      const text = readFileSync(join(dir, `${module}.d.ts`), 'utf8');
      for (const chunk of text.split('\nexport ').slice(1)) {
        const iface = /^interface (\w+) \{/.exec(chunk)?.[1];
        const apiVersion = /\n {4}apiVersion\?: "([^"]+)";/.exec(chunk)?.[1];
        const kind = /\n {4}kind\?: "(\w+)";/.exec(chunk)?.[1];
        if (!iface || !apiVersion || !kind) continue;
        assert.equal(iface, kind);
        const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
        assert.deepEqual(d(`${definitionPrefix(module)}.${kind}`)['x-kubernetes-group-version-kind'], [{ group, kind, version }], `${module} ${kind}`);
        kinds++;
      }
    }
    assert.ok(kinds > 150, `found ${kinds} kinds`);
    const groups = new Set(Object.values(defs).flatMap((x) => (x['x-kubernetes-group-version-kind'] ?? []).map((g) => g.group)));
    for (const g of ['', 'apps', 'events.k8s.io', 'rbac.authorization.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'storage.k8s.io', 'networking.k8s.io', 'policy', 'autoscaling', 'batch', 'flowcontrol.apiserver.k8s.io', 'apiextensions.k8s.io']) {
      assert.ok(groups.has(g), `group ${JSON.stringify(g)}`);
    }
    assert.equal(d('io.k8s.apimachinery.pkg.apis.meta.v1.APIGroup')['x-kubernetes-group-version-kind'], undefined);
    assert.ok(d('io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions')['x-kubernetes-group-version-kind']!.some((g) => g.group === 'apps' && g.version === 'v1'));
  });

  it('models PodPreset, which kubernetes-types 1.30 no longer has', () => {
    const preset = d('io.k8s.api.settings.v1alpha1.PodPreset');
    assert.deepEqual(preset['x-kubernetes-group-version-kind'], [{ group: 'settings.k8s.io', kind: 'PodPreset', version: 'v1alpha1' }]);
    const spec = d('io.k8s.api.settings.v1alpha1.PodPresetSpec').properties!;
    assert.equal(spec.selector!.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector');
    assert.equal(spec.env!.items!.$ref, '#/definitions/io.k8s.api.core.v1.EnvVar');
    assert.equal(spec.volumes!.items!.$ref, '#/definitions/io.k8s.api.core.v1.Volume');
    assert.equal(spec.volumeMounts!.items!.$ref, '#/definitions/io.k8s.api.core.v1.VolumeMount');
    assert.equal(spec.envFrom!.items!.$ref, '#/definitions/io.k8s.api.core.v1.EnvFromSource');
    assert.deepEqual(d('io.k8s.api.settings.v1alpha1.PodPresetList').required, ['items']);
  });

  it('reports declarations it cannot translate and stale patch-table entries, all at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-openapi-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{"version":"0.0.0"}');
      mkdirSync(join(dir, 'core'));
      writeFileSync(join(dir, 'core', 'v1.d.ts'), 'export interface Foo {\n    when: Date;\n}\n');
      assert.throws(() => generateDefinitions(dir), (e: Error) => {
        assert.match(e.message, /no OpenAPI translation for type `Date` \(io\.k8s\.api\.core\.v1\.Foo\.when\)/);
        assert.match(e.message, /patchmeta: no definition io\.k8s\.api\.core\.v1\.PodSpec/);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves no dangling reference', () => {
    const dangling: string[] = [];
    const walk = (s: Schema) => {
      if (typeof s.$ref === 'string' && !defs[s.$ref.replace('#/definitions/', '')]) dangling.push(s.$ref);
      for (const p of Object.values(s.properties ?? {})) walk(p);
      if (s.items) walk(s.items);
      if (typeof s.additionalProperties === 'object') walk(s.additionalProperties);
    };
    Object.values(defs).forEach(walk);
    assert.deepEqual(dangling, []);
  });
});

/**
 * The served documents and schema walkers, read the way kubectl reads them:
 * explain finds a kind through the GET path's GVK and then the schema that
 * carries the same GVK; apply's validation looks for fieldValidation on the
 * PATCH operation (cli-runtime's query_param_verifier_v3).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { defaultOutFile, writeDefinitions } from '../../../scripts/gen-openapi.js';
import { definitionsFile } from './definitions.js';
import {
  clearOpenAPICache,
  definitionNameFor,
  gvkKey,
  openapiV2,
  openapiV3,
  openapiV3Index,
  resolveRef,
  schemaFor,
  served,
  unknownFields,
  unknownFieldsIn,
  type GroupVersionKind,
  type Schema,
} from './index.js';
import { resourceType, testResources } from './testdata.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- documents are walked as plain JSON, as a client would */
type Json = any;

before(() => {
  // Under `node --import tsx --test` without a prior build, make the file the loader reads.
  if (!existsSync(definitionsFile())) writeDefinitions(defaultOutFile);
});

const pod: GroupVersionKind = { group: '', version: 'v1', kind: 'Pod' };
const deployment: GroupVersionKind = { group: 'apps', version: 'v1', kind: 'Deployment' };

describe('schemaFor / resolveRef', () => {
  it('finds kinds by group/version/kind', () => {
    assert.equal(definitionNameFor(pod), 'io.k8s.api.core.v1.Pod');
    assert.equal(definitionNameFor(deployment), 'io.k8s.api.apps.v1.Deployment');
    assert.equal(definitionNameFor({ group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler' }), 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler');
    assert.equal(definitionNameFor({ group: 'stable.example.com', version: 'v1', kind: 'CronTab' }), undefined);
  });

  it('walks from a kind to a field and keeps the field’s patch extensions', () => {
    const spec = schemaFor(pod)!.properties!.spec!;
    const podSpec = resolveRef(spec);
    const containers = podSpec.properties!.containers!;
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    const container = resolveRef(containers.items!);
    assert.ok(container.properties!.image);
    // the v3 spelling resolves the same way
    assert.equal(resolveRef({ allOf: [{ $ref: '#/definitions/io.k8s.api.core.v1.PodSpec' }] }), podSpec);
  });
});

describe('unknownFields', () => {
  const cases: Array<{ name: string; gvk: GroupVersionKind; obj: unknown; want: string[] }> = [
    {
      name: 'a misspelt container field',
      gvk: pod,
      obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { anything: 'goes' } }, spec: { containers: [{ name: 'c', imagee: 'busybox' }] } },
      want: ['spec.containers[0].imagee'],
    },
    {
      name: 'several, at every depth',
      gvk: deployment,
      obj: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metdata: {},
        metadata: { name: 'd', annotations: { a: 'b' }, bogus: 1 },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'x' } },
          template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'a' }, { name: 'b', ports: [{ containerPort: 80, prot: 'TCP' }] }] } },
          foo: true,
        },
      },
      want: ['metadata.bogus', 'metdata', 'spec.foo', 'spec.template.spec.containers[1].ports[0].prot'],
    },
    {
      name: 'maps with open keys and struct values',
      gvk: { group: '', version: 'v1', kind: 'ConfigMap' },
      obj: { data: { 'any.key': 'v' }, binaryData: {}, immutable: false },
      want: [],
    },
    {
      name: 'quantities and int-or-string values are leaves',
      gvk: pod,
      obj: { spec: { containers: [{ name: 'c', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: 1 } }, livenessProbe: { httpGet: { port: 'http' } } }] } },
      want: [],
    },
    {
      name: 'embedded raw objects are open',
      gvk: { group: 'apps', version: 'v1', kind: 'ControllerRevision' },
      obj: { revision: 1, data: { spec: { whatever: 1 } } },
      want: [],
    },
    {
      name: 'kinds without a built-in schema are not checked',
      gvk: { group: 'stable.example.com', version: 'v1', kind: 'CronTab' },
      obj: { spec: { anything: 1 } },
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(unknownFields(c.obj, c.gvk).sort(), c.want));
  }

  it('honours x-kubernetes-preserve-unknown-fields in a given schema', () => {
    const schema: Schema = {
      type: 'object',
      properties: {
        spec: { type: 'object', properties: { cron: { type: 'string' }, extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
      },
    };
    assert.deepEqual(unknownFieldsIn({ spec: { cron: '* * * * *', extra: { a: 1 }, typo: 1 } }, schema), ['spec.typo']);
  });
});

/** kubectl explain's lookup: the GET of the resource's path names the GVK; the schema carrying that GVK is the one to show. */
function explainLookup(doc: Json, gvPrefix: string, resource: string): { gvk: GroupVersionKind; schemaName: string } | undefined {
  const candidates = [`/${gvPrefix}/${resource}`, `/${gvPrefix}/namespaces/{namespace}/${resource}`];
  let gvk: GroupVersionKind | undefined;
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    if (candidates.includes(path) && item.get) gvk = item.get['x-kubernetes-group-version-kind'];
  }
  if (!gvk) return undefined;
  for (const [name, schema] of Object.entries<Json>(doc.components.schemas)) {
    const gvks: GroupVersionKind[] = schema['x-kubernetes-group-version-kind'] ?? [];
    if (gvks.some((g) => g.group === gvk!.group && g.version === gvk!.version && g.kind === gvk!.kind)) return { gvk, schemaName: name };
  }
  return undefined;
}

/** cli-runtime's supportsQueryParamV3: the first PATCH operation of the GVK decides. */
function patchSupports(doc: Json, gvk: GroupVersionKind, param: string): boolean | undefined {
  for (const item of Object.values<Json>(doc.paths)) {
    const op = item.patch;
    const g = op?.['x-kubernetes-group-version-kind'];
    if (!g || g.group !== gvk.group || g.version !== gvk.version || g.kind !== gvk.kind) continue;
    return op.parameters.some((p: Json) => p.name === param && p.in === 'query');
  }
  return undefined;
}

function allRefs(node: Json, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => allRefs(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else if (k === 'properties' && v && typeof v === 'object') Object.values(v).forEach((p) => allRefs(p, out));
      else allRefs(v, out);
    }
  }
  return out;
}

describe('openapi v3', () => {
  it('indexes every served group-version with a content hash', () => {
    const index = openapiV3Index(testResources);
    assert.deepEqual(Object.keys(index.paths), ['api/v1', 'apis/apps/v1', 'apis/authentication.k8s.io/v1', 'apis/settings.k8s.io/v1alpha1']);
    const core = openapiV3('api/v1', testResources)!;
    assert.equal(index.paths['api/v1']!.serverRelativeURL, `/openapi/v3/api/v1?hash=${served(core).hash}`);
    assert.match(served(core).hash, /^[0-9A-F]{128}$/);
    assert.equal(served(core).etag, `"${served(core).hash}"`);
  });

  it('lets kubectl explain reach the Pod schema through the GVK extension', () => {
    const doc: Json = openapiV3('api/v1', testResources);
    assert.equal(doc.openapi, '3.0.0');
    assert.deepEqual(doc.info, { title: 'Kubernetes', version: 'v1.30.0' });
    const found = explainLookup(doc, 'api/v1', 'pods');
    assert.deepEqual(found, { gvk: pod, schemaName: 'io.k8s.api.core.v1.Pod' });
    const podSchema = doc.components.schemas['io.k8s.api.core.v1.Pod'];
    assert.deepEqual(podSchema.properties.spec.allOf, [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }]);
    assert.match(podSchema.properties.spec.description, /desired behavior of the pod/);
    const containers = doc.components.schemas['io.k8s.api.core.v1.PodSpec'].properties.containers;
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers.items.$ref, '#/components/schemas/io.k8s.api.core.v1.Container');
    assert.deepEqual(explainLookup(doc, 'api/v1', 'nodes')?.schemaName, 'io.k8s.api.core.v1.Node');
  });

  it('keeps each document self-contained: every $ref resolves inside it', () => {
    for (const key of Object.keys(openapiV3Index(testResources).paths)) {
      const doc: Json = openapiV3(key, testResources);
      const missing = allRefs(doc).filter((r) => !doc.components.schemas[r.replace('#/components/schemas/', '')]);
      assert.deepEqual(missing, [], key);
      assert.equal(allRefs(doc).filter((r) => r.startsWith('#/definitions/')).length, 0);
    }
    // only what the group-version reaches: apps/v1 needs PodSpec but not Node
    const apps: Json = openapiV3('apis/apps/v1', testResources);
    assert.ok(apps.components.schemas['io.k8s.api.core.v1.PodSpec']);
    assert.equal(apps.components.schemas['io.k8s.api.core.v1.Node'], undefined);
  });

  it('advertises fieldValidation on every PATCH, so kubectl leaves validation to the server', () => {
    const core: Json = openapiV3('v1', testResources);
    assert.equal(patchSupports(core, pod, 'fieldValidation'), true);
    assert.equal(patchSupports(core, { group: '', version: 'v1', kind: 'Namespace' }, 'fieldValidation'), true);
    const apps: Json = openapiV3('apps/v1', testResources);
    assert.equal(patchSupports(apps, deployment, 'fieldValidation'), true);
    assert.equal(patchSupports(apps, { group: 'autoscaling', version: 'v1', kind: 'Scale' }, 'fieldValidation'), true);
    for (const item of Object.values<Json>(apps.paths)) {
      if (item.patch) assert.ok(item.patch.requestBody.content['application/strategic-merge-patch+json']);
    }
  });

  it('describes the operations with actions and parameters', () => {
    const core: Json = openapiV3('api/v1', testResources);
    const list = core.paths['/api/v1/namespaces/{namespace}/pods'].get;
    assert.equal(list['x-kubernetes-action'], 'list');
    assert.equal(list.operationId, 'listCoreV1NamespacedPod');
    const names = list.parameters.map((p: Json) => p.name);
    for (const n of ['labelSelector', 'fieldSelector', 'watch', 'resourceVersion', 'limit', 'continue']) assert.ok(names.includes(n), n);
    assert.equal(list.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/io.k8s.api.core.v1.PodList');
    const create = core.paths['/api/v1/namespaces/{namespace}/pods'].post;
    assert.deepEqual(create.parameters.map((p: Json) => p.name), ['dryRun', 'fieldManager', 'fieldValidation']);
    assert.equal(core.paths['/api/v1/pods'].get.operationId, 'listCoreV1PodForAllNamespaces');
    const item = core.paths['/api/v1/namespaces/{namespace}/pods/{name}'];
    assert.deepEqual(Object.keys(item).filter((k) => k !== 'parameters').sort(), ['delete', 'get', 'patch', 'put']);
    assert.deepEqual(item.parameters.map((p: Json) => [p.name, p.in]), [['namespace', 'path'], ['name', 'path'], ['pretty', 'query']]);
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/status'].put.operationId, 'replaceCoreV1NamespacedPodStatus');
    assert.deepEqual(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction'].post['x-kubernetes-group-version-kind'], { group: 'policy', version: 'v1', kind: 'Eviction' });
    assert.ok(core.components.schemas['io.k8s.api.policy.v1.Eviction']);
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/exec'].get['x-kubernetes-action'], 'connect');
    assert.equal(core.paths['/api/v1/namespaces/{name}/finalize'].put.operationId, 'replaceCoreV1NamespaceFinalize');
    // a create-only resource has only the POST
    const auth: Json = openapiV3('authentication.k8s.io/v1', testResources);
    assert.deepEqual(Object.keys(auth.paths), ['/apis/authentication.k8s.io/v1/tokenreviews']);
    assert.equal(auth.paths['/apis/authentication.k8s.io/v1/tokenreviews'].post.operationId, 'createAuthenticationV1TokenReview');
  });

  it('gives IntOrString and Quantity both their JSON types, so explain names them', () => {
    const apps: Json = openapiV3('apps/v1', testResources);
    const ios = apps.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
    assert.equal(ios.type, undefined);
    assert.deepEqual(ios.oneOf, [{ type: 'integer' }, { type: 'string' }]);
    assert.deepEqual(apps.components.schemas['io.k8s.apimachinery.pkg.api.resource.Quantity'].oneOf, [{ type: 'string' }, { type: 'number' }]);
    // v2 has no oneOf: there they stay strings
    const v2: Json = openapiV2(testResources);
    assert.equal(v2.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].type, 'string');
  });

  it('answers undefined for a group-version that is not served', () => {
    assert.equal(openapiV3('apis/batch/v1', testResources), undefined);
  });

  it('serves PodPreset from its hand-modelled definition', () => {
    const doc: Json = openapiV3('apis/settings.k8s.io/v1alpha1', testResources);
    assert.equal(explainLookup(doc, 'apis/settings.k8s.io/v1alpha1', 'podpresets')?.schemaName, 'io.k8s.api.settings.v1alpha1.PodPreset');
  });
});

describe('openapi v2', () => {
  it('is a Swagger 2.0 document with every definition and the resources’ paths', () => {
    const doc: Json = openapiV2(testResources);
    assert.equal(doc.swagger, '2.0');
    assert.deepEqual(doc.info, { title: 'Kubernetes', version: 'v1.30.0' });
    assert.ok(Object.keys(doc.definitions).length > 600);
    assert.equal(doc.definitions['io.k8s.api.core.v1.PodSpec'].properties.containers['x-kubernetes-patch-merge-key'], 'name');
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    assert.equal(patch['x-kubernetes-action'], 'patch');
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], deployment);
    assert.ok(patch.consumes.includes('application/strategic-merge-patch+json'));
    assert.deepEqual(patch.parameters.map((p: Json) => p.name), ['body', 'dryRun', 'fieldManager', 'fieldValidation', 'force']);
    const scale = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].get;
    assert.equal(scale.responses['200'].schema.$ref, '#/definitions/io.k8s.api.autoscaling.v1.Scale');
    const missing = allRefs(doc).filter((r) => !doc.definitions[r.replace('#/definitions/', '')]);
    assert.deepEqual(missing, []);
  });

  it('is built once per set of resources', () => {
    clearOpenAPICache();
    const a = openapiV2(testResources);
    assert.equal(openapiV2([...testResources]), a);
    assert.equal(served(a), served(a));
    const withBatch = [...testResources, resourceType('batch', 'v1', 'jobs', 'Job', { subresources: ['status'] })];
    assert.notEqual(openapiV2(withBatch), a);
    assert.ok(openapiV3Index(withBatch).paths['apis/batch/v1']);
  });
});

describe('custom resources', () => {
  const crontab = resourceType('stable.example.com', 'v1', 'crontabs', 'CronTab', { subresources: ['status'] });
  const resources = [...testResources, crontab];

  it('get an open schema when none is given', () => {
    const doc: Json = openapiV3('apis/stable.example.com/v1', resources);
    const found = explainLookup(doc, 'apis/stable.example.com/v1', 'crontabs');
    assert.equal(found?.schemaName, 'com.example.stable.v1.CronTab');
    assert.equal(doc.components.schemas['com.example.stable.v1.CronTab']['x-kubernetes-preserve-unknown-fields'], true);
    assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
    assert.equal(doc.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs'].get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/com.example.stable.v1.CronTabList');
  });

  it('use the schema the caller supplies', () => {
    const custom = new Map<string, Schema>([[gvkKey({ group: 'stable.example.com', version: 'v1', kind: 'CronTab' }), { type: 'object', properties: { spec: { type: 'object', properties: { cronSpec: { type: 'string', description: 'when' } } } } }]]);
    const doc: Json = openapiV3('apis/stable.example.com/v1', resources, custom);
    const schema = doc.components.schemas['com.example.stable.v1.CronTab'];
    assert.equal(schema.properties.spec.properties.cronSpec.description, 'when');
    assert.deepEqual(schema.properties.metadata.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
  });
});

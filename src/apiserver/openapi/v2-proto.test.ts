/**
 * The protobuf v2 document, read back the way client-go and kube-openapi read
 * it: definitions with their GVK extension (YAML inside an Any), property
 * types, $refs, maps and arrays; the PATCH operation's fieldValidation
 * parameter that cli-runtime's v2 verifier looks for. A hand-written wire
 * reader checks the field numbers against upstream independently of
 * openapiv2.proto, since a decode with the same .proto would agree with any
 * mistake in it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { defaultOutFile, writeDefinitions } from '../../../scripts/gen-openapi.js';
import { definitionsFile } from './definitions.js';
import { clearOpenAPICache, decodeV2, encodeV2, negotiateV2, openapiV2, openapiV2ProtoMediaType, served, servedProto } from './index.js';
import { testResources } from './testdata.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- decoded messages are walked as plain objects */
type Msg = any;

before(() => {
  if (!existsSync(definitionsFile())) writeDefinitions(defaultOutFile);
});

const named = (list: Msg[] | undefined, name: string): Msg => list?.find((x) => x.name === name)?.value;
const ext = (m: Msg, name: string): unknown => {
  const a = named(m.vendor_extension, name);
  return a === undefined ? undefined : parseYaml(a.yaml);
};
const prop = (schema: Msg, name: string): Msg => named(schema.properties?.additional_properties, name);

describe('encodeV2 of the served document', () => {
  let doc: Msg;
  let defs: (name: string) => Msg;
  let paths: (name: string) => Msg;
  before(() => {
    clearOpenAPICache();
    doc = decodeV2(encodeV2(openapiV2(testResources)));
    defs = (n) => named(doc.definitions.additional_properties, n);
    paths = (n) => named(doc.paths.path, n);
  });

  it('keeps the document header', () => {
    assert.equal(doc.swagger, '2.0');
    assert.deepEqual(doc.info, { title: 'Kubernetes', version: 'v1.30.0' });
    const bearer = named(doc.security_definitions.additional_properties, 'BearerToken');
    assert.equal(bearer.oneof, 'api_key_security');
    assert.deepEqual({ ...bearer.api_key_security }, { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' });
    assert.equal(doc.security[0].additional_properties[0].name, 'BearerToken');
  });

  it('carries every definition, in order, with the GVK extension as YAML', () => {
    const json = openapiV2(testResources) as Msg;
    assert.deepEqual(
      doc.definitions.additional_properties.map((d: Msg) => d.name),
      Object.keys(json.definitions),
    );
    assert.deepEqual(ext(defs('io.k8s.api.core.v1.Pod'), 'x-kubernetes-group-version-kind'), [{ group: '', kind: 'Pod', version: 'v1' }]);
    assert.deepEqual(ext(defs('io.k8s.api.apps.v1.Deployment'), 'x-kubernetes-group-version-kind'), [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  });

  it('maps types, $refs, items, maps and required as gnostic does', () => {
    const pod = defs('io.k8s.api.core.v1.Pod');
    assert.deepEqual(pod.type.value, ['object']);
    assert.deepEqual(prop(pod, 'kind').type.value, ['string']);
    assert.equal(prop(pod, 'spec')._ref, '#/definitions/io.k8s.api.core.v1.PodSpec');
    assert.equal(prop(pod, 'spec').type, undefined, 'a $ref has no type of its own');

    const containers = prop(defs('io.k8s.api.core.v1.PodSpec'), 'containers');
    assert.deepEqual(containers.type.value, ['array']);
    assert.equal(containers.items.schema.length, 1);
    assert.equal(containers.items.schema[0]._ref, '#/definitions/io.k8s.api.core.v1.Container');
    assert.equal(ext(containers, 'x-kubernetes-patch-merge-key'), 'name');
    assert.equal(ext(containers, 'x-kubernetes-patch-strategy'), 'merge');
    assert.deepEqual(ext(containers, 'x-kubernetes-list-map-keys'), ['name']);

    assert.deepEqual(defs('io.k8s.api.core.v1.Container').required, ['name']);
    assert.deepEqual(prop(defs('io.k8s.api.core.v1.ContainerPort'), 'containerPort').type.value, ['integer']);
    const min = prop(defs('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps'), 'minimum');
    assert.deepEqual([min.type.value, min.format], [['number'], 'double']);

    const data = prop(defs('io.k8s.api.core.v1.ConfigMap'), 'data');
    assert.deepEqual(data.type.value, ['object']);
    assert.equal(data.additional_properties.oneof, 'schema');
    assert.deepEqual(data.additional_properties.schema.type.value, ['string']);
  });

  it('gives a resource path its parameters and the PATCH fieldValidation query parameter', () => {
    const item = paths('/api/v1/namespaces/{namespace}/configmaps/{name}');
    const pathParams = item.parameters.map((p: Msg) => p.parameter.non_body_parameter);
    assert.deepEqual(
      pathParams.map((p: Msg) => [p.oneof, p[p.oneof].name, p[p.oneof].required ?? false]),
      [
        ['path_parameter_sub_schema', 'namespace', true],
        ['path_parameter_sub_schema', 'name', true],
        ['query_parameter_sub_schema', 'pretty', false],
      ],
    );
    const patch = item.patch;
    assert.deepEqual(ext(patch, 'x-kubernetes-group-version-kind'), { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.equal(ext(patch, 'x-kubernetes-action'), 'patch');
    const queryNames = patch.parameters
      .map((p: Msg) => p.parameter?.non_body_parameter?.query_parameter_sub_schema?.name)
      .filter(Boolean);
    assert.ok(queryNames.includes('fieldValidation'), queryNames.join(','));
    const body = patch.parameters[0].parameter;
    assert.equal(body.oneof, 'body_parameter');
    assert.equal(body.body_parameter.schema._ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
    const ok = named(patch.responses.response_code, '200');
    assert.equal(ok.response.schema.schema._ref, '#/definitions/io.k8s.api.core.v1.ConfigMap');
    assert.equal(patch.operation_id, 'patchCoreV1NamespacedConfigMap');
  });

  it('encodes once per document, with an ETag of its own', () => {
    const d = openapiV2(testResources);
    const a = servedProto(d);
    assert.equal(servedProto(d), a);
    assert.match(a.etag, /^"[0-9A-F]{128}"$/);
    assert.notEqual(a.etag, served(d).etag);
  });
});

describe('encodeV2 of Swagger 2.0 beyond what the built-ins use', () => {
  const doc = {
    swagger: '2.0',
    info: { title: 't', version: '1', 'x-info': 1 },
    'x-top': { a: [1, 'b'] },
    paths: {
      '/p': {
        get: {
          parameters: [
            { $ref: '#/parameters/shared' },
            { name: 'h', in: 'header', type: 'string', enum: ['a', 'b'] },
            { name: 'f', in: 'formData', type: 'array', items: { type: 'integer', format: 'int64' }, collectionFormat: 'csv', allowEmptyValue: true },
            { name: 'q', in: 'query', type: 'integer', default: 5, maximum: 10 },
          ],
          responses: { '200': { description: 'ok', schema: { type: 'file' } }, default: { $ref: '#/responses/err' } },
          deprecated: true,
        },
      },
    },
    definitions: {
      a: {
        type: 'object',
        additionalProperties: false,
        properties: {
          e: { type: 'string', enum: ['x', 'y'], default: 'x', pattern: '^[xy]$', maxLength: 1 },
          t: { type: ['string', 'null'] },
          tuple: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }] },
          all: { allOf: [{ $ref: '#/definitions/b' }], description: 'd' },
          gone: { oneOf: [{ type: 'string' }], anyOf: [{ type: 'integer' }], nullable: true, 'x-kubernetes-int-or-string': true },
        },
      },
      b: { properties: {} },
    },
    parameters: { shared: { name: 's', in: 'query', type: 'boolean' } },
    responses: { err: { description: 'error' } },
  };
  const d: Msg = decodeV2(encodeV2(doc));

  it('maps every parameter location to its sub-schema and $refs to a JsonReference', () => {
    const ps = named(d.paths.path, '/p').get.parameters;
    assert.deepEqual(ps[0], { json_reference: { _ref: '#/parameters/shared' }, oneof: 'json_reference' });
    const h = ps[1].parameter.non_body_parameter.header_parameter_sub_schema;
    assert.deepEqual(h.enum.map((a: Msg) => parseYaml(a.yaml)), ['a', 'b']);
    const f = ps[2].parameter.non_body_parameter.form_data_parameter_sub_schema;
    assert.deepEqual([f.items.type, f.items.format, f.collection_format, f.allow_empty_value], ['integer', 'int64', 'csv', true]);
    const q = ps[3].parameter.non_body_parameter.query_parameter_sub_schema;
    assert.deepEqual([parseYaml(q.default.yaml), q.maximum], [5, 10]);
    assert.equal(named(d.parameters.additional_properties, 'shared').non_body_parameter.query_parameter_sub_schema.type, 'boolean');
  });

  it('maps file and referenced responses', () => {
    const rs = named(d.paths.path, '/p').get.responses.response_code;
    assert.equal(named(rs, '200').response.schema.oneof, 'file_schema');
    assert.deepEqual(named(rs, 'default'), { json_reference: { _ref: '#/responses/err' }, oneof: 'json_reference' });
    assert.equal(named(d.responses.additional_properties, 'error'), undefined);
    assert.equal(named(d.responses.additional_properties, 'err').description, 'error');
    assert.equal(named(d.paths.path, '/p').get.deprecated, true);
  });

  it('maps schema keywords, and drops those Swagger 2.0 lacks', () => {
    const a = named(d.definitions.additional_properties, 'a');
    assert.deepEqual({ ...a.additional_properties }, { boolean: false, oneof: 'boolean' });
    const e = prop(a, 'e');
    assert.deepEqual([e.enum.map((x: Msg) => parseYaml(x.yaml)), parseYaml(e.default.yaml), e.pattern, e.max_length], [['x', 'y'], 'x', '^[xy]$', 1]);
    assert.deepEqual(prop(a, 't').type.value, ['string', 'null']);
    assert.deepEqual(prop(a, 'tuple').items.schema.map((s: Msg) => s.type.value[0]), ['string', 'integer']);
    assert.equal(prop(a, 'all').all_of[0]._ref, '#/definitions/b');
    const gone = prop(a, 'gone');
    assert.deepEqual(Object.keys(gone), ['vendor_extension']);
    assert.equal(ext(gone, 'x-kubernetes-int-or-string'), true);
    // An empty properties map stays present: kube-openapi tells a kind from a map by it.
    assert.deepEqual({ ...named(d.definitions.additional_properties, 'b').properties }, {});
  });

  it('keeps document and info extensions', () => {
    assert.deepEqual(ext(d, 'x-top'), { a: [1, 'b'] });
    assert.equal(ext(d.info, 'x-info'), 1);
  });
});

/** A protobuf wire-format reader: field number → raw values (varints as numbers, length-delimited as bytes). */
function fields(buf: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const out = new Map<number, (number | Uint8Array)[]>();
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++]!;
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return v;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    const [num, wire] = [Math.floor(tag / 8), tag % 8];
    let val: number | Uint8Array;
    if (wire === 0) val = varint();
    else if (wire === 2) {
      const len = varint();
      val = buf.subarray(i, i + len);
      i += len;
    } else if (wire === 1) {
      val = buf.subarray(i, i + 8);
      i += 8;
    } else throw new Error(`wire type ${wire}`);
    out.set(num, [...(out.get(num) ?? []), val]);
  }
  return out;
}
const sub = (m: Map<number, (number | Uint8Array)[]>, n: number, k = 0): Map<number, (number | Uint8Array)[]> => fields(m.get(n)![k] as Uint8Array);
const text = (m: Map<number, (number | Uint8Array)[]>, n: number, k = 0): string => Buffer.from(m.get(n)![k] as Uint8Array).toString('utf8');

describe('wire field numbers (gnostic openapiv2/OpenAPIv2.proto)', () => {
  const bytes = encodeV2({
    swagger: '2.0',
    info: { title: 'T', version: 'V' },
    paths: {
      '/x': {
        patch: {
          parameters: [
            { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/S' } },
            { name: 'fieldValidation', in: 'query', type: 'string' },
          ],
          responses: { '200': { description: 'OK', schema: { $ref: '#/definitions/S' } } },
          'x-kubernetes-action': 'patch',
        },
      },
    },
    definitions: {
      S: {
        type: 'object',
        required: ['r'],
        properties: { r: { type: 'array', items: { type: 'string' } } },
        'x-kubernetes-group-version-kind': [{ group: 'g', version: 'v', kind: 'K' }],
      },
    },
  });
  const doc = fields(bytes);

  it('Document: swagger 1, info 2 (title 1, version 2), paths 8, definitions 9', () => {
    assert.equal(text(doc, 1), '2.0');
    assert.deepEqual([text(sub(doc, 2), 1), text(sub(doc, 2), 2)], ['T', 'V']);
    assert.ok(doc.has(8) && doc.has(9));
  });

  it('Schema: required 19, type 22 (TypeItem.value 1), items 23 (ItemsItem.schema 1), properties 25, vendor_extension 31', () => {
    const named = sub(sub(doc, 9), 1); // Definitions.additional_properties → NamedSchema
    assert.equal(text(named, 1), 'S');
    const s = sub(named, 2);
    assert.equal(text(s, 19), 'r');
    assert.equal(text(sub(s, 22), 1), 'object');
    const r = sub(sub(sub(s, 25), 1), 2); // Properties.additional_properties → NamedSchema.value
    assert.equal(text(sub(r, 22), 1), 'array');
    assert.equal(text(sub(sub(sub(r, 23), 1), 22), 1), 'string');
    const ext = sub(s, 31); // NamedAny
    assert.equal(text(ext, 1), 'x-kubernetes-group-version-kind');
    assert.deepEqual(parseYaml(text(sub(ext, 2), 2)), [{ group: 'g', version: 'v', kind: 'K' }]); // Any.yaml is 2
  });

  it('PathItem.patch 8 → Operation.parameters 8 (oneofs), responses 9, vendor_extension 13', () => {
    const item = sub(sub(sub(doc, 8), 2), 2); // Paths.path 2 → NamedPathItem.value 2
    const op = sub(item, 8);
    const body = sub(sub(fields(op.get(8)![0] as Uint8Array), 1), 1); // ParametersItem.parameter 1 → Parameter.body_parameter 1
    assert.deepEqual([text(body, 2), text(body, 3), body.get(4)![0]], ['body', 'body', 1]);
    assert.equal(text(sub(body, 5), 1), '#/definitions/S'); // Schema._ref 1
    const query = sub(sub(sub(fields(op.get(8)![1] as Uint8Array), 1), 2), 3); // non_body 2 → query 3
    assert.deepEqual([text(query, 4), text(query, 2), text(query, 6)], ['fieldValidation', 'query', 'string']);
    const resp = sub(sub(sub(op, 9), 1), 2); // Responses.response_code 1 → NamedResponseValue.value 2
    const r = sub(resp, 1); // ResponseValue.response 1
    assert.equal(text(r, 1), 'OK');
    assert.equal(text(sub(sub(r, 2), 1), 1), '#/definitions/S'); // SchemaItem.schema 1 → Schema._ref 1
    assert.equal(text(sub(op, 13), 1), 'x-kubernetes-action');
  });
});

describe('negotiateV2', () => {
  const pb = openapiV2ProtoMediaType;
  const cases: [string | undefined, 'json' | 'proto' | 406][] = [
    [undefined, 'json'],
    ['', 'json'],
    ['application/json', 'json'],
    ['*/*', 'json'],
    ['application/*', 'json'],
    [pb, 'proto'],
    [`${pb}, application/json`, 'proto'],
    [`application/json;q=0.5, ${pb}`, 'proto'],
    [`${pb};q=0, application/json`, 'json'],
    ['application/vnd.kubernetes.protobuf', 406],
    ['text/html', 406],
  ];
  for (const [accept, want] of cases) {
    it(`${accept ?? '(none)'} → ${want}`, () => {
      const f = negotiateV2(accept);
      assert.equal(f ?? 406, want);
    });
  }
});

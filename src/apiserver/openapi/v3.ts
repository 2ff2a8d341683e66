/**
 * The OpenAPI 3.0 documents served at /openapi/v3/<api/v1 | apis/G/V>: one
 * per group-version, carrying only the schemas its operations reach.
 * kubectl explain finds a kind's schema through its GET path's
 * x-kubernetes-group-version-kind; kubectl apply asks whether the PATCH
 * operation takes `fieldValidation` before leaving validation to the server.
 */
import type { ResourceType } from '../../api/types.js';
import { Catalog, metaPrefix, type CustomSchemas } from './catalog.js';
import { groupVersionPath, operationsFor, params, type Operation, type PathEntry, type QueryParam } from './operations.js';
import { definitionRefPrefix, type Schema } from './schema.js';
import { kubernetesVersion, patchContentTypes, pathParamDescription, produces } from './v2.js';

export const schemaRefPrefix = '#/components/schemas/';

/**
 * Scalars that take two JSON types. v2 can only call them strings; v3 says
 * `oneOf`, as Kubernetes does, and with no `type` kubectl explain shows the
 * type's own name (`<IntOrString>`, `<Quantity>`) instead of `<string>`.
 */
const v3OneOf: Record<string, Schema[]> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': [{ type: 'integer' }, { type: 'string' }],
  'io.k8s.apimachinery.pkg.api.resource.Quantity': [{ type: 'string' }, { type: 'number' }],
};

/** A named definition in v3 form. */
export function toV3Definition(name: string, def: Schema): Schema {
  const out = toV3Schema(def);
  const oneOf = v3OneOf[name];
  if (oneOf) {
    delete out.type;
    out.oneOf = oneOf;
  }
  return out;
}

/**
 * A v2 definition in v3 form. A reference with siblings (a field's
 * description, merge key, list type) becomes `allOf: [{$ref}]` beside them,
 * because OpenAPI 3.0 ignores a `$ref`'s siblings; that is also how
 * Kubernetes writes it, and what kubectl's templates expect.
 */
export function toV3Schema(s: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(s) as Array<[keyof Schema & string, unknown]>) {
    if (key === '$ref') continue;
    if (key === 'properties') {
      const props: Record<string, Schema> = {};
      for (const [name, p] of Object.entries(value as Record<string, Schema>)) props[name] = toV3Schema(p);
      out.properties = props;
    } else if (key === 'items') out.items = toV3Schema(value as Schema);
    else if (key === 'additionalProperties' && typeof value === 'object') out.additionalProperties = toV3Schema(value as Schema);
    else if (key === 'allOf') out.allOf = (value as Schema[]).map(toV3Schema);
    else (out as Record<string, unknown>)[key] = value;
  }
  if (typeof s.$ref === 'string') {
    const target = { $ref: s.$ref.startsWith(definitionRefPrefix) ? schemaRefPrefix + s.$ref.slice(definitionRefPrefix.length) : s.$ref };
    return Object.keys(out).length ? { allOf: [target], ...out } : target;
  }
  return out;
}

const queryParamV3 = (p: QueryParam) => ({ name: p.name, in: 'query', description: p.description, schema: { type: p.type, uniqueItems: true } });

function content(types: string[], schema: Schema): Record<string, { schema: Schema }> {
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

function operationV3(op: Operation, catalog: Catalog): Record<string, unknown> {
  const out: Record<string, unknown> = {
    tags: [op.tag],
    description: op.description,
    operationId: op.operationId,
    parameters: op.query.map(queryParamV3),
  };
  if (op.body === 'patch') {
    out.requestBody = { content: content(patchContentTypes, { $ref: schemaRefPrefix + metaPrefix + 'Patch' }), required: true };
  } else if (op.body) {
    out.requestBody = { content: content(['*/*'], catalog.schemaOf(op.body, schemaRefPrefix)), required: op.method !== 'delete' };
  }
  const responses: Record<string, unknown> = {};
  for (const [code, r] of Object.entries(op.responses)) {
    if (code === '401') {
      responses[code] = { description: r.description };
      continue;
    }
    const schema = catalog.schemaOf(r.type, schemaRefPrefix);
    const types = schema.$ref ? (op.action === 'list' ? [...produces, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'] : produces) : ['text/plain', 'application/json', 'application/yaml'];
    responses[code] = { description: r.description, content: content(types, schema) };
  }
  out.responses = responses;
  out['x-kubernetes-action'] = op.action;
  out['x-kubernetes-group-version-kind'] = op.gvk;
  return out;
}

function pathItemV3(entry: PathEntry, catalog: Catalog): Record<string, unknown> {
  const kind = entry.operations[0]!.gvk.kind;
  const item: Record<string, unknown> = {};
  for (const op of entry.operations) item[op.method] = operationV3(op, catalog);
  item.parameters = [
    ...entry.pathParams.map((p) => ({
      name: p,
      in: 'path',
      description: p === 'name' ? pathParamDescription.name(kind) : pathParamDescription.namespace,
      required: true,
      schema: { type: 'string', uniqueItems: true },
    })),
    queryParamV3(params.pretty),
  ];
  return item;
}

/** The group-versions served, as v3 document keys (`api/v1`, `apis/apps/v1`), sorted. */
export function groupVersionKeys(resources: readonly ResourceType[]): string[] {
  return [...new Set(resources.map((r) => groupVersionPath(r.group, r.version)))].sort();
}

/** Accepts `api/v1`, `apis/apps/v1`, and the apiVersion spellings `v1`, `apps/v1`. */
export function normalizeGroupVersion(gv: string): string {
  const trimmed = gv.replace(/^\/+|\/+$/g, '');
  if (trimmed.startsWith('api/') || trimmed.startsWith('apis/')) return trimmed;
  return trimmed.includes('/') ? `apis/${trimmed}` : `api/${trimmed}`;
}

export function buildV3(key: string, resources: readonly ResourceType[], custom?: CustomSchemas): object | undefined {
  const mine = resources.filter((r) => groupVersionPath(r.group, r.version) === key);
  if (mine.length === 0) return undefined;
  const catalog = new Catalog(mine, custom);
  const entries = operationsFor(mine);
  const roots = new Set<string>([metaPrefix + 'Status', metaPrefix + 'DeleteOptions', metaPrefix + 'Patch', metaPrefix + 'WatchEvent', metaPrefix + 'APIResourceList']);
  const paths: Record<string, unknown> = {};
  for (const entry of entries) {
    paths[entry.path] = pathItemV3(entry, catalog);
    for (const op of entry.operations) {
      if (op.body && op.body !== 'patch') {
        const n = catalog.nameOf(op.body);
        if (n) roots.add(n);
      }
      for (const r of Object.values(op.responses)) {
        const n = catalog.nameOf(r.type);
        if (n) roots.add(n);
      }
    }
  }
  const schemas: Record<string, Schema> = {};
  for (const name of catalog.closure(roots)) schemas[name] = toV3Definition(name, catalog.definitions[name]!);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: kubernetesVersion },
    paths,
    components: {
      schemas,
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  };
}

/** The Swagger 2.0 document served at /openapi/v2. */
import type { ResourceType } from '../../api/types.js';
import { Catalog, metaPrefix, type CustomSchemas } from './catalog.js';
import { operationsFor, params, type Operation, type PathEntry, type QueryParam } from './operations.js';
import { definitionRefPrefix, type Schema } from './schema.js';

export const kubernetesVersion = 'v1.30.0';

export const produces = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
export const patchContentTypes = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

export const pathParamDescription = {
  name: (kind: string) => `name of the ${kind}`,
  namespace: 'object name and auth scope, such as for teams and projects',
};

function queryParamV2(p: QueryParam): Record<string, unknown> {
  return { uniqueItems: true, type: p.type, description: p.description, name: p.name, in: 'query' };
}

function operationV2(op: Operation, catalog: Catalog): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = [];
  if (op.body === 'patch') {
    parameters.push({ name: 'body', in: 'body', required: true, schema: { $ref: definitionRefPrefix + metaPrefix + 'Patch' } });
  } else if (op.body) {
    parameters.push({ name: 'body', in: 'body', required: op.method !== 'delete', schema: catalog.schemaOf(op.body, definitionRefPrefix) });
  }
  parameters.push(...op.query.map(queryParamV2));
  const responses: Record<string, unknown> = {};
  for (const [code, r] of Object.entries(op.responses)) {
    responses[code] = code === '401' ? { description: r.description } : { description: r.description, schema: catalog.schemaOf(r.type, definitionRefPrefix) };
  }
  return {
    description: op.description,
    consumes: op.body === 'patch' ? patchContentTypes : ['*/*'],
    produces: op.action === 'list' ? [...produces, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'] : produces,
    schemes: ['https'],
    tags: [op.tag],
    operationId: op.operationId,
    parameters,
    responses,
    'x-kubernetes-action': op.action,
    'x-kubernetes-group-version-kind': op.gvk,
  };
}

export function pathItemV2(entry: PathEntry, catalog: Catalog): Record<string, unknown> {
  const kind = entry.operations[0]!.gvk.kind;
  const item: Record<string, unknown> = {};
  for (const op of entry.operations) item[op.method] = operationV2(op, catalog);
  item.parameters = [
    ...entry.pathParams.map((p) => ({
      uniqueItems: true,
      type: 'string',
      description: p === 'name' ? pathParamDescription.name(kind) : pathParamDescription.namespace,
      name: p,
      in: 'path',
      required: true,
    })),
    queryParamV2(params.pretty),
  ];
  return item;
}

export function buildV2(resources: readonly ResourceType[], custom?: CustomSchemas): object {
  const catalog = new Catalog(resources, custom);
  const paths: Record<string, unknown> = {};
  for (const entry of operationsFor(resources)) paths[entry.path] = pathItemV2(entry, catalog);
  const definitions: Record<string, Schema> = {};
  for (const name of Object.keys(catalog.definitions).sort()) definitions[name] = catalog.definitions[name]!;
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: kubernetesVersion },
    paths,
    definitions,
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}

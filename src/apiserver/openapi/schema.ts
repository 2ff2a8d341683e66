/**
 * The slice of JSON Schema / OpenAPI that the generated definitions use.
 * Definitions are stored in the OpenAPI v2 shape (`$ref: '#/definitions/<name>'`);
 * the v3 document rewrites references when it is built.
 */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface Schema {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  $ref?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  default?: unknown;
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [extension: `x-${string}`]: unknown;
}

/** What scripts/gen-openapi.ts writes to dist/openapi/definitions.json. */
export interface DefinitionsFile {
  generatedFrom: string;
  definitions: Record<string, Schema>;
}

export const definitionRefPrefix = '#/definitions/';

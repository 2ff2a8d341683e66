/**
 * Value types a body carries that its schema forbids — what Kubernetes'
 * JSON decoder rejects before anything else (`json: cannot unmarshal bool
 * into Go struct field ConfigMap.data of type string`). YAML 1.1 clients turn
 * `on`/`yes` into booleans, so this is a real-world mistake, not a corner.
 */
import { definitionRefPrefix, type Schema } from './schema.js';
import { resolveRef } from './definitions.js';

const quantityRef = `${definitionRefPrefix}io.k8s.apimachinery.pkg.api.resource.Quantity`;

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return `number ${v}`;
  return typeof v;
}

function goType(s: Schema): string {
  switch (s.type) {
    case 'string':
      return 'string';
    case 'integer':
      return s.format === 'int32' ? 'int32' : 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'array':
      return `[]${s.items ? goType(resolveRef(s.items)) : 'interface {}'}`;
    default:
      return s.additionalProperties && typeof s.additionalProperties === 'object' ? `map[string]${goType(resolveRef(s.additionalProperties))}` : 'struct';
  }
}

/** The first type mismatch in `obj`, worded as Go's decoder does, or undefined. */
export function firstTypeError(obj: unknown, schema: Schema, kind: string): string | undefined {
  return walk(obj, schema, kind, '');
}

function walk(value: unknown, fieldSchema: Schema, kind: string, path: string): string | undefined {
  // JSON null decodes to the zero value in Go: never a type error.
  if (value === null || value === undefined) return undefined;
  if (fieldSchema.$ref === quantityRef) {
    if (typeof value === 'string' || typeof value === 'number') return undefined;
    return mismatch(value, 'resource.Quantity', kind, path);
  }
  const schema = resolveRef(fieldSchema);
  if (schema['x-kubernetes-preserve-unknown-fields'] || fieldSchema['x-kubernetes-preserve-unknown-fields']) return undefined;
  if (schema.format === 'int-or-string' || schema['x-kubernetes-int-or-string']) {
    if (typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value))) return undefined;
    return mismatch(value, 'intstr.IntOrString', kind, path);
  }
  switch (schema.type) {
    case 'string':
      return typeof value === 'string' ? undefined : mismatch(value, goType(schema), kind, path);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : mismatch(value, goType(schema), kind, path);
    case 'number':
      return typeof value === 'number' ? undefined : mismatch(value, goType(schema), kind, path);
    case 'boolean':
      return typeof value === 'boolean' ? undefined : mismatch(value, goType(schema), kind, path);
    case 'array': {
      if (!Array.isArray(value)) return mismatch(value, goType(schema), kind, path);
      if (!schema.items) return undefined;
      for (const item of value) {
        const e = walk(item, schema.items, kind, path);
        if (e) return e;
      }
      return undefined;
    }
    case 'object':
    case undefined: {
      if (!schema.properties && !schema.additionalProperties) return undefined;
      if (typeof value !== 'object' || Array.isArray(value)) return mismatch(value, goType(schema), kind, path);
      const open = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const known = schema.properties && Object.hasOwn(schema.properties, k) ? schema.properties[k] : open;
        if (!known) continue;
        const e = walk(v, known, kind, path ? `${path}.${k}` : k);
        if (e) return e;
      }
      return undefined;
    }
  }
  return undefined;
}

function mismatch(value: unknown, want: string, kind: string, path: string): string {
  return `json: cannot unmarshal ${jsonType(value).split(' ')[0]} into Go struct field ${kind}.${path} of type ${want}`;
}

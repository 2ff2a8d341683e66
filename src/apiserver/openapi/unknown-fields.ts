/**
 * Fields an object carries that its schema does not know, for
 * fieldValidation=Strict (reject) and Warn (warning header). Paths are
 * spelled the way Kubernetes' strict decoder reports them, so the caller's
 * message can be `unknown field "spec.containers[0].imagee"`.
 */
import { resolveRef, schemaFor } from './definitions.js';
import type { GroupVersionKind, Schema } from './schema.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Unknown field paths of `obj` as a `gvk`; empty when the kind has no built-in schema (nothing to check against). */
export function unknownFields(obj: unknown, gvk: GroupVersionKind): string[] {
  const schema = schemaFor(gvk);
  return schema ? unknownFieldsIn(obj, schema) : [];
}

/** The same, against a given schema (e.g. a CRD's structural schema in the same v2 shape). */
export function unknownFieldsIn(obj: unknown, schema: Schema): string[] {
  const out: string[] = [];
  walk(obj, schema, '', out);
  return out;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function walk(value: unknown, fieldSchema: Schema, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const schema = resolveRef(fieldSchema);
  if (schema['x-kubernetes-preserve-unknown-fields'] || fieldSchema['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(value)) {
    if (!schema.items) return;
    value.forEach((item, i) => walk(item, schema.items!, `${path}[${i}]`, out));
    return;
  }
  if (!isPlainObject(value)) return;
  const { properties, additionalProperties } = schema;
  const open = typeof additionalProperties === 'object' ? additionalProperties : undefined;
  // An object schema without properties (RawExtension, FieldsV1, JSON) holds any fields.
  if (!properties && !open) return;
  for (const [key, v] of Object.entries(value)) {
    const known = properties && Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (known) walk(v, known, join(path, key), out);
    else if (open) walk(v, open, join(path, key), out);
    else if (additionalProperties !== true) out.push(join(path, key));
  }
}

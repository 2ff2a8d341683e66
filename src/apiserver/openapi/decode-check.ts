/**
 * What Kubernetes' JSON decoder finds in a body, in one walk over it and the
 * type's schema:
 *
 * - the first value of the wrong JSON type, worded as Go's decoder does
 *   (`json: cannot unmarshal bool into Go struct field ConfigMap.data of type
 *   string`) — YAML 1.1 clients turn `on`/`yes` into booleans, so this is a
 *   real-world mistake;
 * - the paths of fields the schema does not declare (`spec.containers[0].imagee`,
 *   map keys joined with `.`), for fieldValidation Strict/Warn;
 * - and, when asked, it removes those unknown fields in place, as decoding
 *   into Go structs drops them.
 *
 * Maps (additionalProperties), raw objects (a schema without properties) and
 * `x-kubernetes-preserve-unknown-fields` are open.
 */
import { definitionRefPrefix, type Schema } from './schema.js';
import { resolveRef } from './definitions.js';

const quantityRef = `${definitionRefPrefix}io.k8s.apimachinery.pkg.api.resource.Quantity`;

export interface DecodeReport {
  typeError?: string;
  unknown: string[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
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

class Walk {
  readonly report: DecodeReport = { unknown: [] };
  constructor(
    private readonly kind: string,
    private readonly prune: boolean,
  ) {}

  private mismatch(value: unknown, want: string, path: string): void {
    this.report.typeError ??= `json: cannot unmarshal ${jsonType(value)} into Go struct field ${this.kind}.${path} of type ${want}`;
  }

  value(value: unknown, fieldSchema: Schema, path: string): void {
    // JSON null decodes to the zero value in Go: never a type error.
    if (value === null || value === undefined) return;
    if (fieldSchema.$ref === quantityRef) {
      if (typeof value !== 'string' && typeof value !== 'number') this.mismatch(value, 'resource.Quantity', path);
      return;
    }
    const schema = resolveRef(fieldSchema);
    if (schema['x-kubernetes-preserve-unknown-fields'] || fieldSchema['x-kubernetes-preserve-unknown-fields']) return;
    if (schema.format === 'int-or-string' || schema['x-kubernetes-int-or-string']) {
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) this.mismatch(value, 'intstr.IntOrString', path);
      return;
    }
    switch (schema.type) {
      case 'string':
        if (typeof value !== 'string') this.mismatch(value, goType(schema), path);
        return;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value)) this.mismatch(value, goType(schema), path);
        return;
      case 'number':
        if (typeof value !== 'number') this.mismatch(value, goType(schema), path);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') this.mismatch(value, goType(schema), path);
        return;
      case 'array':
        if (!Array.isArray(value)) return this.mismatch(value, goType(schema), path);
        if (schema.items) value.forEach((item, i) => this.value(item, schema.items!, `${path}[${i}]`));
        return;
    }
    const { properties, additionalProperties } = schema;
    const open = typeof additionalProperties === 'object' ? additionalProperties : undefined;
    // An object schema without properties (RawExtension, FieldsV1, JSON) holds anything.
    if (!properties && !open) return;
    if (!isPlainObject(value)) return this.mismatch(value, goType(schema), path);
    for (const key of Object.keys(value)) {
      const known = properties && Object.hasOwn(properties, key) ? properties[key] : open;
      const child = path ? `${path}.${key}` : key;
      if (known) this.value(value[key], known, child);
      else if (additionalProperties !== true) {
        this.report.unknown.push(child);
        if (this.prune) delete value[key];
      }
    }
  }
}

/** Walks `obj` against `schema` (see the file comment); with `prune`, unknown fields are removed from `obj`. */
export function checkDecoded(obj: unknown, schema: Schema, kind: string, prune = false): DecodeReport {
  const w = new Walk(kind, prune);
  w.value(obj, schema, '');
  return w.report;
}

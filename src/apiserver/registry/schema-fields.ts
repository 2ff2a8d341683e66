/**
 * The FieldTracker backed by the generated OpenAPI schemas: unknown-field
 * detection and pruning walk the type's schema, and managedFields entries
 * come from the server-side-apply field sets.
 */
import type { KObject, ResourceType } from '../../api/types.js';
import { firstTypeError, resolveRef, schemaFor, unknownFields, definitions } from '../openapi/index.js';
import type { Schema } from '../openapi/schema.js';
import { definitionsLookup, updateManagedFields } from '../patch/index.js';
import type { FieldTracker } from './fields.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function gvkOf(rt: ResourceType) {
  return { group: rt.group, version: rt.version, kind: rt.kind };
}

/** Removes, in place, every field the schema does not declare. */
function pruneIn(value: unknown, fieldSchema: Schema): void {
  if (value === null || value === undefined) return;
  const schema = resolveRef(fieldSchema);
  if (schema['x-kubernetes-preserve-unknown-fields'] || fieldSchema['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) pruneIn(item, schema.items);
    return;
  }
  if (!isPlainObject(value)) return;
  const { properties, additionalProperties } = schema;
  const open = typeof additionalProperties === 'object' ? additionalProperties : undefined;
  if (!properties && !open) return;
  for (const key of Object.keys(value)) {
    const known = properties && Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (known) pruneIn(value[key], known);
    else if (open) pruneIn(value[key], open);
    else if (additionalProperties !== true) delete value[key];
  }
}

export function schemaFieldTracker(): FieldTracker {
  let lookup: ReturnType<typeof definitionsLookup> | undefined;
  return {
    typeError(rt, obj) {
      const schema = schemaFor(gvkOf(rt));
      return schema ? firstTypeError(obj, schema, rt.kind) : undefined;
    },
    unknownFields(rt, obj) {
      return unknownFields(obj, gvkOf(rt));
    },
    prune(rt, obj) {
      const schema = schemaFor(gvkOf(rt));
      if (schema) pruneIn(obj, schema);
    },
    recordUpdate(rt, old, obj, manager, subresource) {
      lookup ??= definitionsLookup(definitions() as Record<string, Schema>);
      const schema = schemaFor({ group: rt.storage.group, version: rt.storage.version, kind: rt.kind });
      const { managedFields } = updateManagedFields({
        live: old,
        updated: obj as KObject,
        manager,
        operation: 'Update',
        apiVersion: obj.apiVersion ?? `${rt.storage.group ? `${rt.storage.group}/` : ''}${rt.storage.version}`,
        subresource,
        now: new Date(),
        schema,
        lookup,
      });
      const meta = (obj.metadata ??= {});
      if (managedFields.length) meta.managedFields = managedFields;
      else delete meta.managedFields;
    },
  };
}

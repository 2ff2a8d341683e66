/**
 * The FieldTracker backed by the generated OpenAPI schemas: one walk of the
 * type's schema checks value types and finds (and drops) unknown fields, and
 * managedFields entries come from the server-side-apply field sets.
 */
import type { KObject, ResourceType } from '../../api/types.js';
import { checkDecoded, schemaFor, definitions } from '../openapi/index.js';
import type { Schema } from '../openapi/schema.js';
import { definitionsLookup, updateManagedFields } from '../patch/index.js';
import type { FieldTracker } from './fields.js';

function gvkOf(rt: ResourceType) {
  return { group: rt.group, version: rt.version, kind: rt.kind };
}

export function schemaFieldTracker(): FieldTracker {
  let lookup: ReturnType<typeof definitionsLookup> | undefined;
  return {
    decode(rt, obj) {
      const schema = schemaFor(gvkOf(rt));
      return schema ? checkDecoded(obj, schema, rt.kind, true) : { unknown: [] };
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

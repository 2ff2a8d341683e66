/**
 * Fields an object carries that its schema does not know, for
 * fieldValidation=Strict (reject) and Warn (warning header), spelled as
 * Kubernetes' strict decoder reports them: `unknown field "spec.containers[0].imagee"`.
 * The walk itself is checkDecoded's.
 */
import { schemaFor } from './definitions.js';
import { checkDecoded } from './decode-check.js';
import type { GroupVersionKind, Schema } from './schema.js';

/** Unknown field paths of `obj` as a `gvk`; empty when the kind has no built-in schema (nothing to check against). */
export function unknownFields(obj: unknown, gvk: GroupVersionKind): string[] {
  const schema = schemaFor(gvk);
  return schema ? unknownFieldsIn(obj, schema) : [];
}

/** The same, against a given schema (e.g. a CRD's structural schema in the same v2 shape). */
export function unknownFieldsIn(obj: unknown, schema: Schema): string[] {
  return checkDecoded(obj, schema, '').unknown;
}

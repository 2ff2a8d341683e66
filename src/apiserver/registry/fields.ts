/**
 * Field bookkeeping the registry does on every write: what the decoder
 * finds in a body (wrong value types, unknown fields, which it drops), and
 * managedFields for server-side apply (an `Update` entry for the writer's
 * field manager).
 */
import type { KObject, ResourceType } from '../../api/types.js';

export interface DecodeFindings {
  /** The first value of the wrong JSON type (Go decoder wording), or undefined. */
  typeError?: string;
  /** Paths of fields the type's schema does not know, e.g. `spec.containers[0].imagee`. */
  unknown: string[];
}

export interface FieldTracker {
  /** Checks a body against its type's schema and removes the fields the schema does not know. */
  decode(rt: ResourceType, obj: KObject): DecodeFindings;
  /** Record `manager` as owner of the fields it set in `obj` (an `Update` operation). */
  recordUpdate(rt: ResourceType, old: KObject | undefined, obj: KObject, manager: string, subresource?: string): void;
}

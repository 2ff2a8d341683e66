/**
 * Field bookkeeping the registry does on every write: managedFields for
 * server-side apply (an `Update` entry for the writer's field manager), and
 * unknown-field detection and pruning for `fieldValidation`.
 */
import type { KObject, ResourceType } from '../../api/types.js';

export interface FieldTracker {
  /** Record `manager` as owner of the fields it set in `obj` (an `Update` operation). */
  recordUpdate(rt: ResourceType, old: KObject | undefined, obj: KObject, manager: string, subresource?: string): void;
  /** The first value of the wrong JSON type (Go decoder wording), or undefined. */
  typeError(rt: ResourceType, obj: KObject): string | undefined;
  /** Paths of fields the type's schema does not know, e.g. `spec.containers[0].imagee`. */
  unknownFields(rt: ResourceType, obj: KObject): string[];
  /** Remove fields the schema does not know (Kubernetes drops them when decoding). */
  prune(rt: ResourceType, obj: KObject): void;
}

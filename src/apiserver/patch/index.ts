/**
 * The PATCH engines of the API server: RFC 6902 JSON patch, RFC 7386 merge
 * patch, Kubernetes' strategic merge patch, and server-side apply with
 * managedFields. Everything works on plain JSON objects and never changes
 * its inputs; failures are StatusErrors worded as Kubernetes words them.
 */
export { applyPatch, parseApplyBody, patchTypeFromContentType, PATCH_CONTENT_TYPES, type PatchType } from './dispatch.js';
export { decodeJsonPatch, jsonPatch, MAX_JSON_PATCH_OPERATIONS, type JsonPatchOperation } from './json-patch.js';
export { mergePatch } from './merge-patch.js';
export { strategicMergePatch } from './strategic-merge-patch.js';
export {
  BEFORE_FIRST_APPLY_MANAGER,
  managerFromUserAgent,
  serverSideApply,
  updateManagedFields,
  validateFieldManager,
  type ManagedResult,
  type ServerSideApplyOptions,
  type UpdateManagedFieldsOptions,
} from './apply.js';
export { definitionsLookup, type Schema, type SchemaContext, type SchemaLookup } from './schema.js';

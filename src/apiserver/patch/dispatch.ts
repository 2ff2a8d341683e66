/**
 * From a PATCH request to a patched object: the Content-Type picks the
 * engine, the raw body is decoded with the checks (and error texts) of
 * Kubernetes' patch handler.
 */
import { parse as parseYaml } from 'yaml';
import { StatusError, errors, field } from '../../api/errors.js';
import { decodeJsonPatch, jsonPatch } from './json-patch.js';
import { mergePatch } from './merge-patch.js';
import type { SchemaContext } from './schema.js';
import { strategicMergePatch } from './strategic-merge-patch.js';
import { isObject, type JsonObject } from './util.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** The patch type of a Content-Type header (parameters such as charset ignored), or undefined. */
export function patchTypeFromContentType(contentType: string | undefined): PatchType | undefined {
  if (!contentType) return undefined;
  const base = contentType.split(';')[0]!.trim().toLowerCase();
  for (const [type, ct] of Object.entries(PATCH_CONTENT_TYPES)) if (ct === base) return type as PatchType;
  return undefined;
}

/**
 * Applies a json, merge or strategic patch, given as the raw request body,
 * to a copy of `live`. Server-side apply goes through serverSideApply with
 * parseApplyBody instead, because it also needs the manager and force flag.
 */
export function applyPatch<T = JsonObject>(kind: Exclude<PatchType, 'apply'>, live: T, body: string, ctx: SchemaContext = {}): T {
  switch (kind) {
    case 'json':
      return jsonPatch(live, decodeJsonPatch(body));
    case 'merge':
      return applyMergePatch(live, body);
    case 'strategic':
      return strategicMergePatch(live, decodeStrategicPatch(body), ctx.schema, ctx.lookup);
    default:
      throw errors.unsupportedMediaType(String(kind));
  }
}

function applyMergePatch<T>(live: T, body: string): T {
  let patch: unknown;
  try {
    patch = JSON.parse(body);
  } catch {
    throw errors.badRequest('Invalid JSON Patch');
  }
  if (Array.isArray(patch)) {
    // evanphx/json-patch turns an array patch into the document, which then fails to decode as an object.
    throw errors.invalid('', '', '', [field.invalid('patch', body, 'json: cannot unmarshal array into Go value of type map[string]interface {}')]);
  }
  if (!isObject(patch)) throw errors.badRequest('Invalid JSON Patch');
  return mergePatch(live, patch);
}

function decodeStrategicPatch(body: string): JsonObject {
  let patch: unknown;
  try {
    patch = JSON.parse(body);
  } catch (e) {
    throw errors.badRequest((e as Error).message);
  }
  // Go decodes `null` into the empty map it started with.
  if (patch === null) return {};
  if (!isObject(patch)) {
    throw errors.badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch === 'boolean' ? 'bool' : typeof patch} into Go value of type map[string]interface {}`);
  }
  return patch;
}

/** Decodes an application/apply-patch+yaml body (YAML or JSON) into the configuration object. */
export function parseApplyBody(body: string): JsonObject {
  let doc: unknown;
  try {
    doc = parseYaml(body);
  } catch (e) {
    throw new StatusError(400, 'BadRequest', `error decoding YAML: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isObject(doc)) {
    throw new StatusError(
      400,
      'BadRequest',
      `error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${Array.isArray(doc) ? 'array' : typeof doc} into Go value of type map[string]interface {}`,
    );
  }
  return doc;
}

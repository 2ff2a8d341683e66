/** RFC 7386 JSON Merge Patch: objects merge key by key, `null` deletes, anything else replaces. */
import { clone, isObject, type JsonObject } from './util.js';

/** Returns a new document; neither argument is changed. */
export function mergePatch<T = unknown>(doc: T, patch: unknown): T {
  return merge(doc, patch) as T;
}

function merge(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

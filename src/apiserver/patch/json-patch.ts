/**
 * RFC 6902 JSON Patch, with the behaviour Kubernetes gets from
 * evanphx/json-patch v4: negative array indices count from the end, a
 * `replace` of a missing key fails, and failures read like that library's
 * errors (the API server wraps them in a 422 without detail, see below).
 */
import { StatusError } from '../../api/errors.js';
import { clone, deepEqual, isObject, type JsonObject } from './util.js';

export interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

/** Kubernetes refuses patches longer than this (handlers/patch.go maxJSONPatchOperations). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** A failed operation; `message` is what evanphx/json-patch would say. */
export class JsonPatchError extends Error {
  override name = 'JsonPatchError';
}

/**
 * Applies `ops` to a copy of `doc` and returns the copy. A failing
 * operation throws a 422 StatusError worded as Kubernetes words it (the
 * failure itself is kept as the error's `cause`).
 */
export function jsonPatch<T = unknown>(doc: T, ops: readonly JsonPatchOperation[]): T {
  try {
    return applyOperations(doc, ops) as T;
  } catch (e) {
    if (e instanceof JsonPatchError) throw jsonPatchApplyError(e);
    throw e;
  }
}

/**
 * Kubernetes answers a patch that does not apply with
 * NewGenericServerResponse(422, ...), whose message drops the library's text.
 */
export function jsonPatchApplyError(cause: Error): StatusError {
  return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {}, { cause });
}

/**
 * Parses a request body into operations, with the checks the API server
 * makes before applying: a JSON array of objects (400 otherwise) of at most
 * MAX_JSON_PATCH_OPERATIONS entries (413).
 */
export function decodeJsonPatch(text: string): JsonPatchOperation[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new StatusError(400, 'BadRequest', (e as Error).message);
  }
  // Go decodes `null` into a nil slice: a patch with no operations.
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) {
    throw new StatusError(400, 'BadRequest', `json: cannot unmarshal ${goTypeName(parsed)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of parsed) {
    if (!isObject(op)) {
      throw new StatusError(400, 'BadRequest', `json: cannot unmarshal ${goTypeName(op)} into Go value of type jsonpatch.Operation`);
    }
  }
  if (parsed.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new StatusError(
      413,
      'RequestEntityTooLarge',
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${parsed.length}`,
    );
  }
  return parsed as JsonPatchOperation[];
}

function goTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** Splits an RFC 6901 pointer; `~1` is decoded before `~0` so `~01` stays `~1`. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`JSON pointer must be empty or start with a "/": ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function applyOperations(doc: unknown, ops: readonly JsonPatchOperation[]): unknown {
  // The document sits in a holder so that operations on the root ("") use the same code as any other.
  const holder: JsonObject = { '': clone(doc) };
  for (const op of ops) {
    if (!isObject(op)) throw new JsonPatchError('operation is not an object');
    const kind = typeof op.op === 'string' ? op.op : 'unknown';
    switch (kind) {
      case 'add':
        add(holder, pathOf(op, kind), valueOf(op, kind));
        break;
      case 'remove':
        remove(holder, pathOf(op, kind), kind);
        break;
      case 'replace':
        replace(holder, pathOf(op, kind), valueOf(op, kind));
        break;
      case 'move': {
        const from = fromOf(op, kind);
        const to = pathOf(op, kind);
        if (to !== from && to.startsWith(`${from}/`)) {
          throw new JsonPatchError(`move operation does not apply: from path ${from} is a prefix of path ${to}`);
        }
        const v = get(holder, from, `move operation does not apply: doc is missing from path: ${from}`);
        if (to === from) break;
        remove(holder, from, kind);
        add(holder, to, v, kind);
        break;
      }
      case 'copy': {
        const from = fromOf(op, kind);
        const v = get(holder, from, `copy operation does not apply: doc is missing from path: ${from}`);
        add(holder, pathOf(op, kind), clone(v), kind);
        break;
      }
      case 'test': {
        const path = pathOf(op, kind);
        const v = get(holder, path, `test operation does not apply: is missing path: ${path}`);
        if (!deepEqual(v, valueOf(op, kind))) throw new JsonPatchError(`testing value ${path} failed: test failed`);
        break;
      }
      default:
        throw new JsonPatchError(`Unexpected kind: ${kind}`);
    }
  }
  return holder[''];
}

function pathOf(op: JsonPatchOperation, kind: string): string {
  if (typeof op.path !== 'string') throw new JsonPatchError(`${kind} operation failed to decode path: missing value`);
  return op.path;
}

function fromOf(op: JsonPatchOperation, kind: string): string {
  if (typeof op.from !== 'string') throw new JsonPatchError(`${kind} operation failed to decode from: missing value`);
  return op.from;
}

function valueOf(op: JsonPatchOperation, kind: string): unknown {
  if (!Object.prototype.hasOwnProperty.call(op, 'value')) throw new JsonPatchError(`${kind} operation, missing value field: missing value`);
  return clone(op.value);
}

type Container = JsonObject | unknown[];

/** The container holding the pointer's last token, or undefined when a step on the way is missing. */
function locate(holder: JsonObject, pointer: string): { parent: Container; key: string } | undefined {
  const tokens = ['', ...parsePointer(pointer)];
  let cur: unknown = holder;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i]!;
    if (Array.isArray(cur)) {
      const idx = arrayIndex(t, cur.length, false);
      if (idx === undefined) return undefined;
      cur = cur[idx];
    } else if (isObject(cur)) {
      if (!Object.prototype.hasOwnProperty.call(cur, t)) return undefined;
      cur = cur[t];
    } else {
      return undefined;
    }
  }
  if (!Array.isArray(cur) && !isObject(cur)) return undefined;
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

/** An index into a list of `len` items; `forInsert` allows `len` itself. Negative counts from the end. */
function arrayIndex(token: string, len: number, forInsert: boolean): number | undefined {
  if (!/^-?\d+$/.test(token)) return undefined;
  let idx = Number(token);
  const size = forInsert ? len + 1 : len;
  if (idx >= size || idx < -size) return undefined;
  if (idx < 0) idx += size;
  return idx;
}

function invalidIndex(token: string): JsonPatchError {
  return new JsonPatchError(`Unable to access invalid index: ${token}: invalid index referenced`);
}

function get(holder: JsonObject, pointer: string, missing: string): unknown {
  const loc = locate(holder, pointer);
  if (!loc) throw new JsonPatchError(`${missing}: missing value`);
  const { parent, key } = loc;
  if (Array.isArray(parent)) {
    const idx = arrayIndex(key, parent.length, false);
    if (idx === undefined) throw invalidIndex(key);
    return parent[idx];
  }
  if (!Object.prototype.hasOwnProperty.call(parent, key)) throw new JsonPatchError(`${missing}: missing value`);
  return parent[key];
}

function add(holder: JsonObject, pointer: string, value: unknown, kind = 'add'): void {
  const loc = locate(holder, pointer);
  if (!loc) throw new JsonPatchError(`${kind} operation does not apply: doc is missing path: "${pointer}": missing value`);
  const { parent, key } = loc;
  if (Array.isArray(parent)) {
    if (key === '-') {
      parent.push(value);
      return;
    }
    const idx = arrayIndex(key, parent.length, true);
    if (idx === undefined) throw new JsonPatchError(`error in add for path: '${pointer}': Unable to access invalid index: ${key}: invalid index referenced`);
    parent.splice(idx, 0, value);
    return;
  }
  parent[key] = value;
}

function remove(holder: JsonObject, pointer: string, kind: string): void {
  const loc = locate(holder, pointer);
  if (!loc || pointer === '') throw new JsonPatchError(`${kind} operation does not apply: doc is missing path: "${pointer}": missing value`);
  const { parent, key } = loc;
  if (Array.isArray(parent)) {
    const idx = arrayIndex(key, parent.length, false);
    if (idx === undefined) throw new JsonPatchError(`error in ${kind} for path: '${pointer}': Unable to access invalid index: ${key}: invalid index referenced`);
    parent.splice(idx, 1);
    return;
  }
  if (!Object.prototype.hasOwnProperty.call(parent, key)) {
    throw new JsonPatchError(`error in ${kind} for path: '${pointer}': Unable to remove nonexistent key: ${key}: missing value`);
  }
  delete parent[key];
}

function replace(holder: JsonObject, pointer: string, value: unknown): void {
  const loc = locate(holder, pointer);
  if (!loc) throw new JsonPatchError(`replace operation does not apply: doc is missing path: ${pointer}: missing value`);
  const { parent, key } = loc;
  if (Array.isArray(parent)) {
    const idx = arrayIndex(key, parent.length, false);
    if (idx === undefined) throw new JsonPatchError(`replace operation does not apply: doc is missing key: ${pointer}: missing value`);
    parent[idx] = value;
    return;
  }
  if (!Object.prototype.hasOwnProperty.call(parent, key)) {
    throw new JsonPatchError(`replace operation does not apply: doc is missing key: ${pointer}: missing value`);
  }
  parent[key] = value;
}

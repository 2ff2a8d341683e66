/**
 * Kubernetes' strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch),
 * applied server-side. The field schema decides how each list merges:
 * `x-kubernetes-patch-strategy: merge` with a merge key merges list items by
 * that key, merge without a key treats a list of scalars as a set, and any
 * other list is replaced. Directives honoured, with patch.go's semantics:
 *
 * - `$patch: replace` / `$patch: delete` in a map (the map becomes the patch /
 *   an empty map); `$patch: delete` and `$patch: replace` as list items.
 * - `$retainKeys: [...]` drops the keys of the map not listed.
 * - `$setElementOrder/<field>: [...]` orders a merged list.
 * - `$deleteFromPrimitiveList/<field>: [...]` removes scalars from a list.
 * - `null` removes a key.
 *
 * Ordering follows patch.go too: items of the patch keep the patch's order,
 * live-only items keep theirs and are interleaved where the live list had
 * them, so a new container is put before the existing ones.
 *
 * Where patch.go copies a patch value verbatim (a key absent from the live
 * object), this code still processes its directives, so a `$patch` never
 * leaks into a stored object.
 */
import { StatusError } from '../../api/errors.js';
import { Typer, type Schema, type SchemaLookup } from './schema.js';
import { clone, goString, isObject, jsonKind, type JsonObject } from './util.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

/** A patch that cannot be applied; `code` is the HTTP status the API server answers with. */
export class StrategicMergePatchError extends Error {
  override name = 'StrategicMergePatchError';
  constructor(
    message: string,
    readonly code: 400 | 422 = 400,
  ) {
    super(message);
  }

  /**
   * patch.go's interpretStrategicMergePatchError: malformed directives are
   * 400 BadRequest, structural impossibilities 422. Kubernetes answers the
   * rest (missing merge keys, mixed element types) with a bare 500; they are
   * the client's mistakes, so they are 400 here.
   */
  toStatusError(): StatusError {
    if (this.code === 422) {
      return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {}, { cause: this });
    }
    return new StatusError(400, 'BadRequest', this.message, undefined, { cause: this });
  }
}

export const smpErrors = {
  badJSONDoc: () => new StrategicMergePatchError('invalid JSON document'),
  noListOfLists: () => new StrategicMergePatchError('lists of lists are not supported', 422),
  badPrimitiveList: () => new StrategicMergePatchError('invalid patch format of primitive list'),
  badRetainKeys: () => new StrategicMergePatchError('invalid patch format of retainKeys'),
  badSetElementOrder: () => new StrategicMergePatchError('invalid patch format of setElementOrder list'),
  noMergeKey: (m: unknown, key: string) => new StrategicMergePatchError(`map: ${goString(m)} does not contain declared merge key: ${key}`),
  badPatchType: (t: unknown, m: unknown) => new StrategicMergePatchError(`unknown patch type: ${goString(t)} in map: ${goString(m)}`),
  badArgType: (expected: string, actual: unknown) =>
    new StrategicMergePatchError(`expected a ${expected}, but received a ${goTypeOf(actual)}`),
};

function goTypeOf(v: unknown): string {
  switch (jsonKind(v)) {
    case 'object':
      return 'map[string]interface {}';
    case 'array':
      return '[]interface {}';
    case 'string':
      return 'string';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    default:
      return '<nil>';
  }
}

/**
 * Applies a strategic merge patch to a copy of `doc`. `schema` is the kind's
 * root definition; without one every map merges and every list is replaced.
 * Throws a StatusError for a patch that does not apply.
 */
export function strategicMergePatch<T = unknown>(doc: T, patch: unknown, schema?: Schema, lookup?: SchemaLookup): T {
  if (!isObject(patch)) throw smpErrors.badJSONDoc().toStatusError();
  try {
    const m = new Merger(new Typer(lookup));
    return m.mergeMap(isObject(doc) ? clone(doc) : {}, patch, schema) as T;
  } catch (e) {
    if (e instanceof StrategicMergePatchError) throw e.toStatusError();
    throw e;
  }
}

class Merger {
  constructor(private readonly typer: Typer) {}

  /** Merges `patch` into `original`, which is a private copy and is changed in place. */
  mergeMap(original: JsonObject, patch: JsonObject, schema: Schema | undefined): JsonObject {
    if (Object.prototype.hasOwnProperty.call(patch, DIRECTIVE)) {
      const directive = patch[DIRECTIVE];
      if (directive === 'replace') {
        const { [DIRECTIVE]: _d, ...rest } = patch;
        return this.mergeMap({}, rest, schema);
      }
      if (directive === 'delete') return {};
      throw smpErrors.badPatchType(directive, patch);
    }

    this.applyRetainKeys(original, patch);
    const consumed = this.applySetElementOrder(original, patch, schema);

    for (const [k, patchV] of Object.entries(patch)) {
      if (k === RETAIN_KEYS || k.startsWith(`${SET_ELEMENT_ORDER}/`) || consumed.has(k)) continue;
      if (k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`)) {
        this.deleteFromPrimitiveList(original, extractKey(k, DELETE_FROM_PRIMITIVE_LIST), patchV);
        continue;
      }
      if (patchV === null) {
        delete original[k];
        continue;
      }
      const fieldSchema = this.typer.field(schema, k);
      if (!Object.prototype.hasOwnProperty.call(original, k) || jsonKind(original[k]) !== jsonKind(patchV)) {
        original[k] = this.fresh(patchV, fieldSchema);
        continue;
      }
      original[k] = this.mergeValue(original[k], patchV, fieldSchema);
    }
    return original;
  }

  /** Merges two values of the same JSON kind under the field's patch strategy. */
  private mergeValue(originalV: unknown, patchV: unknown, fieldSchema: Schema | undefined): unknown {
    const meta = this.typer.patchMeta(fieldSchema);
    if (isObject(patchV) && isObject(originalV)) {
      return meta.strategy === 'replace' ? this.fresh(patchV, fieldSchema) : this.mergeMap(originalV, patchV, fieldSchema);
    }
    if (Array.isArray(patchV) && Array.isArray(originalV)) {
      if (meta.strategy !== 'merge') return this.fresh(patchV, fieldSchema);
      return this.mergeSlice(originalV, patchV, this.typer.items(fieldSchema), meta.mergeKey);
    }
    return clone(patchV);
  }

  /** A patch value landing where nothing was: directives still apply, against nothing. */
  private fresh(patchV: unknown, fieldSchema: Schema | undefined): unknown {
    if (isObject(patchV)) {
      const meta = this.typer.patchMeta(fieldSchema);
      if (meta.strategy === 'replace') return this.mergeMap({}, stripDirective(patchV), fieldSchema);
      return this.mergeMap({}, patchV, fieldSchema);
    }
    if (Array.isArray(patchV)) {
      const meta = this.typer.patchMeta(fieldSchema);
      if (meta.strategy === 'merge' && patchV.length > 0) return this.mergeSlice([], patchV, this.typer.items(fieldSchema), meta.mergeKey);
      const itemSchema = this.typer.items(fieldSchema);
      return patchV.map((v) => (isObject(v) ? this.mergeMap({}, v, itemSchema) : clone(v)));
    }
    return clone(patchV);
  }

  private applyRetainKeys(original: JsonObject, patch: JsonObject): void {
    if (!Object.prototype.hasOwnProperty.call(patch, RETAIN_KEYS)) return;
    const list = patch[RETAIN_KEYS];
    if (!Array.isArray(list)) throw smpErrors.badRetainKeys();
    const keep = new Set(list);
    for (const [k, v] of Object.entries(patch)) {
      if (k === RETAIN_KEYS || v === null) continue;
      if (k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`) || k.startsWith(`${SET_ELEMENT_ORDER}/`)) continue;
      if (!keep.has(k)) throw smpErrors.badRetainKeys();
    }
    for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
  }

  /** Handles every `$setElementOrder/<field>`; returns the fields it merged, which the caller skips. */
  private applySetElementOrder(original: JsonObject, patch: JsonObject, schema: Schema | undefined): Set<string> {
    const consumed = new Set<string>();
    for (const [k, order] of Object.entries(patch)) {
      if (!k.startsWith(`${SET_ELEMENT_ORDER}/`)) continue;
      if (!Array.isArray(order)) throw smpErrors.badArgType('[]interface {}', order);
      const key = extractKey(k, SET_ELEMENT_ORDER);
      const foundOriginal = Object.prototype.hasOwnProperty.call(original, key) && original[key] !== null;
      const foundPatch = Object.prototype.hasOwnProperty.call(patch, key) && patch[key] !== null;
      const originalList = foundOriginal ? original[key] : [];
      const patchList = foundPatch ? patch[key] : [];
      if (!Array.isArray(originalList)) throw smpErrors.badArgType('[]interface {}', originalList);
      if (!Array.isArray(patchList)) throw smpErrors.badArgType('[]interface {}', patchList);
      const fieldSchema = this.typer.field(schema, key);
      const meta = this.typer.patchMeta(fieldSchema);
      validatePatchWithSetOrderList(patchList, order, meta.mergeKey);

      let merged: unknown[];
      if (foundOriginal && !foundPatch) merged = originalList;
      else if (!foundOriginal && foundPatch) merged = this.fresh(patchList, fieldSchema) as unknown[];
      else if (foundOriginal && foundPatch) merged = this.mergeValue(originalList, patchList, fieldSchema) as unknown[];
      else continue;
      consumed.add(key);
      if (merged.length === 0) {
        original[key] = merged;
        continue;
      }
      const kind = sliceElementKind(originalList, patchList, merged);
      const mergeKey = kind === 'object' ? meta.mergeKey : '';
      const [patchItems, serverOnly] = partitionByPresence(merged, order, mergeKey);
      original[key] = normalizeElementOrder(patchItems, serverOnly, order, originalList, mergeKey);
    }
    return consumed;
  }

  private deleteFromPrimitiveList(original: JsonObject, key: string, toDelete: unknown): void {
    if (!Array.isArray(toDelete)) throw smpErrors.badPrimitiveList();
    const cur = original[key];
    if (!Array.isArray(cur)) return;
    original[key] = cur.filter((v) => !toDelete.some((d) => d === v));
  }

  /** mergeSlice of patch.go: items merged by key (maps) or as a set (scalars), then ordered. */
  mergeSlice(original: unknown[], patch: unknown[], itemSchema: Schema | undefined, mergeKey: string): unknown[] {
    if (original.length === 0 && patch.length === 0) return original;
    const kind = sliceElementKind(original, patch);
    let merged: unknown[];
    let patchList = patch;
    let base = original;
    if (kind !== 'object') {
      merged = dedupe([...original, ...patch]);
    } else {
      if (!mergeKey) throw new StrategicMergePatchError('cannot merge lists without merge key for type struct');
      [base, patchList] = this.applyListDirectives(original, patch, mergeKey, itemSchema);
      merged = [...base];
      for (const v of patchList as JsonObject[]) {
        if (!Object.prototype.hasOwnProperty.call(v, mergeKey)) throw smpErrors.noMergeKey(v, mergeKey);
        const idx = merged.findIndex((o) => isObject(o) && Object.prototype.hasOwnProperty.call(o, mergeKey) && o[mergeKey] === v[mergeKey]);
        if (idx >= 0) merged[idx] = this.mergeMap(clone(merged[idx] as JsonObject), v, itemSchema);
        else merged.push(this.mergeMap({}, v, itemSchema));
      }
    }
    const key = kind === 'object' ? mergeKey : '';
    const [patchItems, serverOnly] = partitionByPresence(merged, patchList, key);
    return normalizeElementOrder(patchItems, serverOnly, patchList, base, key);
  }

  /**
   * `$patch` items of a keyed list: delete removes live items with that key,
   * replace makes the remaining patch items the whole list. Returns the new
   * base list and the patch without directive items.
   */
  private applyListDirectives(original: unknown[], patch: unknown[], mergeKey: string, itemSchema: Schema | undefined): [unknown[], unknown[]] {
    const plain: unknown[] = [];
    let replace = false;
    let base = original;
    for (const v of patch as JsonObject[]) {
      if (!Object.prototype.hasOwnProperty.call(v, DIRECTIVE)) {
        plain.push(v);
        continue;
      }
      const directive = v[DIRECTIVE];
      if (directive === 'delete') {
        if (!Object.prototype.hasOwnProperty.call(v, mergeKey)) throw smpErrors.noMergeKey(v, mergeKey);
        base = base.filter((o) => !(isObject(o) && o[mergeKey] === v[mergeKey]));
      } else if (directive === 'replace') {
        replace = true;
      } else if (directive === 'merge') {
        throw new StrategicMergePatchError('merging lists cannot yet be specified in the patch');
      } else {
        throw smpErrors.badPatchType(directive, v);
      }
    }
    if (replace) return [plain.map((v) => this.mergeMap({}, v as JsonObject, itemSchema)), []];
    return [base, plain];
  }
}

function stripDirective(m: JsonObject): JsonObject {
  const { [DIRECTIVE]: _d, ...rest } = m;
  return rest;
}

function extractKey(k: string, prefix: string): string {
  const idx = k.indexOf('/');
  const key = idx >= 0 ? k.slice(idx + 1) : '';
  if (k.slice(0, idx) !== prefix || key === '') {
    throw prefix === DELETE_FROM_PRIMITIVE_LIST ? smpErrors.badPrimitiveList() : smpErrors.badSetElementOrder();
  }
  return key;
}

/** The common JSON kind of the elements of the lists; lists of lists and mixed kinds are refused. */
function sliceElementKind(...lists: unknown[][]): string {
  let kind: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = jsonKind(v);
      if (kind === undefined) {
        if (k === 'array') throw smpErrors.noListOfLists();
        kind = k;
      } else if (k !== kind) {
        throw new StrategicMergePatchError(`list element types are not identical: ${lists.map(goString).join(' ')}`);
      }
    }
  }
  return kind ?? 'null';
}

function dedupe(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of list) if (!out.some((o) => o === v)) out.push(v);
  return out;
}

/** The identity of a list item: its merge key value for maps, itself for scalars. */
function identity(v: unknown, mergeKey: string): unknown {
  if (!mergeKey) return v;
  return isObject(v) ? v[mergeKey] : undefined;
}

function indexIn(list: unknown[], v: unknown, mergeKey: string): number {
  const id = identity(v, mergeKey);
  return list.findIndex((o) => identity(o, mergeKey) === id);
}

function requireMergeKey(list: unknown[], mergeKey: string): void {
  if (!mergeKey) return;
  for (const v of list) {
    if (!isObject(v)) throw smpErrors.badArgType('map[string]interface {}', v);
    if (!Object.prototype.hasOwnProperty.call(v, mergeKey)) throw smpErrors.noMergeKey(v, mergeKey);
  }
}

/** Splits `list` into the items present in `by` and the others, keeping `list`'s order. */
function partitionByPresence(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  requireMergeKey(list, mergeKey);
  const present: unknown[] = [];
  const absent: unknown[] = [];
  for (const v of list) (indexIn(by, v, mergeKey) >= 0 ? present : absent).push(v);
  return [present, absent];
}

/** Stable sort of `toSort` by position in `order`; items `order` lacks stay behind, in their order. */
function sortByOrder(toSort: unknown[], order: unknown[], mergeKey: string): unknown[] {
  requireMergeKey(toSort, mergeKey);
  requireMergeKey(order, mergeKey);
  const found = toSort.filter((v) => indexIn(order, v, mergeKey) >= 0);
  const missing = toSort.filter((v) => indexIn(order, v, mergeKey) < 0);
  found.sort((a, b) => indexIn(order, a, mergeKey) - indexIn(order, b, mergeKey));
  return [...found, ...missing];
}

/**
 * patch.go's normalizeElementOrder + mergeSortedSlice: the patch items in
 * patch order, each live-only item slotted in before the first patch item
 * that came after it in the live list.
 */
function normalizeElementOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** validatePatchWithSetOrderList: the patch's items must appear in the order list, in its order. */
function validatePatchWithSetOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? patchList.filter((v) => !(isObject(v) && v[DIRECTIVE] === 'delete')) : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < order.length) {
    const item = nonDelete[p];
    if (isObject(item) && Object.prototype.hasOwnProperty.call(item, DIRECTIVE)) {
      p++;
      continue;
    }
    if (mergeKey) {
      requireMergeKey([item, order[s]], mergeKey);
      if ((item as JsonObject)[mergeKey] === (order[s] as JsonObject)[mergeKey]) p++;
    } else if (item === order[s]) {
      p++;
    }
    s++;
  }
  if (p < nonDelete.length) {
    throw new StrategicMergePatchError(
      `The order in patch list:\n${goString(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goString(order)}\n`,
    );
  }
}

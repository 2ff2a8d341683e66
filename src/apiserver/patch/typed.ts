/**
 * Schema-aware walks over objects for server-side apply, after
 * structured-merge-diff's typed package: the field set an applied
 * configuration claims, the difference between two objects as field sets,
 * the merge of an applied configuration into a live object, and the removal
 * of fields an applier gave up.
 *
 * Node kinds come from the schema (see Typer.nodeType): structs and maps
 * are granular unless marked atomic, lists are atomic, sets or keyed maps.
 * Without a schema, objects are granular and lists atomic.
 */
import { FieldSet, fieldPE, keyPE, pathString, valuePE, type Path, type PathElement } from './fieldpath.js';
import type { NodeType, Schema, Typer } from './schema.js';
import { clone, deepEqual, goString, isObject, type JsonObject } from './util.js';

/** An object that does not fit its schema (duplicate keys, missing key fields). */
export class TypedValueError extends Error {
  override name = 'TypedValueError';
}

/**
 * Key fields with a schema default. The OpenAPI data rarely carries
 * defaults, and a port's protocol is the one key field Kubernetes defaults
 * ("TCP") that appears in keyed lists, so it is known here as well.
 */
const knownKeyDefaults: Record<string, unknown> = { protocol: 'TCP' };

type ListNode = Extract<NodeType, { kind: 'list' }>;

function granularList(t: NodeType): t is ListNode {
  return t.kind === 'list' && t.listType !== 'atomic';
}

function atomicObject(t: NodeType): boolean {
  return (t.kind === 'struct' || t.kind === 'map') && t.atomic;
}

export class TypedWalker {
  constructor(private readonly typer: Typer) {}

  /** The path element naming `item` inside a keyed list or set. */
  itemElement(t: ListNode, item: unknown, path: Path): PathElement {
    if (t.listType === 'set') {
      if (isObject(item) || Array.isArray(item)) throw new TypedValueError(`${pathString(path)}: sets may only contain scalars, got ${goString(item)}`);
      return valuePE(item);
    }
    if (!isObject(item)) throw new TypedValueError(`${pathString(path)}: associative list with keys may not have non-map elements`);
    const keys: JsonObject = {};
    for (const k of t.keys) {
      if (Object.prototype.hasOwnProperty.call(item, k) && item[k] !== null) {
        keys[k] = item[k];
        continue;
      }
      const def = this.typer.resolve(this.typer.field(t.elem, k))?.default ?? knownKeyDefaults[k];
      if (def === undefined) {
        throw new TypedValueError(`${pathString(path)}: associative list with keys has an element that omits key field "${k}" (and doesn't have default value)`);
      }
      keys[k] = def;
    }
    return keyPE(keys);
  }

  /** Items of a granular list by element; duplicates are an error in `strict` mode and ignored otherwise. */
  indexItems(t: ListNode, list: unknown[], path: Path, strict: boolean): Map<PathElement, unknown> {
    const out = new Map<PathElement, unknown>();
    for (const item of list) {
      const pe = this.itemElement(t, item, path);
      if (out.has(pe)) {
        if (strict) throw new TypedValueError(`${pathString(path)}: duplicate entries for key ${pathString([pe])}`);
        continue;
      }
      out.set(pe, item);
    }
    return out;
  }

  /**
   * The fields an applied configuration sets (TypedValue.ToFieldSet): every
   * leaf, every list item, every map entry that is not a struct field, and
   * any empty or null value.
   */
  toFieldSet(v: unknown, schema: Schema | undefined): FieldSet {
    const set = new FieldSet();
    this.collect(v, schema, [], set);
    return set;
  }

  private collect(v: unknown, schema: Schema | undefined, path: Path, set: FieldSet): void {
    const t = this.typer.nodeType(schema);
    if (isObject(v)) {
      if (atomicObject(t)) {
        set.insert(path);
        return;
      }
      for (const [k, val] of Object.entries(v)) {
        const child = [...path, fieldPE(k)];
        this.collect(val, this.typer.field(schema, k), child, set);
        if (val === null || (isObject(val) && Object.keys(val).length === 0) || !this.typer.isNamedField(schema, k)) set.insert(child);
      }
      return;
    }
    if (Array.isArray(v)) {
      if (!granularList(t)) {
        set.insert(path);
        return;
      }
      for (const [pe, item] of this.indexItems(t, v, path, true)) {
        const child = [...path, pe];
        if (t.listType === 'map') this.collect(item, t.elem, child, set);
        set.insert(child);
      }
      return;
    }
    if (path.length > 0) set.insert(path);
  }

  /**
   * `compare({}, v).added`, built straight into one trie without the path
   * arrays and three sets compare allocates: the field set of a newly
   * created object, which every create records in managedFields (a hot
   * path). typed.test.ts checks it equals compare's answer.
   */
  addedFields(v: unknown, schema: Schema | undefined): FieldSet {
    const set = new FieldSet();
    this.added(v, schema, set, false, true);
    return set;
  }

  private added(r: unknown, schema: Schema | undefined, node: FieldSet, namedStruct: boolean, root: boolean): void {
    const t = this.typer.nodeType(schema);
    if (isObject(r)) {
      const keys = Object.keys(r);
      if (atomicObject(t) || keys.length === 0) {
        node.member = true;
        return;
      }
      for (const k of keys) {
        const cs = this.typer.field(schema, k);
        const named = this.typer.isNamedField(schema, k) && this.typer.nodeType(cs).kind === 'struct';
        this.added(r[k], cs, node.childOrNew(fieldPE(k)), named, false);
      }
      if (!root && !(namedStruct && t.kind === 'struct')) node.member = true;
      return;
    }
    if (Array.isArray(r) && granularList(t)) {
      if (r.length > 0) {
        const itemSchema = t.listType === 'map' ? t.elem : undefined;
        for (const [pe, item] of this.indexItems(t, r, [], false)) this.added(item, itemSchema, node.childOrNew(pe), false, false);
      }
      if (!root) node.member = true;
      return;
    }
    node.member = true;
  }

  /**
   * TypedValue.Compare: nodes present on one side only are added/removed
   * (with everything below them), leaves present on both sides and unequal
   * are modified. Struct-typed fields themselves are not recorded, only
   * what they hold: managedFields for updates then read like Kubernetes'
   * (`f:spec` without a `.`, `f:labels` with one when the map is new).
   */
  compare(lhs: unknown, rhs: unknown, schema: Schema | undefined): Comparison {
    const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
    this.cmp(lhs ?? {}, rhs ?? {}, schema, [], c, false);
    return c;
  }

  private cmp(l: unknown, r: unknown, schema: Schema | undefined, path: Path, c: Comparison, namedStruct: boolean): void {
    const t = this.typer.nodeType(schema);
    const record = () => {
      if (path.length === 0) return;
      if (l === undefined) c.added.insert(path);
      else if (r === undefined) c.removed.insert(path);
    };
    const leaf = () => {
      if (l === undefined) c.added.insert(path);
      else if (r === undefined) c.removed.insert(path);
      else if (!deepEqual(l, r)) c.modified.insert(path);
    };
    const lo = l === undefined || isObject(l);
    const ro = r === undefined || isObject(r);
    if (lo && ro && (isObject(l) || isObject(r))) {
      const lm = (l ?? {}) as JsonObject;
      const rm = (r ?? {}) as JsonObject;
      if (atomicObject(t) || (Object.keys(lm).length === 0 && Object.keys(rm).length === 0)) return leaf();
      const keys = new Set([...Object.keys(lm), ...Object.keys(rm)]);
      for (const k of keys) {
        const cs = this.typer.field(schema, k);
        const named = this.typer.isNamedField(schema, k) && this.typer.nodeType(cs).kind === 'struct';
        this.cmp(lm[k], rm[k], cs, [...path, fieldPE(k)], c, named);
      }
      if (!(namedStruct && t.kind === 'struct')) record();
      return;
    }
    const la = l === undefined || Array.isArray(l);
    const ra = r === undefined || Array.isArray(r);
    if (la && ra && (Array.isArray(l) || Array.isArray(r)) && granularList(t)) {
      const ll = (l ?? []) as unknown[];
      const rl = (r ?? []) as unknown[];
      if (ll.length === 0 && rl.length === 0) return leaf();
      const li = this.indexItems(t, ll, path, false);
      const ri = this.indexItems(t, rl, path, false);
      const itemSchema = t.listType === 'map' ? t.elem : undefined;
      for (const [pe, item] of ri) this.cmp(li.get(pe), item, itemSchema, [...path, pe], c, false);
      for (const [pe, item] of li) if (!ri.has(pe)) this.cmp(item, undefined, itemSchema, [...path, pe], c, false);
      record();
      return;
    }
    leaf();
  }

  /**
   * TypedValue.Merge with the applied configuration on the right: its
   * leaves win, granular maps merge key by key, keyed lists and sets merge
   * item by item, atomic values are replaced. A `null` in the configuration
   * clears the field.
   */
  merge(lhs: unknown, rhs: unknown, schema: Schema | undefined): unknown {
    if (rhs === undefined) return clone(lhs);
    if (lhs === undefined || lhs === null) return dropNulls(rhs);
    const t = this.typer.nodeType(schema);
    if (isObject(lhs) && isObject(rhs) && !atomicObject(t)) {
      const out: JsonObject = clone(lhs);
      for (const [k, v] of Object.entries(rhs)) {
        if (v === null) delete out[k];
        else out[k] = this.merge(lhs[k], v, this.typer.field(schema, k));
      }
      return out;
    }
    if (Array.isArray(lhs) && Array.isArray(rhs) && granularList(t)) return this.mergeList(t, lhs, rhs);
    return dropNulls(rhs);
  }

  /**
   * Item order as structured-merge-diff merges lists: the applied order for
   * applied items, with live-only items kept where they sat relative to the
   * items both lists share.
   */
  private mergeList(t: ListNode, lhs: unknown[], rhs: unknown[]): unknown[] {
    const li = this.indexItems(t, lhs, [], false);
    const ri = this.indexItems(t, rhs, [], true);
    const lOrder = [...li.keys()];
    const rOrder = [...ri.keys()];
    const shared = rOrder.filter((pe) => li.has(pe));
    let nextShared = 0;
    const itemSchema = t.listType === 'map' ? t.elem : undefined;
    const out: unknown[] = [];
    const emitted = new Set<PathElement>();
    const emit = (pe: PathElement) => {
      if (emitted.has(pe)) return;
      emitted.add(pe);
      out.push(ri.has(pe) ? this.merge(li.get(pe), ri.get(pe), itemSchema) : clone(li.get(pe)));
    };
    let l = 0;
    let r = 0;
    while (l < lOrder.length || r < rOrder.length) {
      if (l < lOrder.length && r < rOrder.length) {
        const pe = lOrder[l]!;
        if (pe === rOrder[r]) {
          emit(pe);
          l++;
          r++;
          if (shared[nextShared] === pe) nextShared++;
          continue;
        }
        if (ri.has(pe) && shared[nextShared] !== undefined && shared[nextShared] !== pe) {
          l++;
          continue;
        }
      }
      if (l < lOrder.length && !ri.has(lOrder[l]!)) {
        emit(lOrder[l]!);
        l++;
        continue;
      }
      if (r < rOrder.length) {
        const pe = rOrder[r]!;
        emit(pe);
        r++;
        if (shared[nextShared] === pe) nextShared++;
        continue;
      }
      // Only live items already merged remain.
      l++;
    }
    return out;
  }

  /**
   * Removes what an applier held last time (`last`) and nobody holds now
   * (`owned`, every manager's set including the applier's new one). A node
   * someone still holds something under is descended into instead; a struct
   * field nobody holds anything under goes whole, as structured-merge-diff's
   * EnsureNamedFieldsAreMembers makes it do.
   */
  prune(v: unknown, last: FieldSet, owned: FieldSet | undefined, schema: Schema | undefined, path: Path = []): unknown {
    if (isObject(v)) {
      const out: JsonObject = { ...v };
      for (const [pe, lastChild] of last.children) {
        if (!pe.startsWith('f:')) continue;
        const k = pe.slice(2);
        if (!Object.prototype.hasOwnProperty.call(out, k)) continue;
        // The object's identity is never pruned, whatever an old field set says.
        if (path.length === 0 && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) {
          out[k] = this.prune(out[k], lastChild, owned?.child(pe), this.typer.field(schema, k), [...path, pe]);
          continue;
        }
        const ownedChild = owned?.child(pe);
        if (ownedChild && !ownedChild.isEmpty()) {
          out[k] = this.prune(out[k], lastChild, ownedChild, this.typer.field(schema, k), [...path, pe]);
          continue;
        }
        if (lastChild.member || this.typer.isNamedField(schema, k)) delete out[k];
        else out[k] = this.prune(out[k], lastChild, undefined, this.typer.field(schema, k), [...path, pe]);
      }
      return out;
    }
    if (Array.isArray(v)) {
      const t = this.typer.nodeType(schema);
      if (!granularList(t)) return v;
      const itemSchema = t.listType === 'map' ? t.elem : undefined;
      const out: unknown[] = [];
      for (const item of v) {
        let pe: PathElement;
        try {
          pe = this.itemElement(t, item, path);
        } catch {
          out.push(item);
          continue;
        }
        const lastChild = last.child(pe);
        if (!lastChild) {
          out.push(item);
          continue;
        }
        const ownedChild = owned?.child(pe);
        if (ownedChild && !ownedChild.isEmpty()) {
          out.push(this.prune(item, lastChild, ownedChild, itemSchema, [...path, pe]));
          continue;
        }
        if (lastChild.member) continue;
        out.push(this.prune(item, lastChild, undefined, itemSchema, [...path, pe]));
      }
      return out;
    }
    return v;
  }
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** A configuration's `null`s mean "unset"; they are not stored. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
    return out;
  }
  return v;
}

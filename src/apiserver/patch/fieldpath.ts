/**
 * Sets of field paths, as structured-merge-diff keeps them for managedFields,
 * with their FieldsV1 encoding. A path is a list of encoded path elements:
 *
 *   f:<name>          a field or map key
 *   k:{"name":"x"}    an item of a keyed list, by its keys (sorted by name)
 *   v:"a"             an item of a set, by value
 *   i:3               a list item by index (read, never written here)
 *
 * The set is a trie; a node is a member when the path ending there is in the
 * set. FieldsV1 writes a member with children as `".": {}` beside them, and a
 * member without children as `{}`.
 */
import { isObject, type JsonObject } from './util.js';

export type PathElement = string;
export type Path = PathElement[];

export const fieldPE = (name: string): PathElement => `f:${name}`;

/** A keyed-list item's element; keys are written in name order so equal keys encode equally. */
export function keyPE(keys: Record<string, unknown>): PathElement {
  const sorted: JsonObject = {};
  for (const k of Object.keys(keys).sort()) sorted[k] = keys[k];
  return `k:${JSON.stringify(sorted)}`;
}

export const valuePE = (v: unknown): PathElement => `v:${JSON.stringify(v)}`;

/** fieldpath.Path.String(): `.spec.containers[name="nginx"].image`. */
export function pathString(path: Path): string {
  return path.map(elementString).join('');
}

function elementString(pe: PathElement): string {
  const body = pe.slice(2);
  switch (pe.slice(0, 2)) {
    case 'f:':
      return `.${body}`;
    case 'k:': {
      const keys = JSON.parse(body) as JsonObject;
      return `[${Object.entries(keys)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    }
    case 'v:':
      return `[=${body}]`;
    case 'i:':
      return `[${body}]`;
    default:
      return pe;
  }
}

export class FieldSet {
  member = false;
  readonly children = new Map<PathElement, FieldSet>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: Path): void {
    let node: FieldSet = this;
    for (const pe of path) {
      let next = node.children.get(pe);
      if (!next) {
        next = new FieldSet();
        node.children.set(pe, next);
      }
      node = next;
    }
    node.member = true;
  }

  /** The child at `pe`, made (empty, not a member) when missing. */
  childOrNew(pe: PathElement): FieldSet {
    let c = this.children.get(pe);
    if (!c) {
      c = new FieldSet();
      this.children.set(pe, c);
    }
    return c;
  }

  child(pe: PathElement): FieldSet | undefined {
    return this.children.get(pe);
  }

  has(path: Path): boolean {
    let node: FieldSet | undefined = this;
    for (const pe of path) {
      node = node.children.get(pe);
      if (!node) return false;
    }
    return node.member;
  }

  isEmpty(): boolean {
    if (this.member) return false;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  clone(): FieldSet {
    const s = new FieldSet();
    s.member = this.member;
    for (const [pe, c] of this.children) s.children.set(pe, c.clone());
    return s;
  }

  union(other: FieldSet): FieldSet {
    const s = this.clone();
    s.addAll(other);
    return s;
  }

  private addAll(other: FieldSet): void {
    if (other.member) this.member = true;
    for (const [pe, oc] of other.children) {
      let c = this.children.get(pe);
      if (!c) {
        c = new FieldSet();
        this.children.set(pe, c);
      }
      c.addAll(oc);
    }
  }

  /** The paths of this set that `other` does not hold (exact paths: a member of `other` does not take its children away). */
  difference(other: FieldSet): FieldSet {
    const s = new FieldSet();
    s.member = this.member && !other.member;
    for (const [pe, c] of this.children) {
      const oc = other.children.get(pe);
      const d = oc ? c.difference(oc) : c.clone();
      if (!d.isEmpty()) s.children.set(pe, d);
    }
    return s;
  }

  intersection(other: FieldSet): FieldSet {
    const s = new FieldSet();
    s.member = this.member && other.member;
    for (const [pe, c] of this.children) {
      const oc = other.children.get(pe);
      if (!oc) continue;
      const i = c.intersection(oc);
      if (!i.isEmpty()) s.children.set(pe, i);
    }
    return s;
  }

  /** Every member path, in encoding order. */
  paths(prefix: Path = []): Path[] {
    const out: Path[] = [];
    if (this.member && prefix.length > 0) out.push(prefix);
    for (const pe of sortedElements(this.children.keys())) out.push(...this.children.get(pe)!.paths([...prefix, pe]));
    return out;
  }

  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    if (this.member && this.children.size > 0) out['.'] = {};
    for (const pe of sortedElements(this.children.keys())) {
      const c = this.children.get(pe)!;
      if (c.isEmpty()) continue;
      out[pe] = c.toFieldsV1();
    }
    return out;
  }

  /** Reads FieldsV1; anything unrecognisable is skipped rather than failing the request. */
  static fromFieldsV1(v: unknown): FieldSet {
    const s = new FieldSet();
    s.readFieldsV1(v, true);
    return s;
  }

  private readFieldsV1(v: unknown, root: boolean): void {
    if (!isObject(v)) return;
    const keys = Object.keys(v);
    if (!root && keys.length === 0) this.member = true;
    for (const k of keys) {
      if (k === '.') {
        if (!root) this.member = true;
        continue;
      }
      if (!/^[fkvi]:/.test(k)) continue;
      const c = new FieldSet();
      c.readFieldsV1(v[k], false);
      if (!c.isEmpty()) this.children.set(k, c);
    }
  }
}

const typeRank: Record<string, number> = { 'f:': 0, 'k:': 1, 'v:': 2, 'i:': 3 };

/** structured-merge-diff's order: fields, then keyed items, then values, then indices; each by text. */
function sortedElements(pes: Iterable<PathElement>): PathElement[] {
  return [...pes].sort((a, b) => {
    const ra = typeRank[a.slice(0, 2)] ?? 4;
    const rb = typeRank[b.slice(0, 2)] ?? 4;
    if (ra !== rb) return ra - rb;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

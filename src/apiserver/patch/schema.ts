/**
 * The slice of an OpenAPI v2 definition that the patch engines read: object
 * shape plus the Kubernetes patch extensions. The server hands over the
 * generated document's `definitions[name]` for the kind as the root and a
 * lookup for `$ref`s; the engines never need more than that.
 *
 * A path with no schema (unknown fields, or a kind without one) merges the
 * way Kubernetes treats untyped data: maps key by key, lists replaced whole.
 */

export interface Schema {
  type?: string;
  format?: string;
  $ref?: string;
  allOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  default?: unknown;
  'x-kubernetes-patch-merge-key'?: string;
  /** 'merge', 'retainKeys', 'merge,retainKeys' or 'replace'. */
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-int-or-string'?: boolean;
}

export interface SchemaLookup {
  /** `ref` is the `$ref` text as written, e.g. `#/definitions/io.k8s.api.core.v1.PodSpec`. */
  resolve(ref: string): Schema | undefined;
}

/** What a caller passes: the kind's root schema and how to follow its `$ref`s. Both optional. */
export interface SchemaContext {
  schema?: Schema;
  lookup?: SchemaLookup;
}

/** A lookup over an OpenAPI v2 `definitions` table (also accepts v3 `#/components/schemas/` refs). */
export function definitionsLookup(definitions: Record<string, Schema>): SchemaLookup {
  return {
    resolve(ref: string) {
      const name = ref.replace(/^#\/(definitions|components\/schemas)\//, '');
      return definitions[name];
    },
  };
}

/** How a node of an object merges, decided from its schema. */
export type NodeType =
  | { kind: 'struct'; atomic: boolean; schema: Schema }
  | { kind: 'map'; atomic: boolean; elem: Schema | undefined }
  | { kind: 'list'; listType: 'atomic' | 'set' | 'map'; keys: string[]; elem: Schema | undefined }
  | { kind: 'scalar' }
  /** No schema: maps merge key by key, lists are atomic (structured-merge-diff's "deduced" type). */
  | { kind: 'untyped' };

/** Strategic-merge-patch metadata of one field, read from the field's own schema. */
export interface PatchMeta {
  /** 'merge' | 'replace' | '' — the retainKeys part is split off, as patch.go does. */
  strategy: string;
  mergeKey: string;
}

const MAX_REF_DEPTH = 32;

/**
 * Follows `$ref`/`allOf` of one schema. Extensions written beside a `$ref`
 * (where the generator puts a field's patch strategy) win over the target's.
 */
export class Typer {
  /**
   * Resolved schemas by input schema: schemas are shared and never change,
   * and resolving allocates, so each is resolved once (this is on the hot
   * path of every write through managedFields).
   */
  private readonly resolved = new WeakMap<Schema, Schema | null>();

  constructor(private readonly lookup?: SchemaLookup) {}

  resolve(s: Schema | undefined): Schema | undefined {
    if (!s) return undefined;
    const hit = this.resolved.get(s);
    if (hit !== undefined) return hit ?? undefined;
    const out = this.resolveUncached(s);
    this.resolved.set(s, out ?? null);
    return out;
  }

  private resolveUncached(s: Schema | undefined): Schema | undefined {
    let cur = s;
    for (let depth = 0; cur && depth < MAX_REF_DEPTH; depth++) {
      if (cur.$ref) {
        const target = this.lookup?.resolve(cur.$ref);
        const { $ref: _ref, ...rest } = cur;
        cur = target ? { ...target, ...dropDocs(rest) } : rest;
        if (!target) return isEmptySchema(cur) ? undefined : cur;
        continue;
      }
      if (cur.allOf?.length) {
        const { allOf, ...rest } = cur;
        let merged: Schema = {};
        for (const part of allOf) merged = { ...merged, ...(this.resolve(part) ?? {}) };
        cur = { ...merged, ...dropDocs(rest) };
        continue;
      }
      return cur;
    }
    return cur;
  }

  /** The schema of `key` inside an object node, or undefined when unknown. */
  field(parent: Schema | undefined, key: string): Schema | undefined {
    const p = this.resolve(parent);
    if (!p) return undefined;
    const f = p.properties?.[key];
    if (f) return f;
    if (isObjectSchema(p.additionalProperties)) return p.additionalProperties;
    return undefined;
  }

  /** True when `key` is a declared property (a struct field), not a map entry. */
  isNamedField(parent: Schema | undefined, key: string): boolean {
    const p = this.resolve(parent);
    return !!p?.properties && Object.prototype.hasOwnProperty.call(p.properties, key);
  }

  items(list: Schema | undefined): Schema | undefined {
    return this.resolve(list)?.items;
  }

  patchMeta(fieldSchema: Schema | undefined): PatchMeta {
    const s = this.resolve(fieldSchema);
    const raw = s?.['x-kubernetes-patch-strategy'] ?? '';
    const parts = raw.split(',').map((x) => x.trim()).filter((x) => x && x !== 'retainKeys');
    return { strategy: parts[0] ?? '', mergeKey: s?.['x-kubernetes-patch-merge-key'] ?? '' };
  }

  nodeType(schema: Schema | undefined): NodeType {
    const s = this.resolve(schema);
    if (!s) return { kind: 'untyped' };
    if (s['x-kubernetes-int-or-string']) return { kind: 'scalar' };
    if (s.type === 'array' || s.items) return this.listType(s);
    const atomic = s['x-kubernetes-map-type'] === 'atomic';
    if (s.properties && Object.keys(s.properties).length > 0) return { kind: 'struct', atomic, schema: s };
    if (s.additionalProperties !== undefined && s.additionalProperties !== false) {
      return { kind: 'map', atomic, elem: isObjectSchema(s.additionalProperties) ? s.additionalProperties : undefined };
    }
    if (s.type === 'object') return atomic ? { kind: 'map', atomic, elem: undefined } : { kind: 'untyped' };
    if (s.type) return { kind: 'scalar' };
    return { kind: 'untyped' };
  }

  /**
   * An explicit x-kubernetes-list-type wins; otherwise a merge patch strategy
   * makes a keyed list (with a merge key) or a set (without), like the
   * OpenAPI-to-structured-merge-diff conversion does; anything else is atomic.
   */
  private listType(s: Schema): NodeType {
    const elem = s.items;
    const mergeKey = s['x-kubernetes-patch-merge-key'];
    const strategy = s['x-kubernetes-patch-strategy'] ?? '';
    let listType = s['x-kubernetes-list-type'];
    let keys = s['x-kubernetes-list-map-keys'] ?? [];
    if (!listType) {
      if (strategy.split(',').includes('merge')) listType = mergeKey ? 'map' : 'set';
      else listType = 'atomic';
    }
    if (listType === 'map' && keys.length === 0) {
      if (mergeKey) keys = [mergeKey];
      else listType = 'atomic';
    }
    return { kind: 'list', listType, keys, elem };
  }
}

function isObjectSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null;
}

function dropDocs(s: Schema): Schema {
  const { description: _d, ...rest } = s as Schema & { description?: string };
  return rest;
}

function isEmptySchema(s: Schema): boolean {
  return Object.keys(dropDocs(s)).length === 0;
}

/**
 * The definitions one document draws on: the generated built-in ones plus,
 * for resources without a built-in type (custom resources), a definition
 * made from the schema the caller supplies or an open object.
 */
import type { ResourceType } from '../../api/types.js';
import { definitionNameFor, definitions } from './definitions.js';
import type { TypeRef } from './operations.js';
import { definitionRefPrefix, type GroupVersionKind, type Schema } from './schema.js';

export const metaPrefix = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

/** Schemas for kinds that have no built-in definition, keyed `group/version/kind` (e.g. a CRD version's openAPIV3Schema). */
export type CustomSchemas = ReadonlyMap<string, Schema>;

export const gvkKey = (g: GroupVersionKind): string => `${g.group}/${g.version}/${g.kind}`;

/** com.example.stable.v1.CronTab: the name Kubernetes gives a custom resource's definition. */
export function customDefinitionName(g: GroupVersionKind): string {
  return [...g.group.split('.').reverse(), g.version, g.kind].join('.');
}

export class Catalog {
  readonly definitions: Record<string, Schema>;

  constructor(resources: readonly ResourceType[], custom: CustomSchemas | undefined) {
    this.definitions = { ...definitions() };
    for (const rt of resources) {
      const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
      if (definitionNameFor(gvk)) continue;
      const name = customDefinitionName(gvk);
      const given = custom?.get(gvkKey(gvk));
      const schema: Schema = given ? structuredClone(given) : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      schema.type ??= 'object';
      schema.properties = {
        apiVersion: { type: 'string', description: definitions()['io.k8s.api.core.v1.Pod']?.properties?.apiVersion?.description ?? '' },
        kind: { type: 'string', description: definitions()['io.k8s.api.core.v1.Pod']?.properties?.kind?.description ?? '' },
        ...schema.properties,
        metadata: { $ref: definitionRefPrefix + metaPrefix + 'ObjectMeta', description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
      };
      schema['x-kubernetes-group-version-kind'] = [gvk];
      this.definitions[name] = schema;
      const listGVK = { group: rt.group, version: rt.version, kind: rt.listKind };
      this.definitions[customDefinitionName(listGVK)] = {
        description: `${rt.listKind} is a list of ${rt.kind}`,
        type: 'object',
        required: ['items'],
        properties: {
          apiVersion: { type: 'string' },
          items: { type: 'array', items: { $ref: definitionRefPrefix + name }, description: `List of ${rt.resource}.` },
          kind: { type: 'string' },
          metadata: { $ref: definitionRefPrefix + metaPrefix + 'ListMeta' },
        },
        'x-kubernetes-group-version-kind': [listGVK],
      };
    }
  }

  /** The definition name a body or response refers to; undefined for plain strings. */
  nameOf(t: TypeRef): string | undefined {
    if ('string' in t) return undefined;
    if ('meta' in t) return metaPrefix + t.meta;
    const gvk = 'gvk' in t ? t.gvk : { group: t.list.group, version: t.list.version, kind: t.list.listKind };
    return definitionNameFor(gvk) ?? customDefinitionName(gvk);
  }

  /** A `$ref` schema (in the given reference style) for a body or response. */
  schemaOf(t: TypeRef, refPrefix: string): Schema {
    const name = this.nameOf(t);
    return name && this.definitions[name] ? { $ref: refPrefix + name } : { type: 'string' };
  }

  /** The named definitions plus every definition they reach, for a document that carries only what it uses. */
  closure(roots: Iterable<string>): string[] {
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name) || !this.definitions[name]) return;
      seen.add(name);
      forEachRef(this.definitions[name]!, visit);
    };
    for (const r of roots) visit(r);
    return [...seen].sort();
  }
}

/** Calls `fn` with the definition name of every `$ref` in a schema's structural positions (not inside e.g. a `properties` map key). */
export function forEachRef(s: Schema, fn: (name: string) => void): void {
  if (typeof s.$ref === 'string' && s.$ref.startsWith(definitionRefPrefix)) fn(s.$ref.slice(definitionRefPrefix.length));
  if (s.properties) for (const p of Object.values(s.properties)) forEachRef(p, fn);
  if (s.items) forEachRef(s.items, fn);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') forEachRef(s.additionalProperties, fn);
  if (s.allOf) for (const a of s.allOf) forEachRef(a, fn);
}

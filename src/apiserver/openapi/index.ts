/**
 * OpenAPI for skiff: the v2 and v3 documents kubectl reads (explain,
 * apply's validation and patch metadata), built from the definitions
 * generated at build time out of kubernetes-types, plus the schema walkers
 * the patch and validation code use.
 *
 * Documents are large, so each is built once per set of served resources
 * and kept; `served(doc)` gives its JSON text and a content hash/ETag, and
 * `servedProto(doc)` the v2 document's protobuf bytes (what client-go asks
 * for) with their own ETag.
 * The HTTP layer mounts: GET /openapi/v2 → openapiV2, /openapi/v3 →
 * openapiV3Index, /openapi/v3/<api/v1|apis/G/V> → openapiV3 (404 when it
 * returns undefined).
 */
import { createHash } from 'node:crypto';
import type { ResourceType } from '../../api/types.js';
import type { CustomSchemas } from './catalog.js';
import { buildV2 } from './v2.js';
import { buildV3, groupVersionKeys, normalizeGroupVersion } from './v3.js';
import { encodeV2 } from './v2-proto.js';

export type { GroupVersionKind, Schema, DefinitionsFile } from './schema.js';
export { definitions, definitionNameFor, definitionsSource, kindsOf, resolveRef, schemaFor } from './definitions.js';
export { unknownFields, unknownFieldsIn } from './unknown-fields.js';
export { checkDecoded, type DecodeReport } from './decode-check.js';
export { customDefinitionName, gvkKey, type CustomSchemas } from './catalog.js';
export { toV3Schema } from './v3.js';
export { kubernetesVersion } from './v2.js';
export { normalizeGroupVersion } from './v3.js';
export { encodeV2, decodeV2, openapiV2ProtoMediaType } from './v2-proto.js';
export { negotiateV2, type V2Format } from './negotiate.js';

export interface ServedDocument {
  /** The document as JSON text, ready to send. */
  json: string;
  /** Upper-case hex SHA-512 of `json`: the v3 index's `?hash=` and the ETag. */
  hash: string;
  /** `"<hash>"`, for ETag / If-None-Match. */
  etag: string;
}

export interface V3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

const servedCache = new WeakMap<object, ServedDocument>();

/** JSON text and hash of a document returned by this module, computed once per document. */
export function served(doc: object): ServedDocument {
  let s = servedCache.get(doc);
  if (!s) {
    const json = JSON.stringify(doc);
    const hash = createHash('sha512').update(json).digest('hex').toUpperCase();
    s = { json, hash, etag: `"${hash}"` };
    servedCache.set(doc, s);
  }
  return s;
}

export interface ServedProto {
  /** The openapi.v2.Document encoding of the document. */
  bytes: Buffer;
  /** `"<upper-case hex SHA-512 of bytes>"`: a representation of its own, so not the JSON's ETag. */
  etag: string;
}

const servedProtoCache = new WeakMap<object, ServedProto>();

/** The protobuf encoding of a v2 document returned by openapiV2, computed once per document. */
export function servedProto(doc: object): ServedProto {
  let s = servedProtoCache.get(doc);
  if (!s) {
    const enc = encodeV2(doc);
    const bytes = Buffer.from(enc.buffer, enc.byteOffset, enc.byteLength);
    s = { bytes, etag: `"${createHash('sha512').update(bytes).digest('hex').toUpperCase()}"` };
    servedProtoCache.set(doc, s);
  }
  return s;
}

interface Built {
  v2?: object;
  v3: Map<string, object | undefined>;
  index?: V3Index;
}

/** Documents per resource set; a handful of entries, since the set only changes when CRDs come and go. */
const built = new Map<string, Built>();
const maxBuilt = 4;

function fingerprint(resources: readonly ResourceType[], custom: CustomSchemas | undefined): string {
  const rs = resources
    .map((r) => [r.group, r.version, r.resource, r.kind, r.listKind, r.namespaced, r.verbs.join(','), r.subresources.join(',')].join('|'))
    .sort()
    .join('\n');
  const cs = custom ? JSON.stringify([...custom.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) : '';
  return `${rs}\n#${cs}`;
}

function cacheFor(resources: readonly ResourceType[], custom: CustomSchemas | undefined): Built {
  const key = fingerprint(resources, custom);
  let b = built.get(key);
  if (b) {
    built.delete(key); // re-insert: most recently used last
  } else {
    b = { v3: new Map() };
    if (built.size >= maxBuilt) built.delete(built.keys().next().value!);
  }
  built.set(key, b);
  return b;
}

/**
 * The Swagger 2.0 document: every definition, and paths for each resource
 * (collection list/create/deletecollection, item get/put/patch/delete,
 * subresources). `custom` supplies schemas for kinds without a built-in
 * type (keyed `group/version/kind`, see gvkKey); others get an open object.
 */
export function openapiV2(resources: readonly ResourceType[], custom?: CustomSchemas): object {
  const b = cacheFor(resources, custom);
  return (b.v2 ??= buildV2(resources, custom));
}

/** The OpenAPI 3.0 document of one group-version (`api/v1`, `apis/apps/v1`, or `v1`, `apps/v1`); undefined when none is served. */
export function openapiV3(groupVersion: string, resources: readonly ResourceType[], custom?: CustomSchemas): object | undefined {
  const b = cacheFor(resources, custom);
  const key = normalizeGroupVersion(groupVersion);
  if (!b.v3.has(key)) b.v3.set(key, buildV3(key, resources, custom));
  return b.v3.get(key);
}

/** /openapi/v3: where each group-version's document lives, with the hash that makes its URL cacheable forever. */
export function openapiV3Index(resources: readonly ResourceType[], custom?: CustomSchemas): V3Index {
  const b = cacheFor(resources, custom);
  if (!b.index) {
    const paths: V3Index['paths'] = {};
    for (const key of groupVersionKeys(resources)) {
      const doc = openapiV3(key, resources, custom)!;
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${served(doc).hash}` };
    }
    b.index = { paths };
  }
  return b.index;
}

/** For tests and CRD changes in-process: drop every cached document. */
export function clearOpenAPICache(): void {
  built.clear();
}

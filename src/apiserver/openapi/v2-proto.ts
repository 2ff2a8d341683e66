/**
 * The Swagger 2.0 document as gnostic's openapi.v2.Document protobuf
 * (./openapiv2.proto), which is the only form client-go's discovery
 * fetches /openapi/v2 in: kubectl's client-side validation (used for
 * `kind: List` files, whose field validation the server cannot do) and
 * `kubectl explain --output=plaintext-openapiv2` read it.
 *
 * The mapping follows gnostic's compiler so that kube-openapi reads the
 * result as it reads kube-apiserver's: maps become ordered Named* pairs,
 * `type` a TypeItem list, `items` an ItemsItem list, `$ref` the `_ref`
 * field, parameters and responses oneofs, and every x- extension (as well as
 * defaults, examples and enum members) an Any holding the value's YAML text
 * (here in JSON's flow style, see anyOf).
 * Keys Swagger 2.0 has no field for (oneOf, anyOf, not, nullable — they only
 * appear in structural CRD schemas) are dropped, as kube-apiserver drops them
 * when it publishes CRDs in v2.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** What client-go sends in Accept for /openapi/v2 to get this form. */
export const openapiV2ProtoMediaType = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

type Json = Record<string, unknown>;
/** A message in the plain-object form protobufjs encodes (field names as in the .proto: keepCase). */
type Msg = Record<string, unknown>;

function protoPath(): string {
  // Next to this module under tsx (src/) and once the build copied it (dist/src/); the source tree as a fallback for dist.
  const candidates = [new URL('./openapiv2.proto', import.meta.url), new URL('../../../../src/apiserver/openapi/openapiv2.proto', import.meta.url)];
  for (const u of candidates) {
    const p = fileURLToPath(u);
    if (existsSync(p)) return p;
  }
  throw new Error(`openapi: openapiv2.proto not found next to ${fileURLToPath(import.meta.url)}`);
}

let documentType: protobuf.Type | undefined;

/** The openapi.v2.Document message type, loaded once. */
export function documentMessage(): protobuf.Type {
  if (!documentType) {
    const root = new protobuf.Root();
    root.loadSync(protoPath(), { keepCase: true });
    documentType = root.lookupType('openapi.v2.Document');
  }
  return documentType;
}

/** Encodes a Swagger 2.0 document (as buildV2 makes it) to openapi.v2.Document bytes. */
export function encodeV2(doc: object): Uint8Array {
  return documentMessage().encode(documentMsg(doc as Json)).finish();
}

/** Decodes openapi.v2.Document bytes to a plain object (proto field names, oneof names set, int64 as numbers): for tests and debugging. */
export function decodeV2(bytes: Uint8Array): Msg {
  const t = documentMessage();
  return t.toObject(t.decode(bytes), { longs: Number, oneofs: true, arrays: false, defaults: false }) as Msg;
}

// ---- small helpers ----

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asObj = (v: unknown): Json | undefined => (isObj(v) ? v : undefined);
const asArr = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);
const asStrings = (v: unknown): string[] | undefined => asArr(v)?.filter((x): x is string => typeof x === 'string');

/** Sets `out[field]` when `v` is not undefined, so absent JSON keys stay absent on the wire. */
function put(out: Msg, field: string, v: unknown): void {
  if (v !== undefined) out[field] = v;
}

/** Copies scalars of the given JSON type, renaming JSON camelCase to proto snake_case where the pair says so. */
function copy(out: Msg, src: Json, kind: 'string' | 'number' | 'boolean', keys: readonly (string | readonly [string, string])[]): void {
  for (const k of keys) {
    const [from, to] = typeof k === 'string' ? [k, k] : k;
    if (typeof src[from] === kind) out[to] = src[from];
  }
}

/**
 * gnostic's Any: the value's YAML text. JSON is YAML (1.2, and the flow
 * style go-yaml reads), so the value's JSON text serves: kube-openapi and
 * cli-runtime yaml.Unmarshal it into the same value gnostic's block YAML
 * would give, at a fraction of the cost of a YAML emitter (there are
 * thousands of these in a document).
 */
function anyOf(v: unknown): Msg {
  return { yaml: JSON.stringify(v) };
}

function vendorExtensions(src: Json): Msg[] | undefined {
  const out: Msg[] = [];
  for (const [name, v] of Object.entries(src)) {
    if (name.startsWith('x-') && v !== undefined) out.push({ name, value: anyOf(v) });
  }
  return out.length ? out : undefined;
}

function named<T>(src: unknown, value: (v: unknown) => T): { name: string; value: T }[] {
  return Object.entries(asObj(src) ?? {}).map(([name, v]) => ({ name, value: value(v) }));
}

function externalDocs(v: unknown): Msg | undefined {
  const o = asObj(v);
  if (!o) return undefined;
  const out: Msg = {};
  copy(out, o, 'string', ['description', 'url']);
  put(out, 'vendor_extension', vendorExtensions(o));
  return out;
}

// ---- schemas ----

const schemaNumbers = [
  ['multipleOf', 'multiple_of'],
  'maximum',
  'minimum',
  ['maxLength', 'max_length'],
  ['minLength', 'min_length'],
  ['maxItems', 'max_items'],
  ['minItems', 'min_items'],
  ['maxProperties', 'max_properties'],
  ['minProperties', 'min_properties'],
] as const;
const schemaBooleans = [
  ['exclusiveMaximum', 'exclusive_maximum'],
  ['exclusiveMinimum', 'exclusive_minimum'],
  ['uniqueItems', 'unique_items'],
  ['readOnly', 'read_only'],
] as const;

function schemaMsg(v: unknown): Msg {
  const s = asObj(v) ?? {};
  const out: Msg = {};
  if (typeof s.$ref === 'string') out._ref = s.$ref;
  copy(out, s, 'string', ['format', 'title', 'description', 'pattern', 'discriminator']);
  copy(out, s, 'number', schemaNumbers);
  copy(out, s, 'boolean', schemaBooleans);
  if (s.default !== undefined) out.default = anyOf(s.default);
  if (s.example !== undefined) out.example = anyOf(s.example);
  put(out, 'required', asStrings(s.required));
  put(out, 'enum', asArr(s.enum)?.map(anyOf));
  if (typeof s.additionalProperties === 'boolean') out.additional_properties = { boolean: s.additionalProperties };
  else if (isObj(s.additionalProperties)) out.additional_properties = { schema: schemaMsg(s.additionalProperties) };
  if (typeof s.type === 'string') out.type = { value: [s.type] };
  else if (Array.isArray(s.type)) out.type = { value: asStrings(s.type) };
  if (Array.isArray(s.items)) out.items = { schema: s.items.map(schemaMsg) };
  else if (isObj(s.items)) out.items = { schema: [schemaMsg(s.items)] };
  put(out, 'all_of', asArr(s.allOf)?.map(schemaMsg));
  if (isObj(s.properties)) out.properties = { additional_properties: named(s.properties, schemaMsg) };
  if (isObj(s.xml)) {
    const xml: Msg = {};
    copy(xml, s.xml, 'string', ['name', 'namespace', 'prefix']);
    copy(xml, s.xml, 'boolean', ['attribute', 'wrapped']);
    put(xml, 'vendor_extension', vendorExtensions(s.xml));
    out.xml = xml;
  }
  put(out, 'external_docs', externalDocs(s.externalDocs));
  put(out, 'vendor_extension', vendorExtensions(s));
  return out;
}

// ---- parameters ----

/** The validation keywords shared by non-body parameters, headers and primitive items. */
function primitiveFields(out: Msg, p: Json): void {
  copy(out, p, 'string', ['type', 'format', ['collectionFormat', 'collection_format'], 'pattern']);
  copy(out, p, 'number', [
    'maximum',
    'minimum',
    ['maxLength', 'max_length'],
    ['minLength', 'min_length'],
    ['maxItems', 'max_items'],
    ['minItems', 'min_items'],
    ['multipleOf', 'multiple_of'],
  ]);
  copy(out, p, 'boolean', [
    ['exclusiveMaximum', 'exclusive_maximum'],
    ['exclusiveMinimum', 'exclusive_minimum'],
    ['uniqueItems', 'unique_items'],
  ]);
  if (isObj(p.items)) out.items = primitivesItems(p.items);
  if (p.default !== undefined) out.default = anyOf(p.default);
  put(out, 'enum', asArr(p.enum)?.map(anyOf));
  put(out, 'vendor_extension', vendorExtensions(p));
}

function primitivesItems(p: Json): Msg {
  const out: Msg = {};
  primitiveFields(out, p);
  return out;
}

const nonBodyField: Record<string, string> = {
  header: 'header_parameter_sub_schema',
  formData: 'form_data_parameter_sub_schema',
  query: 'query_parameter_sub_schema',
  path: 'path_parameter_sub_schema',
};

function parameterMsg(v: unknown): Msg {
  const p = asObj(v) ?? {};
  const out: Msg = {};
  copy(out, p, 'string', ['description', 'name', 'in']);
  copy(out, p, 'boolean', ['required']);
  if (p.in === 'body') {
    if (p.schema !== undefined) out.schema = schemaMsg(p.schema);
    put(out, 'vendor_extension', vendorExtensions(p));
    return { body_parameter: out };
  }
  primitiveFields(out, p);
  if (p.in === 'query' || p.in === 'formData') copy(out, p, 'boolean', [['allowEmptyValue', 'allow_empty_value']]);
  return { non_body_parameter: { [nonBodyField[String(p.in)] ?? nonBodyField.query!]: out } };
}

function parametersItem(v: unknown): Msg {
  const p = asObj(v) ?? {};
  if (typeof p.$ref === 'string') return { json_reference: jsonReference(p) };
  return { parameter: parameterMsg(p) };
}

function jsonReference(o: Json): Msg {
  const out: Msg = { _ref: o.$ref };
  copy(out, o, 'string', ['description']);
  return out;
}

// ---- responses and operations ----

function responseMsg(v: unknown): Msg {
  const r = asObj(v) ?? {};
  const out: Msg = {};
  copy(out, r, 'string', ['description']);
  if (isObj(r.schema)) {
    if (r.schema.type === 'file') {
      const f: Msg = {};
      copy(f, r.schema, 'string', ['format', 'title', 'description', 'type']);
      copy(f, r.schema, 'boolean', [['readOnly', 'read_only']]);
      put(f, 'required', asStrings(r.schema.required));
      put(f, 'vendor_extension', vendorExtensions(r.schema));
      out.schema = { file_schema: f };
    } else {
      out.schema = { schema: schemaMsg(r.schema) };
    }
  }
  if (isObj(r.headers)) {
    out.headers = {
      additional_properties: named(r.headers, (h) => {
        const hm: Msg = {};
        primitiveFields(hm, asObj(h) ?? {});
        copy(hm, asObj(h) ?? {}, 'string', ['description']);
        return hm;
      }),
    };
  }
  if (isObj(r.examples)) out.examples = { additional_properties: named(r.examples, anyOf) };
  put(out, 'vendor_extension', vendorExtensions(r));
  return out;
}

function responsesMsg(v: unknown): Msg {
  const rs = asObj(v) ?? {};
  const codes = Object.entries(rs)
    .filter(([code]) => !code.startsWith('x-'))
    .map(([name, r]) => ({ name, value: isObj(r) && typeof r.$ref === 'string' ? { json_reference: jsonReference(r) } : { response: responseMsg(r) } }));
  const out: Msg = { response_code: codes };
  put(out, 'vendor_extension', vendorExtensions(rs));
  return out;
}

function securityRequirements(v: unknown): Msg[] | undefined {
  return asArr(v)?.map((req) => ({ additional_properties: named(req, (scopes) => ({ value: asStrings(scopes) ?? [] })) }));
}

function operationMsg(v: unknown): Msg {
  const op = asObj(v) ?? {};
  const out: Msg = {};
  put(out, 'tags', asStrings(op.tags));
  copy(out, op, 'string', ['summary', 'description', ['operationId', 'operation_id']]);
  put(out, 'external_docs', externalDocs(op.externalDocs));
  put(out, 'produces', asStrings(op.produces));
  put(out, 'consumes', asStrings(op.consumes));
  put(out, 'parameters', asArr(op.parameters)?.map(parametersItem));
  if (op.responses !== undefined) out.responses = responsesMsg(op.responses);
  put(out, 'schemes', asStrings(op.schemes));
  copy(out, op, 'boolean', ['deprecated']);
  put(out, 'security', securityRequirements(op.security));
  put(out, 'vendor_extension', vendorExtensions(op));
  return out;
}

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function pathItemMsg(v: unknown): Msg {
  const item = asObj(v) ?? {};
  const out: Msg = {};
  if (typeof item.$ref === 'string') out._ref = item.$ref;
  for (const m of methods) if (isObj(item[m])) out[m] = operationMsg(item[m]);
  put(out, 'parameters', asArr(item.parameters)?.map(parametersItem));
  put(out, 'vendor_extension', vendorExtensions(item));
  return out;
}

// ---- security definitions and the document ----

const oauth2Field: Record<string, string> = {
  implicit: 'oauth2_implicit_security',
  password: 'oauth2_password_security',
  application: 'oauth2_application_security',
  accessCode: 'oauth2_access_code_security',
};

function securityDefinitionMsg(v: unknown): Msg {
  const d = asObj(v) ?? {};
  const out: Msg = {};
  copy(out, d, 'string', ['type', 'name', 'in', 'description', 'flow', ['authorizationUrl', 'authorization_url'], ['tokenUrl', 'token_url']]);
  if (isObj(d.scopes)) out.scopes = { additional_properties: named(d.scopes, String) };
  put(out, 'vendor_extension', vendorExtensions(d));
  if (d.type === 'basic') return { basic_authentication_security: out };
  if (d.type === 'oauth2') return { [oauth2Field[String(d.flow)] ?? oauth2Field.implicit!]: out };
  return { api_key_security: out };
}

function documentMsg(doc: Json): Msg {
  const out: Msg = {};
  copy(out, doc, 'string', ['swagger', 'host', ['basePath', 'base_path']]);
  const info = asObj(doc.info);
  if (info) {
    const i: Msg = {};
    copy(i, info, 'string', ['title', 'version', 'description', ['termsOfService', 'terms_of_service']]);
    for (const k of ['contact', 'license'] as const) {
      const c = asObj(info[k]);
      if (!c) continue;
      const cm: Msg = {};
      copy(cm, c, 'string', ['name', 'url', 'email']);
      put(cm, 'vendor_extension', vendorExtensions(c));
      i[k] = cm;
    }
    put(i, 'vendor_extension', vendorExtensions(info));
    out.info = i;
  }
  put(out, 'schemes', asStrings(doc.schemes));
  put(out, 'consumes', asStrings(doc.consumes));
  put(out, 'produces', asStrings(doc.produces));
  if (isObj(doc.paths)) {
    const paths = doc.paths;
    const p: Msg = { path: Object.entries(paths).filter(([k]) => !k.startsWith('x-')).map(([name, v]) => ({ name, value: pathItemMsg(v) })) };
    put(p, 'vendor_extension', vendorExtensions(paths));
    out.paths = p;
  }
  if (isObj(doc.definitions)) out.definitions = { additional_properties: named(doc.definitions, schemaMsg) };
  if (isObj(doc.parameters)) out.parameters = { additional_properties: named(doc.parameters, parameterMsg) };
  if (isObj(doc.responses)) out.responses = { additional_properties: named(doc.responses, responseMsg) };
  put(out, 'security', securityRequirements(doc.security));
  if (isObj(doc.securityDefinitions)) out.security_definitions = { additional_properties: named(doc.securityDefinitions, securityDefinitionMsg) };
  put(
    out,
    'tags',
    asArr(doc.tags)?.map((t) => {
      const o = asObj(t) ?? {};
      const tm: Msg = {};
      copy(tm, o, 'string', ['name', 'description']);
      put(tm, 'external_docs', externalDocs(o.externalDocs));
      put(tm, 'vendor_extension', vendorExtensions(o));
      return tm;
    }),
  );
  put(out, 'external_docs', externalDocs(doc.externalDocs));
  put(out, 'vendor_extension', vendorExtensions(doc));
  return out;
}

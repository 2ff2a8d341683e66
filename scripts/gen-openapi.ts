/**
 * Build step: turn the kubernetes-types declarations into OpenAPI v2
 * definitions named like the real ones (io.k8s.api.core.v1.Pod, ...), with
 * field descriptions from the JSDoc, `required` from non-optional fields, the
 * patch extensions from src/api/patchmeta.ts and the group/version/kind of
 * every top-level kind. Writes dist/openapi/definitions.json, which
 * src/apiserver/openapi serves from; nothing generated is committed.
 *
 *   node --import tsx scripts/gen-openapi.ts [out-file]
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { patchExtensions, patchMeta, structTypes } from '../src/api/patchmeta.js';
import type { DefinitionsFile, GroupVersionKind, Schema } from '../src/apiserver/openapi/schema.js';

const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });

const intOrString = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** kubernetes-types folder (module path) → the Go package its definitions are named after. */
export function definitionPrefix(module: string): string {
  switch (module) {
    case 'meta/v1':
      return 'io.k8s.apimachinery.pkg.apis.meta.v1';
    case 'runtime':
      return 'io.k8s.apimachinery.pkg.runtime';
    case 'version':
      return 'io.k8s.apimachinery.pkg.version';
    case 'api/resource':
      return 'io.k8s.apimachinery.pkg.api.resource';
    case 'apiextensions/v1':
      return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
    default:
      return `io.k8s.api.${module.split('/').join('.')}`;
  }
}

/**
 * settings.k8s.io/v1alpha1 PodPreset was removed in Kubernetes 1.20 and is
 * not in kubernetes-types 1.30; skiff still serves it, so it is modelled here
 * in the same declaration language and goes through the same translation.
 */
const podPresetDeclarations = `
import { EnvFromSource, EnvVar, Volume, VolumeMount } from "../core/v1";
import { LabelSelector, ListMeta, ObjectMeta } from "../meta/v1";
/** PodPreset is a policy resource that defines additional runtime requirements for a Pod. */
export interface PodPreset {
    /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
    apiVersion?: "settings.k8s.io/v1alpha1";
    /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
    kind?: "PodPreset";
    /** Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata */
    metadata?: ObjectMeta;
    /** The pods a preset selects, and what it injects into them. */
    spec?: PodPresetSpec;
}
/** PodPresetList is a list of PodPreset objects. */
export interface PodPresetList {
    /** APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources */
    apiVersion?: "settings.k8s.io/v1alpha1";
    /** Items is a list of PodPresets. */
    items: Array<PodPreset>;
    /** Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds */
    kind?: "PodPresetList";
    /** Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata */
    metadata?: ListMeta;
}
/** PodPresetSpec is a description of a pod preset. */
export interface PodPresetSpec {
    /** Env defines the collection of EnvVar to inject into containers. */
    env?: Array<EnvVar>;
    /** EnvFrom defines the collection of EnvFromSource to inject into containers. */
    envFrom?: Array<EnvFromSource>;
    /** Selector is a label query over a set of resources, in this case pods. Required. */
    selector?: LabelSelector;
    /** VolumeMounts defines the collection of VolumeMount to inject into containers. */
    volumeMounts?: Array<VolumeMount>;
    /** Volumes defines the collection of Volume to inject into the pod. */
    volumes?: Array<Volume>;
}
`;

/** Fields that are Go floats; every other TypeScript `number` is an integer in Kubernetes' API. */
const floatFields = new Set([
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.maximum',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.minimum',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.multipleOf',
]);

/** Definitions that are "any JSON value" in Kubernetes' OpenAPI: no type at all. */
const untyped = new Set([
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray',
]);

interface SourceModule {
  module: string; // e.g. 'core/v1'
  file: string; // for error messages
  text: string;
}

/** The JSDoc text right before a node, with the comment markers removed and line breaks kept. */
function docOf(node: ts.Node, text: string): string | undefined {
  const ranges = ts.getLeadingCommentRanges(text, node.pos) ?? [];
  const last = ranges.filter((r) => text.startsWith('/**', r.pos)).pop();
  if (!last) return undefined;
  const body = text.slice(last.pos + 3, last.end - 2);
  const lines = body.split('\n').map((l) => l.replace(/^\s*\* ?/, '').replace(/\s+$/, ''));
  while (lines.length && lines[0] === '') lines.shift();
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.length ? lines.join('\n').trim() : undefined;
}

function propertyName(name: ts.PropertyName): string {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  throw new Error(`unsupported property name kind ${ts.SyntaxKind[name.kind]}`);
}

function literalString(type: ts.TypeNode | undefined): string | undefined {
  if (type && ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal)) return type.literal.text;
  return undefined;
}

function gvkOf(apiVersion: string, kind: string): GroupVersionKind {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', kind, version: apiVersion }
    : { group: apiVersion.slice(0, slash), kind, version: apiVersion.slice(slash + 1) };
}

class Translator {
  readonly definitions: Record<string, Schema> = {};
  readonly problems: string[] = [];

  translate(src: SourceModule): void {
    const sf = ts.createSourceFile(src.file, src.text, ts.ScriptTarget.ES2022, true);
    const prefix = definitionPrefix(src.module);
    const names = new Map<string, string>(); // local type name → definition name
    for (const st of sf.statements) {
      if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
        const from = posix.normalize(posix.join(posix.dirname(src.module), st.moduleSpecifier.text));
        const bindings = st.importClause?.namedBindings;
        if (bindings && ts.isNamedImports(bindings)) {
          for (const el of bindings.elements) names.set(el.name.text, `${definitionPrefix(from)}.${(el.propertyName ?? el.name).text}`);
        }
      } else if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) {
        names.set(st.name.text, `${prefix}.${st.name.text}`);
      }
    }
    const where = (node: ts.Node) => {
      const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
      return `${src.file}:${line + 1}`;
    };

    const typeSchema = (node: ts.TypeNode, owner: string): Schema => {
      switch (node.kind) {
        case ts.SyntaxKind.StringKeyword:
          return { type: 'string' };
        case ts.SyntaxKind.BooleanKeyword:
          return { type: 'boolean' };
        case ts.SyntaxKind.NumberKeyword:
          return floatFields.has(owner) ? { type: 'number', format: 'double' } : { type: 'integer' };
      }
      if (literalString(node) !== undefined) return { type: 'string' };
      if (ts.isArrayTypeNode(node)) return { type: 'array', items: typeSchema(node.elementType, owner) };
      if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
        const name = node.typeName.text;
        if (name === 'Array' && node.typeArguments?.length === 1) {
          return { type: 'array', items: typeSchema(node.typeArguments[0]!, owner) };
        }
        const def = names.get(name);
        if (def) return ref(def);
      }
      if (ts.isTypeLiteralNode(node) && node.members.length === 1) {
        const index = node.members[0]!;
        if (ts.isIndexSignatureDeclaration(index) && index.type) {
          return { type: 'object', additionalProperties: typeSchema(index.type, owner) };
        }
      }
      if (ts.isUnionTypeNode(node)) {
        const kinds = node.types.map((t) => t.kind).sort();
        if (kinds.length === 2 && kinds[0] === ts.SyntaxKind.NumberKeyword && kinds[1] === ts.SyntaxKind.StringKeyword) {
          return ref(intOrString);
        }
      }
      this.problems.push(`${where(node)}: no OpenAPI translation for type \`${node.getText()}\` (${owner})`);
      return {};
    };

    for (const st of sf.statements) {
      if (ts.isInterfaceDeclaration(st)) {
        const name = `${prefix}.${st.name.text}`;
        const def: Schema = {};
        const description = docOf(st, src.text);
        if (description) def.description = description;
        if (untyped.has(name)) {
          this.definitions[name] = def;
          continue;
        }
        def.type = 'object';
        const properties: Record<string, Schema> = {};
        const required: string[] = [];
        let apiVersion: string | undefined;
        let kind: string | undefined;
        for (const m of st.members) {
          if (!ts.isPropertySignature(m) || !m.type) {
            this.problems.push(`${where(m)}: unsupported member in ${name}`);
            continue;
          }
          const field = propertyName(m.name);
          const schema = typeSchema(m.type, `${name}.${field}`);
          const doc = docOf(m, src.text);
          properties[field] = doc ? { ...schema, description: doc } : schema;
          if (!m.questionToken) required.push(field);
          if (field === 'apiVersion') apiVersion = literalString(m.type);
          if (field === 'kind') kind = literalString(m.type);
        }
        if (Object.keys(properties).length) def.properties = properties;
        if (required.length) def.required = required.sort();
        // meta/v1 discovery types carry apiVersion "v1" literals but are not core kinds.
        if (apiVersion && kind && src.module !== 'meta/v1') def['x-kubernetes-group-version-kind'] = [gvkOf(apiVersion, kind)];
        this.definitions[name] = def;
      } else if (ts.isTypeAliasDeclaration(st)) {
        const name = `${prefix}.${st.name.text}`;
        const def: Schema = {};
        const description = docOf(st, src.text);
        if (description) def.description = description;
        if (!untyped.has(name)) {
          if (st.type.kind !== ts.SyntaxKind.StringKeyword) {
            this.problems.push(`${where(st)}: no OpenAPI translation for alias ${name}`);
          }
          def.type = 'string';
          if (st.name.text === 'Time' || st.name.text === 'MicroTime') def.format = 'date-time';
        }
        this.definitions[name] = def;
      }
    }
  }
}

function listDeclarationFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...listDeclarationFiles(p));
    else if (entry.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

export function kubernetesTypesDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('kubernetes-types/package.json'));
}

/** Build every definition. Throws, listing each problem, when a declaration cannot be translated or patchmeta names a field that does not exist. */
export function generateDefinitions(typesDir = kubernetesTypesDir()): DefinitionsFile {
  const version = (JSON.parse(readFileSync(join(typesDir, 'package.json'), 'utf8')) as { version: string }).version;
  const t = new Translator();
  for (const file of listDeclarationFiles(typesDir)) {
    const module = relative(typesDir, file).split(sep).join('/').replace(/\.d\.ts$/, '');
    t.translate({ module, file: relative(process.cwd(), file), text: readFileSync(file, 'utf8') });
  }
  t.translate({ module: 'settings/v1alpha1', file: 'gen-openapi.ts(PodPreset)', text: podPresetDeclarations });
  const defs = t.definitions;

  defs[intOrString] = {
    description:
      'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    type: 'string',
    format: 'int-or-string',
  };
  addSchemaExtensionsToJSONSchemaProps(defs);
  addMetaKinds(defs, t.problems);

  for (const [defName, fields] of Object.entries(patchMeta)) {
    const props = defs[defName]?.properties;
    if (!props) {
      t.problems.push(`patchmeta: no definition ${defName}`);
      continue;
    }
    for (const [field, meta] of Object.entries(fields)) {
      const prop = props[field];
      if (!prop) t.problems.push(`patchmeta: ${defName} has no field ${field}`);
      else Object.assign(prop, patchExtensions(meta));
    }
  }
  for (const [defName, structType] of Object.entries(structTypes)) {
    const def = defs[defName];
    if (!def) t.problems.push(`structTypes: no definition ${defName}`);
    else def['x-kubernetes-map-type'] = structType;
  }
  if (t.problems.length) {
    throw new Error(`gen-openapi: ${t.problems.length} problem(s):\n  ${t.problems.join('\n  ')}`);
  }
  const sorted: Record<string, Schema> = {};
  for (const name of Object.keys(defs).sort()) sorted[name] = defs[name]!;
  return { generatedFrom: `kubernetes-types@${version}`, definitions: sorted };
}

/** kubernetes-types leaves out the x-kubernetes-* keywords of CRD schemas; a CRD that uses them must still validate. */
function addSchemaExtensionsToJSONSchemaProps(defs: Record<string, Schema>): void {
  const name = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps';
  const props = defs[name]?.properties;
  if (!props) return;
  const bool = (description: string): Schema => ({ type: 'boolean', description });
  props['x-kubernetes-embedded-resource'] = bool('x-kubernetes-embedded-resource defines that the value is an embedded Kubernetes runtime.Object, with TypeMeta and ObjectMeta.');
  props['x-kubernetes-int-or-string'] = bool('x-kubernetes-int-or-string specifies that this value is either an integer or a string.');
  props['x-kubernetes-preserve-unknown-fields'] = bool('x-kubernetes-preserve-unknown-fields stops the API server decoding step from pruning fields which are not specified in the validation schema.');
  props['x-kubernetes-list-map-keys'] = {
    type: 'array',
    items: { type: 'string' },
    description: 'x-kubernetes-list-map-keys annotates an array with the x-kubernetes-list-type `map` by specifying the keys used as the index of the map.',
    'x-kubernetes-list-type': 'atomic',
  };
  props['x-kubernetes-list-type'] = { type: 'string', description: 'x-kubernetes-list-type annotates an array to further describe its topology: atomic, set or map.' };
  props['x-kubernetes-map-type'] = { type: 'string', description: 'x-kubernetes-map-type annotates an object to further describe its topology: granular or atomic.' };
  props['x-kubernetes-validations'] = {
    type: 'array',
    items: ref('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.ValidationRule'),
    description: 'x-kubernetes-validations describes a list of validation rules written in the CEL expression language.',
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['rule'],
    'x-kubernetes-patch-merge-key': 'rule',
    'x-kubernetes-patch-strategy': 'merge',
  };
}

/** Status, DeleteOptions and WatchEvent are kinds in every group-version, as in Kubernetes' document. */
function addMetaKinds(defs: Record<string, Schema>, problems: string[]): void {
  const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1';
  const gvs = new Map<string, GroupVersionKind>();
  for (const def of Object.values(defs)) {
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) gvs.set(`${gvk.group}/${gvk.version}`, gvk);
  }
  const everyGV = (kind: string) =>
    [...gvs.values()]
      .map((g) => ({ group: g.group, kind, version: g.version }))
      .sort((a, b) => a.group.localeCompare(b.group) || a.version.localeCompare(b.version));
  const set = (name: string, gvks: GroupVersionKind[]) => {
    const def = defs[`${meta}.${name}`];
    if (!def) problems.push(`no definition ${meta}.${name}`);
    else def['x-kubernetes-group-version-kind'] = gvks;
  };
  set('Status', [{ group: '', kind: 'Status', version: 'v1' }]);
  set('DeleteOptions', everyGV('DeleteOptions'));
  set('WatchEvent', everyGV('WatchEvent'));
}

export function writeDefinitions(outFile: string, file: DefinitionsFile = generateDefinitions()): void {
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(file) + '\n');
}

/** The checkout's root: the nearest folder above this file with a package.json (this file also runs compiled from dist/scripts/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const defaultOutFile = join(packageRoot(), 'dist', 'openapi', 'definitions.json');

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? defaultOutFile;
  const file = generateDefinitions();
  writeDefinitions(out, file);
  console.log(`gen-openapi: ${Object.keys(file.definitions).length} definitions from ${file.generatedFrom} → ${relative(process.cwd(), out)}`);
}

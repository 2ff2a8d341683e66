/**
 * The generated definitions (dist/openapi/definitions.json, written by
 * scripts/gen-openapi.ts at build time), loaded once and indexed by kind.
 * Everything returned is shared: treat it as read-only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { definitionRefPrefix, type DefinitionsFile, type GroupVersionKind, type Schema } from './schema.js';

/**
 * The checkout root: the nearest folder with a package.json above this
 * module, so the same lookup works compiled (dist/src/apiserver/openapi/)
 * and under tsx (src/apiserver/openapi/).
 */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('openapi: no package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

export const definitionsFile = (): string => join(packageRoot(), 'dist', 'openapi', 'definitions.json');

interface Loaded {
  file: DefinitionsFile;
  byGVK: Map<string, string>;
}

let loaded: Loaded | undefined;

const gvkKey = (g: GroupVersionKind) => `${g.group}/${g.version}/${g.kind}`;

function load(): Loaded {
  if (loaded) return loaded;
  const path = definitionsFile();
  if (!existsSync(path)) {
    throw new Error(`openapi: ${path} is missing; run \`npm run build\` (or \`node --import tsx scripts/gen-openapi.ts\`) to generate it`);
  }
  const file = JSON.parse(readFileSync(path, 'utf8')) as DefinitionsFile;
  const byGVK = new Map<string, string>();
  for (const [name, def] of Object.entries(file.definitions)) {
    const gvks = def['x-kubernetes-group-version-kind'] ?? [];
    // meta kinds (DeleteOptions, WatchEvent, Status) list many GVKs; they never shadow a resource kind.
    if (gvks.length !== 1) continue;
    byGVK.set(gvkKey(gvks[0]!), name);
  }
  loaded = { file, byGVK };
  return loaded;
}

/** Every definition by name (io.k8s.api.core.v1.Pod, ...), in the OpenAPI v2 shape. */
export function definitions(): Readonly<Record<string, Schema>> {
  return load().file.definitions;
}

/** Where the definitions came from, e.g. `kubernetes-types@1.30.0`. */
export function definitionsSource(): string {
  return load().file.generatedFrom;
}

/** The definition name of a kind, e.g. {group:'apps',version:'v1',kind:'Deployment'} → io.k8s.api.apps.v1.Deployment. */
export function definitionNameFor(gvk: GroupVersionKind): string | undefined {
  return load().byGVK.get(gvkKey(gvk));
}

/** The schema of a kind (v2 shape, `$ref: '#/definitions/<name>'` inside), or undefined for kinds without a built-in type. */
export function schemaFor(gvk: GroupVersionKind): Schema | undefined {
  const name = definitionNameFor(gvk);
  return name ? definitions()[name] : undefined;
}

/**
 * Follow a schema's `$ref` (and a lone `allOf: [{$ref}]`, the v3 spelling)
 * to the definition it names. A field's own extensions (patch strategy,
 * merge key, list type) stay on the field's schema, not on the target.
 */
export function resolveRef(schema: Schema): Schema {
  let s = schema;
  for (let hops = 0; hops < 8; hops++) {
    const target = typeof s.$ref === 'string' ? s.$ref : s.allOf?.length === 1 && typeof s.allOf[0]!.$ref === 'string' ? s.allOf[0]!.$ref : undefined;
    if (!target?.startsWith(definitionRefPrefix)) return s;
    const def = definitions()[target.slice(definitionRefPrefix.length)];
    if (!def) return s;
    s = def;
  }
  return s;
}

/** The GVK list a definition carries (empty for non-kinds). */
export function kindsOf(definitionName: string): GroupVersionKind[] {
  return definitions()[definitionName]?.['x-kubernetes-group-version-kind'] ?? [];
}

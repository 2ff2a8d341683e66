/**
 * Server-side apply and managedFields bookkeeping, after Kubernetes'
 * fieldmanager and structured-merge-diff's Updater.
 *
 * Apply: the configuration is merged into the live object; the applier's
 * field set becomes exactly what the configuration sets; fields it set last
 * time and no longer does are removed unless some other manager holds them;
 * then any field held by another manager whose value changed is a conflict
 * (409) unless forced, in which case it changes hands.
 *
 * Update (create, update, patch): the manager gains every field the write
 * added or changed, other managers lose those and whatever was removed. An
 * object that exists but has never been tracked stays untracked, and a
 * first apply to such an object hands its fields to "before-first-apply".
 */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import { StatusError, errors, field, type FieldError } from '../../api/errors.js';
import { FieldSet, pathString, type Path } from './fieldpath.js';
import {
  decodeManagedFields,
  encodeManagedFields,
  formatTime,
  managerKey,
  stripMeta,
  union,
  type ManagerEntry,
  type Managers,
} from './managed-fields.js';
import { Typer, type Schema, type SchemaLookup } from './schema.js';
import { TypedValueError, TypedWalker } from './typed.js';
import { clone, deepEqual, isObject, type JsonObject } from './util.js';

export const BEFORE_FIRST_APPLY_MANAGER = 'before-first-apply';
export const FIELD_MANAGER_MAX_LENGTH = 128;

export interface ServerSideApplyOptions {
  /** The stored object, or undefined when the apply creates it. */
  live: object | undefined | null;
  /** The configuration from the request body, already parsed. */
  applied: object;
  /** `fieldManager` from the query. Required. */
  manager: string;
  /** `force=true` (kubectl --force-conflicts). */
  force?: boolean;
  /** The endpoint's group/version, e.g. `apps/v1` or `v1`. */
  apiVersion: string;
  schema?: Schema;
  lookup?: SchemaLookup;
  now?: Date;
  /** e.g. `status` when applying to a subresource. */
  subresource?: string;
}

export interface UpdateManagedFieldsOptions {
  /** The stored object, or undefined for a create. */
  live: object | undefined | null;
  /** The object about to be stored (its own managedFields, if set, replace the live ones). */
  updated: object;
  manager: string;
  operation?: 'Update';
  apiVersion: string;
  schema?: Schema;
  lookup?: SchemaLookup;
  now?: Date;
  subresource?: string;
}

export interface ManagedResult<T = JsonObject> {
  /** The resulting object, with metadata.managedFields already set. */
  object: T;
  managedFields: ManagedFieldsEntry[];
  /** Whether anything but managedFields differs from the live object. */
  changed: boolean;
}

/** ValidatePatchOptions / ValidateFieldManager, as a 422 on PatchOptions. */
export function validateFieldManager(manager: string | undefined, isApply: boolean): void {
  const errs: FieldError[] = [];
  if (!manager) {
    if (isApply) errs.push(field.required('fieldManager', 'is required for apply patch'));
  } else if (Buffer.byteLength(manager) > FIELD_MANAGER_MAX_LENGTH) {
    errs.push(field.tooLong('fieldManager', FIELD_MANAGER_MAX_LENGTH));
  } else if (/[^\P{C}]/u.test(manager)) {
    errs.push(field.invalid('fieldManager', manager, 'must only contain printable characters'));
  }
  if (errs.length) throw errors.invalid('PatchOptions', 'meta.k8s.io', '', errs);
}

/** The manager name Kubernetes derives from a User-Agent when a write names none: up to the first "/". */
export function managerFromUserAgent(userAgent: string | undefined): string {
  let out = '';
  for (const ch of (userAgent ?? '').split('/')[0]!) {
    if (/\p{C}/u.test(ch)) continue;
    if (Buffer.byteLength(out + ch) > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
  }
  return out;
}

/** One walker per schema lookup, so its resolved-schema cache lives across requests. */
const walkers = new WeakMap<object, TypedWalker>();
let untypedWalker: TypedWalker | undefined;
function walkerFor(lookup: SchemaLookup | undefined): TypedWalker {
  if (!lookup) return (untypedWalker ??= new TypedWalker(new Typer()));
  let w = walkers.get(lookup);
  if (!w) walkers.set(lookup, (w = new TypedWalker(new Typer(lookup))));
  return w;
}

export function serverSideApply<T = JsonObject>(opts: ServerSideApplyOptions): ManagedResult<T> {
  validateFieldManager(opts.manager, true);
  const applied = opts.applied as JsonObject;
  if (!isObject(applied)) throw errors.badRequest('error decoding YAML: the configuration must be an object');
  const appliedMeta = applied.metadata;
  if (isObject(appliedMeta) && appliedMeta.managedFields !== undefined && appliedMeta.managedFields !== null) {
    throw errors.badRequest('metadata.managedFields must be nil');
  }
  if (applied.apiVersion !== opts.apiVersion) {
    throw errors.badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${typeof applied.apiVersion === 'string' ? applied.apiVersion : ''}, expected: ${opts.apiVersion}`,
    );
  }

  const now = formatTime(opts.now ?? new Date());
  const walker = walkerFor(opts.lookup);
  const exists = isObject(opts.live);
  const live = withoutManagedFields(exists ? (opts.live as JsonObject) : {});
  let managers = decodeManagedFields(exists ? managedFieldsOf(opts.live as JsonObject) : undefined);

  return typed(() => {
    if (exists && managers.size === 0) {
      // An object nobody tracked yet: what it holds belongs to a stand-in manager, so the applier can conflict with it.
      const c = walker.compare({}, live, opts.schema);
      const set = stripMeta(c.added.union(c.modified));
      const entry: ManagerEntry = { manager: BEFORE_FIRST_APPLY_MANAGER, operation: 'Update', apiVersion: opts.apiVersion, time: now, set };
      if (!set.isEmpty()) managers.set(managerKey(entry), entry);
    }

    const key = managerKey({ manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, subresource: opts.subresource });
    const previous = managers.get(key);
    const merged = walker.merge(live, applied, opts.schema) as JsonObject;
    const appliedSet = walker.toFieldSet(applied, opts.schema);
    managers.set(key, {
      manager: opts.manager,
      operation: 'Apply',
      apiVersion: opts.apiVersion,
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
      ...(previous?.time ? { time: previous.time } : {}),
      set: appliedSet,
    });
    const result = previous ? (walker.prune(merged, previous.set, union(managers), opts.schema) as JsonObject) : merged;

    managers = settleOwnership(walker, live, result, managers, key, !!opts.force, opts.schema);
    const changed = !deepEqual(live, result);
    const mine = managers.get(key);
    if (mine) {
      mine.set = stripMeta(mine.set);
      if (changed || !previous || !mine.time) mine.time = now;
    }
    return finish<T>(result, managers, changed);
  });
}

export function updateManagedFields<T = JsonObject>(opts: UpdateManagedFieldsOptions): ManagedResult<T> {
  const now = formatTime(opts.now ?? new Date());
  const walker = walkerFor(opts.lookup);
  const exists = isObject(opts.live);
  const live = withoutManagedFields(exists ? (opts.live as JsonObject) : {});
  const updated = withoutManagedFields(opts.updated as JsonObject);

  // Managed fields written by the client replace the stored ones (how they are reset); an empty list does not.
  const given = managedFieldsOf(opts.updated as JsonObject);
  let managers = decodeManagedFields(given && given.length > 0 ? given : exists ? managedFieldsOf(opts.live as JsonObject) : undefined);
  const changed = !exists || !deepEqual(live, updated);
  if (exists && managers.size === 0) return finish<T>(updated, managers, changed);
  if (!exists && managers.size === 0) {
    // A plain create, the hot path: the writer gains every field; nobody else owns anything.
    return typed(() => {
      const gained = stripMeta(walker.addedFields(updated, opts.schema));
      if (!gained.isEmpty()) {
        const entry: ManagerEntry = {
          manager: opts.manager,
          operation: 'Update',
          apiVersion: opts.apiVersion,
          ...(opts.subresource ? { subresource: opts.subresource } : {}),
          time: now,
          set: gained,
        };
        managers.set(managerKey(entry), entry);
      }
      return finish<T>(updated, managers, changed);
    });
  }

  return typed(() => {
    const self = '\u0000current-operation';
    const c = walker.compare(live, updated, opts.schema);
    managers = settleOwnership(walker, live, updated, managers, self, true, opts.schema, c);
    const gained = stripMeta(c.added.union(c.modified));
    if (!gained.isEmpty()) {
      const entry: ManagerEntry = {
        manager: opts.manager,
        operation: 'Update',
        apiVersion: opts.apiVersion,
        ...(opts.subresource ? { subresource: opts.subresource } : {}),
        time: now,
        set: gained,
      };
      const key = managerKey(entry);
      const prev = managers.get(key);
      if (prev) entry.set = gained.union(prev.set);
      managers.set(key, entry);
    }
    return finish<T>(updated, managers, changed);
  });
}

/**
 * Updater.update: other managers' fields that `result` changed are
 * conflicts (an error unless forced, else they lose them); fields `result`
 * removed leave every other manager.
 */
function settleOwnership(
  walker: TypedWalker,
  live: JsonObject,
  result: JsonObject,
  managers: Managers,
  self: string,
  force: boolean,
  schema: Schema | undefined,
  comparison = walker.compare(live, result, schema),
): Managers {
  const touched = comparison.modified.union(comparison.added);
  const conflicts: Array<{ entry: ManagerEntry; set: FieldSet }> = [];
  for (const [key, entry] of managers) {
    if (key === self) continue;
    const set = entry.set.intersection(touched);
    if (!set.isEmpty()) conflicts.push({ entry, set });
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  for (const { entry, set } of conflicts) entry.set = entry.set.difference(set);
  if (!comparison.removed.isEmpty()) {
    for (const [key, entry] of managers) if (key !== self) entry.set = entry.set.difference(comparison.removed);
  }
  for (const [key, entry] of managers) if (entry.set.isEmpty()) managers.delete(key);
  return managers;
}

function printManager(e: ManagerEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  return s;
}

/** The 409 Kubernetes answers an apply with (internal.NewConflictError). */
function conflictError(conflicts: Array<{ entry: ManagerEntry; set: FieldSet }>): StatusError {
  const all: Array<{ who: string; path: Path }> = [];
  for (const { entry, set } of conflicts) for (const path of set.paths()) all.push({ who: printManager(entry), path });
  all.sort((a, b) => (a.who < b.who ? -1 : a.who > b.who ? 1 : 0));
  const causes = all.map(({ who, path }) => ({ type: 'FieldManagerConflict', message: `conflict with ${who}`, field: pathString(path) }));
  let message: string;
  if (all.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${all[0]!.who}: ${pathString(all[0]!.path)}`;
  } else {
    const lines: string[] = [];
    let current = '';
    for (const { who, path } of all) {
      if (who !== current) {
        lines.push(`conflicts with ${who}:`);
        current = who;
      }
      lines.push(`- ${pathString(path)}`);
    }
    message = `Apply failed with ${all.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}

function typed<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TypedValueError) throw errors.badRequest(`failed to create typed patch object: ${e.message}`);
    throw e;
  }
}

function managedFieldsOf(obj: JsonObject): ManagedFieldsEntry[] | undefined {
  const meta = obj.metadata;
  if (!isObject(meta) || !Array.isArray(meta.managedFields)) return undefined;
  return meta.managedFields as ManagedFieldsEntry[];
}

/**
 * `obj` without metadata.managedFields: a shallow copy (top level and
 * metadata), since nothing here writes below them and a deep copy of every
 * written object shows in the create benchmark.
 */
function withoutManagedFields(obj: JsonObject): JsonObject {
  if (!isObject(obj.metadata)) return { ...obj };
  const { managedFields: _mf, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

function finish<T>(obj: JsonObject, managers: Managers, changed: boolean): ManagedResult<T> {
  const managedFields = encodeManagedFields(managers);
  // Shallow: callers own the result's top level and metadata; deeper parts are shared read-only.
  const metadata: JsonObject = isObject(obj.metadata) ? { ...obj.metadata } : {};
  if (managedFields.length > 0) metadata.managedFields = managedFields;
  else delete metadata.managedFields;
  const object: JsonObject = { ...obj };
  if (managedFields.length > 0 || isObject(obj.metadata)) object.metadata = metadata;
  return { object: object as T, managedFields, changed };
}

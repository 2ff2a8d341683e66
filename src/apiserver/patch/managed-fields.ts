/**
 * metadata.managedFields in memory: one entry per manager identity, each
 * with its field set. Identities follow Kubernetes' BuildManagerIdentifier:
 * an Apply entry is (manager, subresource); an Update entry also carries
 * its apiVersion, so one manager updating through two versions has two.
 */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import { FieldSet, fieldPE } from './fieldpath.js';
import { isObject } from './util.js';

export type ManagedOperation = 'Apply' | 'Update';

export interface ManagerEntry {
  manager: string;
  operation: ManagedOperation;
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

export type Managers = Map<string, ManagerEntry>;

export function managerKey(e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([e.operation, e.manager, e.subresource ?? '', e.operation === 'Apply' ? '' : e.apiVersion]);
}

/** Reads managedFields; entries that cannot be read are skipped, duplicates merged. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined | null): Managers {
  const out: Managers = new Map();
  for (const raw of entries ?? []) {
    if (!isObject(raw)) continue;
    const e = raw as ManagedFieldsEntry;
    const operation: ManagedOperation = e.operation === 'Apply' ? 'Apply' : 'Update';
    const entry: ManagerEntry = {
      manager: typeof e.manager === 'string' ? e.manager : '',
      operation,
      apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
      ...(e.subresource ? { subresource: e.subresource } : {}),
      ...(e.time ? { time: e.time } : {}),
      set: FieldSet.fromFieldsV1(e.fieldsV1),
    };
    const key = managerKey(entry);
    const prev = out.get(key);
    if (prev) prev.set = prev.set.union(entry.set);
    else out.set(key, entry);
  }
  return out;
}

/** Writes managedFields in Kubernetes' order: Apply before Update, then by time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const entries = [...managers.values()].filter((e) => !e.set.isEmpty());
  entries.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const pt = p.time ? Math.floor(Date.parse(p.time) / 1000) : 0;
    const qt = q.time ? Math.floor(Date.parse(q.time) / 1000) : 0;
    if (pt !== qt) return pt - qt;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    const ps = p.subresource ?? '';
    const qs = q.subresource ?? '';
    return ps < qs ? -1 : ps > qs ? 1 : 0;
  });
  return entries.map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    ...(e.time ? { time: e.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: e.set.toFieldsV1(),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  }));
}

/** Fields nobody is said to manage: identity and server-owned metadata (stripmeta.go). */
const stripped = FieldSet.of(
  [fieldPE('apiVersion')],
  [fieldPE('kind')],
  [fieldPE('metadata')],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map((f) => [
    fieldPE('metadata'),
    fieldPE(f),
  ]),
);

export function stripMeta(set: FieldSet): FieldSet {
  return set.difference(stripped);
}

export function union(managers: Managers): FieldSet {
  let all = new FieldSet();
  for (const e of managers.values()) all = all.union(e.set);
  return all;
}

/** metav1.Time as Kubernetes writes it: RFC 3339, whole seconds, UTC. */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

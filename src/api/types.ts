/**
 * What the API server needs to know about a resource type, and the hooks
 * (the "strategy", as Kubernetes calls it) that give a type its own
 * semantics. The generic registry in src/apiserver does everything else.
 *
 * Objects are plain JSON (`KObject`); the typed views come from
 * `kubernetes-types` where a hook wants them.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { FieldError } from './errors.js';

/**
 * ObjectMeta as the server handles it: kubernetes-types marks the
 * server-owned fields (uid, resourceVersion, ...) readonly for clients, but
 * the server is who sets them.
 */
export type Meta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };

/** Any Kubernetes object as it travels: apiVersion, kind, metadata and the rest. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Meta;
  [field: string]: unknown;
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export const allVerbs: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** A column of a `meta.k8s.io/v1` Table. priority 0 shows always, 1 only with `-o wide`. */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  priority: 0 | 1;
}

/** How a type prints in `kubectl get`: the same columns Kubernetes' printers use. */
export interface TablePrinter {
  columns: TableColumn[];
  /** One cell per column. `now` lets AGE cells be computed once per response. */
  row(obj: KObject, now: Date): unknown[];
}

/** Context a hook may need, e.g. to look at the old object on update. */
export interface StrategyContext {
  /** The API version the client used (e.g. `autoscaling/v1`). */
  apiVersion: string;
}

export interface Strategy {
  /**
   * Set defaults the way Kubernetes' defaulting functions do. Runs on every
   * create and update (and on apply/patch results) before validation, and on
   * objects read from storage is NOT re-run.
   */
  default?(obj: KObject): void;

  /**
   * Clear what a client may not set on create: status for types with a
   * status subresource, and set generation to 1 where the type has one.
   */
  prepareForCreate?(obj: KObject): void;

  /**
   * Merge an update to the main resource with the old object: e.g. keep the
   * old status when the type has a status subresource; bump generation only
   * when the spec changed. `obj` may take parts of `old` by reference (like
   * Kubernetes' strategies): the caller passes an `old` it owns and does not
   * change afterwards.
   */
  prepareForUpdate?(obj: KObject, old: KObject): void;

  /** For the status subresource: keep everything but status from `old` (by reference, as above). */
  prepareForStatusUpdate?(obj: KObject, old: KObject): void;

  /**
   * A delete that does not remove the object at once (grace period or
   * finalizers) marks it; e.g. a namespace goes to phase Terminating.
   */
  prepareForDelete?(obj: KObject): void;

  /** Field causes for an invalid new object; empty when valid. */
  validate?(obj: KObject): FieldError[];

  /** Field causes for an invalid update (immutable fields and the like). */
  validateUpdate?(obj: KObject, old: KObject): FieldError[];

  /**
   * Field-selector attributes (`metadata.name` and `metadata.namespace` are
   * added by the registry). E.g. pods: spec.nodeName, status.phase.
   */
  selectableFields?(obj: KObject): Record<string, string>;

  /**
   * Grace period for a delete, given what the client asked (undefined: not
   * given). Returns 0 to delete at once. Only pods use a positive grace.
   */
  deleteGracePeriod?(obj: KObject, requested: number | undefined): number;

  /** Convert an object stored in the storage version to the version a client asked for. */
  fromStorage?(obj: KObject, apiVersion: string): KObject;

  /** Convert an object a client sent (in `apiVersion`) to the storage version. */
  toStorage?(obj: KObject, apiVersion: string): KObject;

  table?: TablePrinter;
}

export type SubresourceName = 'status' | 'scale' | 'binding' | 'eviction' | 'log' | 'exec' | 'attach' | 'portforward' | 'proxy' | 'ephemeralcontainers' | 'finalize' | 'token' | 'approval';

/**
 * One resource type served by the API server, at one group/version. A type
 * served at several versions (autoscaling v1 and v2 HPAs, core and
 * events.k8s.io events) has one entry per version, all pointing at the same
 * `storage` so they share objects.
 */
export interface ResourceType {
  group: string; // '' for core
  version: string;
  resource: string; // plural, e.g. 'pods'
  kind: string;
  listKind: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[]; // e.g. ['all']
  verbs: Verb[];
  subresources: SubresourceName[];
  /** The etcd key segment and the group/version objects are stored in. */
  storage: { resource: string; group: string; version: string };
  /** Whether this version is the group's preferred one in discovery. */
  preferred: boolean;
  strategy: Strategy;
}

export function apiVersionOf(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

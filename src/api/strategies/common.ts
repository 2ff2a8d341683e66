/**
 * The strategy every kind shares, parameterised by a few rules: whether the
 * kind has a status subresource (then status is ignored on the main
 * resource and only status is taken from the status subresource), whether it
 * tracks metadata.generation, how its names are checked, and its own
 * defaulting and validation.
 */
import type { FieldError } from '../errors.js';
import type { KObject, Strategy } from '../types.js';
import { deepEqual } from '../validation/common.js';
import { validateObjectMeta, validateObjectMetaUpdate, type NameValidator } from '../validation/meta.js';

export interface KindRules<T = KObject> {
  namespaced: boolean;
  /** Name syntax; DNS-1123 subdomain when absent. */
  name?: NameValidator;
  /** Has a status subresource. */
  status?: boolean;
  /**
   * Tracks metadata.generation: 1 on create, +1 when this says the object
   * changed in a way the controller must act on (by default: spec changed).
   */
  generation?: boolean | ((obj: T, old: T) => boolean);
  default?(obj: T): void;
  /** The status an object starts with (otherwise none). */
  initialStatus?(obj: T): unknown;
  /** Extra create-time preparation, after status and generation. */
  prepareForCreate?(obj: T): void;
  prepareForUpdate?(obj: T, old: T): void;
  /** A delete that leaves the object in place (grace, finalizers) marks it, e.g. phase Terminating. */
  prepareForDelete?(obj: T): void;
  /** The status subresource may also change metadata.annotations (Deployments: the revision annotation). */
  statusAnnotations?: boolean;
  validate?(obj: T): FieldError[];
  validateUpdate?(obj: T, old: T): FieldError[];
  selectableFields?(obj: T): Record<string, string>;
  deleteGracePeriod?(obj: T, requested: number | undefined): number;
}

const specChanged = (obj: KObject, old: KObject) => !deepEqual(obj.spec, old.spec);

function setGeneration(obj: KObject, generation: number | undefined): void {
  const meta = (obj.metadata ??= {});
  if (generation === undefined) delete meta.generation;
  else meta.generation = generation;
}

export function makeStrategy<T extends object>(rules: KindRules<T>): Strategy {
  const r = rules as unknown as KindRules<KObject>;
  const strategy: Strategy = {
    prepareForCreate(obj) {
      if (r.status) {
        const initial = r.initialStatus?.(obj);
        if (initial === undefined) delete obj.status;
        else obj.status = initial;
      }
      setGeneration(obj, r.generation ? 1 : undefined);
      r.prepareForCreate?.(obj);
    },
    prepareForUpdate(obj, old) {
      if (r.status) {
        // Shared, not copied (as Kubernetes does): the store hands in a private `old` and only reads it afterwards.
        if (old.status === undefined) delete obj.status;
        else obj.status = old.status;
      }
      const oldGen = old.metadata?.generation;
      if (r.generation) {
        const changed = typeof r.generation === 'function' ? r.generation(obj, old) : specChanged(obj, old);
        setGeneration(obj, (oldGen ?? 0) + (changed ? 1 : 0));
      } else {
        setGeneration(obj, oldGen);
      }
      r.prepareForUpdate?.(obj, old);
    },
    validate(obj) {
      return [...validateObjectMeta(obj.metadata, { namespaced: r.namespaced, name: r.name }), ...(r.validate?.(obj) ?? [])];
    },
    validateUpdate(obj, old) {
      return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...(r.validateUpdate?.(obj, old) ?? [])];
    },
  };
  if (r.default) strategy.default = (obj) => r.default!(obj);
  if (r.status) {
    strategy.prepareForStatusUpdate = (obj, old) => {
      const status = obj.status;
      const resourceVersion = obj.metadata?.resourceVersion;
      const annotations = obj.metadata?.annotations;
      for (const k of Object.keys(obj)) delete obj[k];
      // Everything but status comes from the stored object; metadata is copied because the update path edits it.
      Object.assign(obj, old, { metadata: { ...old.metadata } });
      if (status === undefined) delete obj.status;
      else obj.status = status;
      if (resourceVersion !== undefined) obj.metadata = { ...obj.metadata, resourceVersion };
      if (r.statusAnnotations) {
        obj.metadata = { ...obj.metadata, annotations };
        if (!annotations) delete obj.metadata.annotations;
      }
    };
  }
  if (r.prepareForDelete) strategy.prepareForDelete = (obj) => r.prepareForDelete!(obj);
  if (r.selectableFields) strategy.selectableFields = (obj) => r.selectableFields!(obj);
  if (r.deleteGracePeriod) strategy.deleteGracePeriod = (obj, requested) => r.deleteGracePeriod!(obj, requested);
  return strategy;
}

/** Field-selector values are strings; absent fields select as the empty string, as in Kubernetes. */
export const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

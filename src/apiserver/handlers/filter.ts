/**
 * The LIST/WATCH filter: namespace, label selector and field selector, with
 * field names checked against what the type can select on (400 otherwise,
 * worded as Kubernetes does).
 */
import type { KObject, ResourceType } from '../../api/types.js';
import { errors } from '../../api/errors.js';
import { matchesFields, matches, parseFieldSelector, parseLabelSelector, type FieldSelector, type LabelSelector } from '../../api/labels.js';

export interface ObjectFilter {
  (obj: Readonly<KObject>): boolean;
  /** True when the filter lets everything through (no selectors). */
  readonly everything: boolean;
}

export function fieldsOf(rt: ResourceType, obj: Readonly<KObject>): Record<string, string> {
  const base: Record<string, string> = { 'metadata.name': obj.metadata?.name ?? '' };
  if (rt.namespaced) base['metadata.namespace'] = obj.metadata?.namespace ?? '';
  const extra = rt.strategy.selectableFields?.(obj as KObject);
  return extra ? { ...base, ...extra } : base;
}

function knownFields(rt: ResourceType): Set<string> | undefined {
  try {
    const probe = { apiVersion: '', kind: rt.kind, metadata: {}, spec: {}, status: {} } as KObject;
    return new Set(Object.keys(fieldsOf(rt, probe)));
  } catch {
    return undefined;
  }
}

export function buildFilter(rt: ResourceType, query: URLSearchParams, name?: string): ObjectFilter {
  const ls = query.get('labelSelector');
  let fsText = query.get('fieldSelector') ?? '';
  if (name) fsText = fsText ? `${fsText},metadata.name=${name}` : `metadata.name=${name}`;
  const label: LabelSelector | undefined = ls ? parseLabelSelector(ls) : undefined;
  let fieldSel: FieldSelector | undefined;
  if (fsText) {
    fieldSel = parseFieldSelector(fsText);
    const known = knownFields(rt);
    if (known) {
      for (const req of fieldSel.terms) {
        if (!known.has(req.field)) {
          throw errors.badRequest(`field label not supported: ${req.field}`);
        }
      }
    }
  }
  const everything = !label && !fieldSel;
  const f = ((obj: Readonly<KObject>) => {
    if (label && !matches(label, obj.metadata?.labels)) return false;
    if (fieldSel && !matchesFields(fieldSel, fieldsOf(rt, obj))) return false;
    return true;
  }) as ObjectFilter;
  Object.defineProperty(f, 'everything', { value: everything });
  return f;
}

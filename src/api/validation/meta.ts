/** ObjectMeta, labels, annotations and label selectors, checked as apimachinery does. */
import type { LabelSelector, ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { field, type FieldError } from '../errors.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './names.js';

export type NameValidator = (name: string) => string[];

export const totalAnnotationSizeLimit = 256 * 1024;
export const fieldImmutable = 'field is immutable';

export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(field.invalid(path, k, msg));
    if (typeof v !== 'string') {
      errs.push(field.invalid(path, v, 'must be a string'));
      continue;
    }
    for (const msg of isValidLabelValue(v)) errs.push(field.invalid(path, v, msg));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(field.invalid(path, k, msg));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (size > totalAnnotationSizeLimit) errs.push(field.tooLong(path, totalAnnotationSizeLimit));
  return errs;
}

export interface ObjectMetaRules {
  namespaced: boolean;
  /** How the type's names are checked; DNS-1123 subdomain unless said otherwise. */
  name?: NameValidator;
}

export function validateObjectMeta(meta: ObjectMeta | undefined, rules: ObjectMetaRules, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  const m = meta ?? {};
  const nameRule = rules.name ?? isDNS1123Subdomain;
  if (!m.name) {
    if (!m.generateName) errs.push(field.required(`${path}.name`, 'name or generateName is required'));
  } else {
    for (const msg of nameRule(m.name)) errs.push(field.invalid(`${path}.name`, m.name, msg));
  }
  if (rules.namespaced) {
    if (!m.namespace) errs.push(field.required(`${path}.namespace`));
    else for (const msg of isDNS1123Label(m.namespace)) errs.push(field.invalid(`${path}.namespace`, m.namespace, msg));
  } else if (m.namespace) {
    errs.push(field.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if (m.generation !== undefined && m.generation < 0) errs.push(field.invalid(`${path}.generation`, m.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(m.labels, `${path}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(m, `${path}.ownerReferences`));
  for (const f of m.finalizers ?? []) for (const msg of isQualifiedName(f)) errs.push(field.invalid(`${path}.finalizers`, f, msg));
  return errs;
}

function validateOwnerReferences(m: ObjectMeta, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let controllers = 0;
  for (const ref of m.ownerReferences ?? []) {
    if (!ref.apiVersion) errs.push(field.invalid(`${path}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(field.invalid(`${path}.kind`, ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) errs.push(field.invalid(`${path}.name`, ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) errs.push(field.invalid(`${path}.uid`, ref.uid ?? '', 'uid must not be empty'));
    if (ref.controller) controllers++;
  }
  if (controllers > 1) errs.push(field.invalid(path, m.ownerReferences, 'Only one reference can have Controller set to true'));
  return errs;
}

/** What metadata an update may not change. */
export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, old: ObjectMeta | undefined, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  const n = meta ?? {};
  const o = old ?? {};
  const immutable: (keyof ObjectMeta)[] = ['name', 'namespace', 'uid', 'creationTimestamp'];
  for (const k of immutable) {
    if (o[k] !== undefined && n[k] !== undefined && n[k] !== o[k]) errs.push(field.invalid(`${path}.${k}`, n[k], fieldImmutable));
  }
  return errs;
}

const selectorOps = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

export function validateLabelSelector(sel: LabelSelector | undefined, path: string): FieldError[] {
  if (!sel) return [];
  const errs: FieldError[] = [];
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (!e.values?.length) errs.push(field.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (e.values?.length) errs.push(field.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(field.invalid(`${p}.operator`, e.operator, 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(e.key ?? '')) errs.push(field.invalid(`${p}.key`, e.key, msg));
  });
  errs.push(...validateLabels(sel.matchLabels, `${path}.matchLabels`));
  return errs;
}

/**
 * Whether a LabelSelector object selects these labels. A missing selector
 * selects nothing and an empty one everything, as LabelSelectorAsSelector has it.
 */
export function selectorMatches(sel: LabelSelector | undefined | null, labels: Record<string, string> | undefined): boolean {
  if (!sel) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(l[e.key])) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(l[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export function isEmptySelector(sel: LabelSelector | undefined | null): boolean {
  return !!sel && Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0;
}

export { selectorOps };

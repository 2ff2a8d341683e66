/** Small checks many validators share: non-negative ints, int-or-percent, immutability. */
import { GoValue, field, type FieldError } from '../errors.js';
import { fieldImmutable } from './meta.js';
import { nonNegative } from './pod.js';

export const canonicalJSON = (v: unknown): string =>
  JSON.stringify(v ?? null, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );

export const deepEqual = (a: unknown, b: unknown): boolean => canonicalJSON(a) === canonicalJSON(b);

export function nonNegativeField(v: number | undefined | null, path: string): FieldError[] {
  return typeof v === 'number' && v < 0 ? [field.invalid(path, v, nonNegative)] : [];
}

export function positiveField(v: number | undefined | null, path: string): FieldError[] {
  return typeof v === 'number' && v <= 0 ? [field.invalid(path, v, 'must be greater than 0')] : [];
}

const percentRe = /^(\d+)%$/;

/** The number an IntOrString holds (percent strings give their percent), or undefined when malformed. */
export function intOrPercentValue(v: number | string | undefined): { value: number; percent: boolean } | undefined {
  if (typeof v === 'number') return { value: v, percent: false };
  if (typeof v === 'string') {
    const m = percentRe.exec(v);
    if (m) return { value: Number(m[1]), percent: true };
  }
  return undefined;
}

/** ValidatePositiveIntOrPercent + IsNotMoreThan100Percent, as deployments and PDBs use them. */
export function validateIntOrPercent(v: number | string | undefined, path: string, max100 = true): FieldError[] {
  if (v === undefined) return [];
  const parsed = intOrPercentValue(v);
  if (!parsed) {
    return [field.invalid(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  }
  if (parsed.value < 0) return [field.invalid(path, v, nonNegative)];
  if (max100 && parsed.percent && parsed.value > 100) return [field.invalid(path, v, 'must not be greater than 100%')];
  return [];
}

export function immutable(newVal: unknown, oldVal: unknown, path: string, shown?: unknown): FieldError[] {
  return deepEqual(newVal, oldVal) ? [] : [field.invalid(path, shown ?? newVal ?? null, fieldImmutable)];
}

/** A Go-struct-looking placeholder for values Kubernetes prints in full (pod templates and the like). */
export const goStruct = (typeName: string): GoValue => new GoValue(`${typeName}{...}`);

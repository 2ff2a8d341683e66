/**
 * resource.Quantity, as numbers: `100m` is 0.1, `1Gi` is 1073741824, `1e3` is
 * 1000, `2E` is 2e18 (a lone E is the exa suffix; E followed by digits is an
 * exponent). Kept as a JS number: precise enough for scheduling and
 * comparisons (CPU in millicores and memory in bytes are far below 2^53).
 */

/** The wording Kubernetes uses when a quantity does not parse. */
export const quantityFormatError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const binarySuffixes: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const decimalSuffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const shape = /^([+-]?)(\d+\.?\d*|\.\d+)(.*)$/;
const exponent = /^[eE]([+-]?\d+)$/;

/** The value of a quantity, or undefined when it is not one. */
export function tryParseQuantity(q: string | number): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = shape.exec(q);
  if (!m) return undefined;
  const [, sign, digits, suffix] = m;
  let mult: number | undefined = binarySuffixes[suffix] ?? decimalSuffixes[suffix];
  if (mult === undefined) {
    const e = exponent.exec(suffix);
    if (!e) return undefined;
    mult = 10 ** Number(e[1]);
  }
  const n = Number(digits) * mult;
  if (!Number.isFinite(n)) return undefined;
  return sign === '-' ? -n : n;
}

/** The value of a quantity; throws with Kubernetes' message when it is not one. */
export function parseQuantity(q: string | number): number {
  const v = tryParseQuantity(q);
  if (v === undefined) throw new Error(`${quantityFormatError} (got ${JSON.stringify(q)})`);
  return v;
}

export function isQuantity(q: unknown): q is string | number {
  return (typeof q === 'string' || typeof q === 'number') && tryParseQuantity(q) !== undefined;
}

/**
 * The benches' command lines: `--name value` pairs. A number a bench cannot
 * use stops it with a one-line error rather than a run that measures nonsense.
 */
export class BenchOptions {
  constructor(private readonly argv: readonly string[] = process.argv.slice(2)) {}

  /** The value after --name, or fallback when the option (or its value) is missing. */
  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    const i = this.argv.indexOf(`--${name}`);
    return (i >= 0 ? this.argv[i + 1] : undefined) ?? fallback;
  }

  /** A positive number. */
  number(name: string): number | undefined;
  number(name: string, fallback: number): number;
  number(name: string, fallback?: number): number | undefined {
    return this.numeric(name, fallback, 'a positive number', (n) => Number.isFinite(n) && n > 0);
  }

  /** A positive whole number. */
  count(name: string): number | undefined;
  count(name: string, fallback: number): number;
  count(name: string, fallback?: number): number | undefined {
    return this.numeric(name, fallback, 'a positive whole number', (n) => Number.isInteger(n) && n > 0);
  }

  private numeric(name: string, fallback: number | undefined, what: string, ok: (n: number) => boolean): number | undefined {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!ok(n)) throw new Error(`--${name} wants ${what}, got ${v}`);
    return n;
  }
}

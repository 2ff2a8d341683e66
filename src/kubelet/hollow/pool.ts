/** Runs async jobs with at most `limit` in flight; the hollow agent's writes go through one. */
export class Pool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await job();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /** Runs `fn` over every item with the pool's limit and waits for all; failures are collected, not thrown. */
  async all<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<unknown[]> {
    const errs: unknown[] = [];
    await Promise.all(items.map((it) => this.run(() => fn(it)).catch((e) => void errs.push(e))));
    return errs;
  }
}

/** `5s`, `1m30s`, `250ms`, `2h` (Go duration syntax, the subset tests use); undefined when not one. */
export function parseDuration(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
    consumed += m[0].length;
  }
  if (consumed !== s.length) return /^\d+$/.test(s) ? Number(s) * 1000 : undefined;
  return total;
}

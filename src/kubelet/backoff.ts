/**
 * Per-key exponential back-off the way the kubelet restarts crashing
 * containers and retries image pulls: the first retry is immediate, then
 * each retry within the window waits 10 s, 20 s, 40 s ... up to 300 s,
 * measured from the previous retry; a key left alone for 10 minutes (twice
 * the cap) starts over.
 */
export class Backoff {
  private readonly entries = new Map<string, { delayMs: number; lastMs: number }>();

  constructor(
    readonly initialMs = 10_000,
    readonly maxMs = 300_000,
    private readonly clock: () => number = Date.now,
  ) {}

  private expired(lastMs: number, now: number): boolean {
    return now - lastMs > 2 * this.maxMs;
  }

  /** Records a retry now and returns the delay that the next one must wait. */
  next(key: string): number {
    const now = this.clock();
    const e = this.entries.get(key);
    const delayMs = !e || this.expired(e.lastMs, now) ? this.initialMs : Math.min(e.delayMs * 2, this.maxMs);
    this.entries.set(key, { delayMs, lastMs: now });
    return delayMs;
  }

  /** Milliseconds left before the key may retry; 0 when it may retry now. */
  remaining(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    const now = this.clock();
    if (this.expired(e.lastMs, now)) return 0;
    return Math.max(0, e.lastMs + e.delayMs - now);
  }

  /** The current delay of the key (what "back-off 20s" reports), 0 when none. */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every key starting with `prefix` (a pod's keys when it goes away). */
  resetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

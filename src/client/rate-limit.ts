/**
 * Client-side rate limiting, as client-go's token bucket: `burst` requests
 * may go at once, then `qps` per second. Callers reserve a slot and wait for
 * it, so waiters are served in arrival order and a busy controller slows
 * itself down instead of melting the server.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RateLimiter {
  /** Resolves when the caller may send one request. */
  take(): Promise<void>;
}

const now = () => performance.now();

export function tokenBucket(qps: number, burst: number): RateLimiter {
  // A non-positive or infinite rate means "no limit" (client-go's QPS < 0).
  if (!(qps > 0) || !Number.isFinite(qps)) return { take: () => Promise.resolve() };
  const capacity = Math.max(1, burst);
  let tokens = capacity;
  let last = now();
  return {
    take(): Promise<void> {
      const t = now();
      tokens = Math.min(capacity, tokens + ((t - last) / 1000) * qps);
      last = t;
      // Reserve now, even if that drives the balance negative: the debt is
      // the wait, and later callers queue behind it.
      tokens -= 1;
      if (tokens >= 0) return Promise.resolve();
      return sleep((-tokens / qps) * 1000);
    },
  };
}

/** Pod creates from concurrent keep-alive clients: rate and latency. */
import { describeReply, type ApiClient } from './client.js';
import { podBody } from './pods.js';
import { msSince, summarize, type Summary } from './stats.js';

export interface CreatesOptions {
  total: number;
  concurrency: number;
  /** Stop starting new creates after this long, so a slow server keeps the bench bounded. */
  deadlineMs: number;
  name(i: number): string;
  /** Default `default`. */
  namespace?: string;
}

export interface CreatesResult {
  created: number;
  failed: number;
  seconds: number;
  perSecond: number;
  latency: Summary;
  firstFailure?: string;
  stoppedByDeadline: boolean;
}

export async function benchCreates(api: ApiClient, o: CreatesOptions): Promise<CreatesResult> {
  const path = `/api/v1/namespaces/${o.namespace ?? 'default'}/pods`;
  // Bodies are built ahead so that JSON.stringify does not sit in the measured loop.
  const bodies = Array.from({ length: o.total }, (_, i) => podBody(o.name(i), {}, o.namespace));
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  let stoppedByDeadline = false;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + o.deadlineMs;

  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (next < o.total) {
        if (Date.now() > deadline) {
          stoppedByDeadline = true;
          return;
        }
        const i = next++;
        const t0 = process.hrtime.bigint();
        try {
          const r = await api.send('POST', path, bodies[i]);
          if (r.status === 201) latencies.push(msSince(t0));
          else {
            failed++;
            firstFailure ??= describeReply('POST', path, r);
          }
        } catch (err) {
          failed++;
          firstFailure ??= `POST ${path}: ${(err as Error).message}`;
        }
      }
    }),
  );
  const seconds = msSince(started) / 1000;
  return { created: latencies.length, failed, seconds, perSecond: latencies.length / seconds, latency: summarize(latencies), firstFailure, stoppedByDeadline };
}

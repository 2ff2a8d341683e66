/**
 * Write-to-watch delivery delay: many watches open on pods from a list's
 * resourceVersion, then paced writes (creates and label patches) each marked
 * with a `bench-seq` label. The clock starts just before a write is sent and
 * stops when the event reaches each watch, so a delivery that beats the
 * write's own response counts as such.
 */
import type { IncomingMessage } from 'node:http';
import { describeReply, type ApiClient } from './client.js';
import { podBody } from './pods.js';
import { msSince, summarize, type Summary } from './stats.js';

export interface WatchOptions {
  watches: number;
  writes: number;
  /** Time between the starts of two writes. */
  intervalMs: number;
  resourceVersion: string;
  /** Names of existing pods to patch (every other write is a patch). */
  existing: readonly string[];
  /** How long to wait for stragglers after the last write answered. */
  drainMs: number;
}

export interface WatchResult {
  writesOk: number;
  writesFailed: number;
  firstFailure?: string;
  expected: number;
  delivered: number;
  /** Events that were not ours or arrived twice for one watch. */
  unexpected: number;
  delay: Summary;
  /** Watches that ended (closed by the server) before the writes were done. */
  endedEarly: number;
}

const seqPattern = /"bench-seq":"(\d+)"/;

export async function benchWatchDelivery(api: ApiClient, o: WatchOptions): Promise<WatchResult> {
  const path = `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${encodeURIComponent(o.resourceVersion)}`;
  const sentAt: bigint[] = new Array(o.writes);
  const seen: Uint8Array[] = [];
  const delays: number[] = [];
  let unexpected = 0;
  let endedEarly = 0;
  let writesDone = false;
  let onDelivery: (() => void) | undefined;

  const streams: IncomingMessage[] = [];
  try {
    for (let w = 0; w < o.watches; w++) {
      const res = await api.stream(path);
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        const body = Buffer.concat(chunks);
        throw new Error(describeReply('GET', path, { status: res.statusCode ?? 0, body, wireBytes: body.length }));
      }
      streams.push(res);
      const mine = new Uint8Array(o.writes);
      seen.push(mine);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const now = process.hrtime.bigint();
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const m = seqPattern.exec(line);
          const seq = m ? Number(m[1]) : -1;
          if (seq < 0 || seq >= o.writes || sentAt[seq] === undefined || mine[seq]) {
            if (line.trim()) unexpected++;
            continue;
          }
          mine[seq] = 1;
          delays.push(Number(now - sentAt[seq]!) / 1e6);
        }
        onDelivery?.();
      });
      res.on('end', () => {
        if (!writesDone) endedEarly++;
      });
      res.on('error', () => {});
    }

    let writesOk = 0;
    let writesFailed = 0;
    let firstFailure: string | undefined;
    const start = Date.now();
    const pending: Promise<void>[] = [];
    for (let seq = 0; seq < o.writes; seq++) {
      const wait = start + seq * o.intervalMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const patch = seq % 2 === 1 && o.existing.length > 0;
      const target = patch ? o.existing[Math.floor(seq / 2) % o.existing.length]! : `watch-${seq}`;
      const [method, p, body, type] = patch
        ? ['PATCH', `/api/v1/namespaces/default/pods/${target}`, JSON.stringify({ metadata: { labels: { 'bench-seq': String(seq) } } }), 'application/merge-patch+json']
        : ['POST', '/api/v1/namespaces/default/pods', podBody(target, { 'bench-seq': String(seq) }), 'application/json'];
      sentAt[seq] = process.hrtime.bigint();
      pending.push(
        api.send(method, p, body, type).then(
          (r) => {
            if (r.status === 200 || r.status === 201) writesOk++;
            else {
              writesFailed++;
              firstFailure ??= describeReply(method, p, r);
            }
          },
          (err: Error) => {
            writesFailed++;
            firstFailure ??= `${method} ${p}: ${err.message}`;
          },
        ),
      );
    }
    await Promise.all(pending);
    writesDone = true;

    const expected = writesOk * o.watches;
    if (delays.length < expected) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, o.drainMs);
        onDelivery = () => {
          if (delays.length >= expected) {
            clearTimeout(t);
            resolve();
          }
        };
      });
    }
    return { writesOk, writesFailed, firstFailure, expected, delivered: delays.length, unexpected, delay: summarize(delays), endedEarly };
  } finally {
    writesDone = true;
    for (const s of streams) s.destroy();
  }
}

/**
 * LIST of every pod in a namespace, the whole JSON body read, repeated: as
 * kubectl and client-go ask (Accept-Encoding: gzip, inflated as it arrives),
 * and uncompressed.
 */
import { describeReply, type ApiClient } from './client.js';
import { msSince, summarize, type Summary } from './stats.js';

export interface ListRuns {
  latency: Summary;
  /** Bytes on the connection per LIST. */
  wireBytes: number;
}

export interface ListResult {
  items: number;
  /** The JSON body's size. */
  bytes: number;
  resourceVersion: string;
  gzip: ListRuns;
  identity: ListRuns;
}

export async function benchList(api: ApiClient, runs: number): Promise<ListResult> {
  const path = '/api/v1/namespaces/default/pods';
  // One unmeasured run warms the server's caches and JIT, and tells the size.
  const first = await api.send('GET', path);
  if (first.status !== 200) throw new Error(describeReply('GET', path, first));
  const list = JSON.parse(first.body.toString('utf8')) as { items?: unknown[]; metadata?: { resourceVersion?: string } };
  const measure = async (gzip: boolean): Promise<ListRuns> => {
    const latencies: number[] = [];
    let wireBytes = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      const r = await api.send('GET', path, undefined, undefined, gzip);
      const ms = msSince(t0);
      if (r.status !== 200) throw new Error(describeReply('GET', path, r));
      if (r.body.length !== first.body.length && i === 0) throw new Error(`LIST${gzip ? ' (gzip)' : ''} decoded to ${r.body.length} bytes, the plain one has ${first.body.length}`);
      latencies.push(ms);
      wireBytes = r.wireBytes;
    }
    return { latency: summarize(latencies), wireBytes };
  };
  const gzip = await measure(true);
  const identity = await measure(false);
  return { items: list.items?.length ?? 0, bytes: first.body.length, resourceVersion: list.metadata?.resourceVersion ?? '', gzip, identity };
}

/** LIST of every pod in a namespace, the whole JSON body read, repeated. */
import { describeReply, type ApiClient } from './client.js';
import { msSince, summarize, type Summary } from './stats.js';

export interface ListResult {
  items: number;
  bytes: number;
  resourceVersion: string;
  latency: Summary;
}

export async function benchList(api: ApiClient, runs: number): Promise<ListResult> {
  const path = '/api/v1/namespaces/default/pods';
  // One unmeasured run warms the server's caches and JIT, and tells the size.
  const first = await api.send('GET', path);
  if (first.status !== 200) throw new Error(describeReply('GET', path, first));
  const list = JSON.parse(first.body.toString('utf8')) as { items?: unknown[]; metadata?: { resourceVersion?: string } };
  const latencies: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = await api.send('GET', path);
    const ms = msSince(t0);
    if (r.status !== 200) throw new Error(describeReply('GET', path, r));
    latencies.push(ms);
  }
  return { items: list.items?.length ?? 0, bytes: first.body.length, resourceVersion: list.metadata?.resourceVersion ?? '', latency: summarize(latencies) };
}

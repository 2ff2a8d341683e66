/**
 * The API server's figures on one disk, next to the physical limit below it:
 *
 *   - pod creates/s and latency from 32 keep-alive HTTPS clients,
 *   - the raw durable commit rate of SQLite for the same payloads, and the ratio,
 *   - LIST of every pod (~10 000) with the whole body read,
 *   - delay from a write to its arrival on 100 open watches.
 *
 * It starts its own `skiff server` on the SQLite store in a temp dir (loopback
 * only) and removes both at the end. Prints figures and targets; it is not a
 * pass/fail test (exit 1 only when a phase could not run at all).
 *
 *   npm run build && npm run bench:api
 *   node dist/bench/api/main.js [--creates 10000] [--clients 32] [--watches 100] [--writes 200] [--list-runs 10] [--dir /tmp] [--bin path/to/skiff]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawSqliteCommitRate } from '../storage/raw.js';
import { BenchOptions, startBenchServer, type BenchServer } from '../support/index.js';
import { ApiClient, describeReply } from './client.js';
import { benchCreates } from './creates.js';
import { benchList } from './list.js';
import { tlsFloor } from './tls-floor.js';
import { podBody } from './pods.js';
import { fmt } from './stats.js';
import { benchWatchDelivery } from './watch.js';

const targets = { createsPerSecond: 2000, createP99Ms: 50, listP99Ms: 150, watchP99Ms: 100 };
const warmUpCreates = 1000;
/** The whole run must stay well under three minutes. */
const wallClockLimitMs = 175_000;

const options = new BenchOptions();

const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
const line = (label: string, text: string) => console.log(`${label.padEnd(14)}${text}`);

async function main(): Promise<void> {
  const creates = options.number('creates', 10_000);
  const clients = options.number('clients', 32);
  const watches = options.number('watches', 100);
  const writes = options.number('writes', 200);
  const listRuns = options.number('list-runs', 10);
  const root = mkdtempSync(join(options.string('dir', tmpdir()), 'skiff-bench-api-'));
  const began = Date.now();
  let server: BenchServer | undefined;
  let api: ApiClient | undefined;

  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${wallClockLimitMs / 1000}s; stopping`);
    void cleanup().finally(() => process.exit(1));
  }, wallClockLimitMs);
  watchdog.unref();
  async function cleanup(): Promise<void> {
    api?.close();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  }
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));

  try {
    console.log(`skiff API bench: SQLite store under ${root}, Node ${process.version}, ${availableParallelism()} CPUs, pod body ${podBody('bench-00000').length} B`);
    // Figures on a busy machine mean little; say how busy it was.
    const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
    line('load average', `${load()} at start`);

    // The raw limit first, while nothing else uses the disk.
    const raw1 = rawSqliteCommitRate(root, 1000, 1);
    const raw32 = rawSqliteCommitRate(root, creates, 32);
    line('raw sqlite', `1 row per fsync'd commit: ${fmt(raw1.rowsPerSecond)} rows/s; 32 rows per commit: ${fmt(raw32.rowsPerSecond)} rows/s (WAL, synchronous=FULL, same disk)`);

    const bin = options.string('bin', '');
    server = await startBenchServer(join(root, 'data'), bin ? { bin } : {});
    api = new ApiClient(server.port, server.credentials, clients);
    // Open every keep-alive connection before measuring; the namespace must exist anyway.
    const warm = await Promise.all(Array.from({ length: clients }, () => api!.send('GET', '/api/v1/namespaces/default')));
    if (warm[0]!.status !== 200) throw new Error(describeReply('GET', '/api/v1/namespaces/default', warm[0]!));

    const name = (i: number) => `bench-${String(i).padStart(5, '0')}`;
    // Steady state, not start-up: a first burst of creates (in another namespace, so the LIST below still
    // sees exactly the measured pods) gets the server's code compiled by the JIT before the clock runs.
    const warmNs = await api.send('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench-warm-up' } }));
    if (warmNs.status !== 201) throw new Error(describeReply('POST', '/api/v1/namespaces', warmNs));
    const warmUp = await benchCreates(api, { total: warmUpCreates, concurrency: clients, deadlineMs: 30_000, name: (i) => `warm-up-${i}`, namespace: 'bench-warm-up' });
    if (warmUp.failed) throw new Error(`warm-up creates failed: ${warmUp.firstFailure}`);
    const c = await benchCreates(api, { total: creates, concurrency: clients, deadlineMs: 75_000, name });
    line(
      'creates',
      `${c.created} pods in ${fmt(c.seconds)} s from ${clients} clients (after ${warmUpCreates} unmeasured): ${fmt(c.perSecond)} creates/s, p50 ${fmt(c.latency.p50)} ms, p99 ${fmt(c.latency.p99)} ms, max ${fmt(c.latency.max)} ms` +
        `   target >= ${targets.createsPerSecond}/s with p99 <= ${targets.createP99Ms} ms: ${verdict(c.perSecond >= targets.createsPerSecond && c.latency.p99 <= targets.createP99Ms)}`,
    );
    if (c.failed) line('', `${c.failed} creates failed; first: ${c.firstFailure}`);
    if (c.stoppedByDeadline) line('', `stopped early: the creates phase is capped at 75 s`);
    line('ratio', `API creates / raw 1-per-commit rows: ${fmt(c.perSecond / raw1.rowsPerSecond)}x; API creates / raw 32-per-commit rows: ${fmt(c.perSecond / raw32.rowsPerSecond)}x`);
    if (c.created === 0) throw new Error('no create succeeded; nothing to list or watch');

    const l = await benchList(api, listRuns);
    line(
      'list',
      `${l.items} pods, ${fmt(l.bytes / 1e6)} MB of JSON, gzip'd as kubectl asks (${fmt(l.gzip.wireBytes / 1e6)} MB on the wire, inflated as read): ` +
        `p50 ${fmt(l.gzip.latency.p50)} ms, p99 ${fmt(l.gzip.latency.p99)} ms over ${l.gzip.latency.count} runs` +
        `   target <= ${targets.listP99Ms} ms: ${verdict(l.gzip.latency.p99 <= targets.listP99Ms)}`,
    );
    line('list plain', `the same LIST without Accept-Encoding: p50 ${fmt(l.identity.latency.p50)} ms, p99 ${fmt(l.identity.latency.p99)} ms`);
    const floor = await tlsFloor(join(root, 'data'), l.bytes, listRuns);
    line('list floor', `the same ${fmt(l.bytes / 1e6)} MB from a bare node HTTPS server: p50 ${fmt(floor.p50)} ms, p99 ${fmt(floor.p99)} ms; plain LIST / floor p50 ${fmt(l.identity.latency.p50 / floor.p50)}x`);

    const existing = Array.from({ length: Math.min(c.created, writes) }, (_, i) => name(i));
    const w = await benchWatchDelivery(api, { watches, writes, intervalMs: 20, resourceVersion: l.resourceVersion, existing, drainMs: 15_000 });
    line(
      'watch',
      `${w.writesOk} writes x ${watches} watches: ${w.delivered}/${w.expected} deliveries, p50 ${fmt(w.delay.p50)} ms, p99 ${fmt(w.delay.p99)} ms, max ${fmt(w.delay.max)} ms` +
        `   target p99 <= ${targets.watchP99Ms} ms: ${verdict(w.delivered === w.expected && w.delay.p99 <= targets.watchP99Ms)}`,
    );
    if (w.writesFailed) line('', `${w.writesFailed} writes failed; first: ${w.firstFailure}`);
    if (w.unexpected || w.endedEarly) line('', `${w.unexpected} unexpected events, ${w.endedEarly} watches closed early`);

    const rss = server.peakRssKiB();
    line('server memory', rss === undefined ? 'peak RSS unknown (no /proc)' : `peak RSS (VmHWM) ${fmt(rss / 1024)} MiB`);
    line('wall clock', `${fmt((Date.now() - began) / 1000)} s; load average ${load()} at the end`);
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

main().catch((err) => {
  console.error('bench failed:', err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});

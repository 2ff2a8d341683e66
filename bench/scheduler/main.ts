/**
 * Scheduler throughput on the upstream scheduler_perf shapes, through a
 * real `skiff server` on SQLite: for each shape a fresh server, N hollow
 * nodes (leases renewed as a kubelet would, pods not simulated), the
 * scheduler in this process, and M pods created over REST with bounded
 * concurrency. Prints pods/s from the first create sent to the last binding
 * the API server acknowledged, per-pod latency p50/p99 (create acknowledged →
 * binding acknowledged), the CPU each process spent per pod and the
 * server's peak RSS, next to the targets. Not a pass/fail test. (No watch of
 * its own: parsing every pod event twice in this process would take CPU from
 * the scheduler it measures.)
 *
 *   npm run build && node dist/bench/scheduler/main.js [--shapes basic,anti-affinity] [--nodes 5000] [--scale 1] [--clients 32] [--lease-renew-ms 10000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import { resources } from '../../src/client/index.js';
import { startHollowNodes } from '../../src/kubelet/hollow/index.js';
import { startScheduler } from '../../src/scheduler/index.js';
import { silentLogger } from '../../src/util/log.js';
import { ApiClient, describeReply } from '../api/client.js';
import { fmt, percentile } from '../api/stats.js';
import { BenchOptions, UnthrottledClients, startBenchServer, type BenchServer } from '../support/index.js';
import { shapes, type Shape } from './shapes.js';

const wallClockLimitMs = 9.5 * 60_000;

const options = new BenchOptions();

interface Result {
  shape: string;
  nodes: number;
  pods: number;
  initPods: number;
  bound: number;
  podsPerSecond: number;
  /** The rate the pods were created at: the ceiling for pods/s in this streaming measurement. */
  createsPerSecond: number;
  p50: number;
  p99: number;
  registerSeconds: number;
  serverPeakMiB?: number;
  benchPeakMiB: number;
  /** CPU per bound pod, from the first create to the last binding: the server's, and this process's (scheduler, creators, hollow nodes). */
  serverCpuMsPerPod?: number;
  benchCpuMsPerPod: number;
  target: number;
}

/**
 * The load, not the system under test: like scheduler_perf's pod creator it
 * only checks each answer's status, and its bodies are ready before the
 * clock starts, so its CPU stays out of the scheduler's way.
 */
async function createAll(api: ApiClient, ns: string, bodies: string[], concurrency: number, created: Map<string, number>): Promise<number> {
  const path = `/api/v1/namespaces/${ns}/pods`;
  const count = bodies.length;
  let next = 0;
  let failures = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      try {
        const r = await api.send('POST', path, bodies[i]);
        if (r.status !== 201) throw new Error(describeReply('POST', path, r));
        if (!created.has(`pod-${i}`)) created.set(`pod-${i}`, performance.now());
      } catch (err) {
        if (failures++ === 0) console.log(`  first create failure: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failures;
}

async function runShape(shape: Shape, nodes: number, pods: number, clients: number, leaseRenewMs: number, root: string): Promise<Result> {
  const dir = mkdtempSync(join(root, `${shape.name}-`));
  let server: BenchServer | undefined;
  let apiClients: UnthrottledClients | undefined;
  const stops: (() => unknown)[] = [];
  try {
    server = await startBenchServer(join(dir, 'data'));
    apiClients = new UnthrottledClients(server.kubeconfig);
    const admin = apiClients.make('bench/scheduler');
    const t0 = Date.now();
    const hollow = await startHollowNodes({ client: apiClients.make('bench/hollow'), count: nodes, simulatePods: false, concurrency: 64, renewIntervalMs: leaseRenewMs });
    stops.push(() => hollow.stop());
    const registerSeconds = (Date.now() - t0) / 1000;

    const ns = `bench-${shape.name}`;
    await admin.resource<Namespace & { [k: string]: unknown }>(resources.namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });

    // Latency: create acknowledged → binding acknowledged (a binding can be acknowledged first, when the
    // scheduler sees the pod on its watch before the create's answer reaches the creating client).
    const created = new Map<string, number>();
    const boundAt = new Map<string, number>();
    let lastBound = 0;
    let done: () => void = () => undefined;
    const allBound = new Promise<void>((resolve) => (done = resolve));
    let initBound = 0;
    const onBound = (p: Readonly<Pod>) => {
      const now = performance.now();
      if (p.metadata?.name?.startsWith('init-')) {
        initBound++;
        return;
      }
      boundAt.set(p.metadata?.name ?? '', now);
      lastBound = now;
      if (boundAt.size >= pods) done();
    };
    const scheduler = startScheduler({ client: apiClients.make('bench/scheduler'), log: silentLogger(), onBound });
    stops.push(() => scheduler.stop());
    await scheduler.ready;
    // Wait for the scheduler to see every node.
    while (scheduler.stats().nodes < nodes) await new Promise((r) => setTimeout(r, 100));


    const creator = new ApiClient(server.port, server.credentials, clients);
    stops.push(() => creator.close());

    // Upstream's initPods: placed first, not measured (they also warm the JIT of both processes).
    if (shape.initPods > 0) {
      const initNs = shape.initNamespaceApart ? `${ns}-init` : ns;
      if (initNs !== ns) await admin.resource<Namespace & { [k: string]: unknown }>(resources.namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: initNs } });
      const template = shape.initPod ?? shape.pod;
      const initBodies = Array.from({ length: shape.initPods }, (_, i) => JSON.stringify(template(`init-${i}`, initNs)));
      const initFailures = await createAll(creator, initNs, initBodies, clients, new Map());
      const deadline = Date.now() + 120_000;
      while (initBound < shape.initPods - initFailures && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (initBound < shape.initPods - initFailures) console.log(`  (${shape.name}: only ${initBound}/${shape.initPods} init pods bound)`);
    }

    const bodies = Array.from({ length: pods }, (_, i) => JSON.stringify(shape.pod(`pod-${i}`, ns)));
    const serverCpu0 = server.cpuMs();
    const benchCpu0 = process.cpuUsage();
    const start = performance.now();
    const failures = await createAll(creator, ns, bodies, clients, created);
    const createdIn = (performance.now() - start) / 1000;
    if (process.env.SKIFF_BENCH_DEBUG) console.log(`  created ${pods} in ${createdIn.toFixed(1)} s; bound so far ${boundAt.size}; ${JSON.stringify(scheduler.stats())}`);
    const expected = pods - failures;
    if (boundAt.size < expected) {
      const timeout = new Promise<void>((r) => setTimeout(r, 120_000).unref());
      await Promise.race([allBound, timeout, (async () => { while (boundAt.size < expected) await new Promise((r) => setTimeout(r, 100)); })()]);
    }
    const latencies = [...boundAt].map(([name, t]) => Math.max(0, t - (created.get(name) ?? t)));
    const seconds = ((lastBound || performance.now()) - start) / 1000;
    const serverCpu1 = server.cpuMs();
    const benchCpu = process.cpuUsage(benchCpu0);
    latencies.sort((a, b) => a - b);
    const st = scheduler.stats();
    if (st.bindErrors || st.failed) console.log(`  (${shape.name}: ${st.failed} scheduling failures, ${st.bindErrors} binding errors, ${failures} create failures)`);
    return {
      shape: shape.name,
      nodes,
      pods,
      initPods: shape.initPods,
      bound: latencies.length,
      podsPerSecond: latencies.length / seconds,
      createsPerSecond: pods / createdIn,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      registerSeconds,
      serverPeakMiB: server.peakRssKiB() !== undefined ? server.peakRssKiB()! / 1024 : undefined,
      benchPeakMiB: process.resourceUsage().maxRSS / 1024,
      serverCpuMsPerPod: serverCpu0 !== undefined && serverCpu1 !== undefined ? (serverCpu1 - serverCpu0) / Math.max(1, latencies.length) : undefined,
      benchCpuMsPerPod: (benchCpu.user + benchCpu.system) / 1000 / Math.max(1, latencies.length),
      target: shape.target,
    };
  } finally {
    for (const s of stops.reverse()) await s();
    apiClients?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const only = options.string('shapes')?.split(',');
  const scale = options.number('scale', 1);
  const clients = options.number('clients', 32);
  const leaseRenewMs = options.number('lease-renew-ms', 10_000);
  const nodeOverride = options.number('nodes');
  const root = mkdtempSync(join(options.string('dir', tmpdir()), 'skiff-bench-sched-'));
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${wallClockLimitMs / 60_000} min; stopping`);
    rmSync(root, { recursive: true, force: true });
    process.exit(1);
  }, wallClockLimitMs);
  watchdog.unref();
  console.log(`skiff scheduler bench: SQLite store, Node ${process.version}, ${availableParallelism()} CPUs; hollow nodes renew leases every ${leaseRenewMs / 1000} s, ${clients} creating clients`);
  console.log(`${'shape'.padEnd(16)}${'nodes'.padStart(6)}${'init'.padStart(6)}${'pods'.padStart(7)}${'pods/s'.padStart(9)}${'target'.padStart(8)}${'creates/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}  ${'server RSS'.padStart(10)}  ${'bench RSS'.padStart(9)}  ${'CPU ms/pod srv+bench'.padStart(20)}  register`);
  try {
    for (const shape of shapes) {
      if (only && !only.includes(shape.name)) continue;
      const nodes = nodeOverride ?? shape.nodes;
      const pods = Math.max(1, Math.round(shape.pods * scale));
      const r = await runShape(shape, nodes, pods, clients, leaseRenewMs, root);
      const verdict = r.podsPerSecond >= r.target ? 'met' : 'MISSED';
      console.log(
        `${r.shape.padEnd(16)}${String(r.nodes).padStart(6)}${String(r.initPods).padStart(6)}${String(r.bound).padStart(7)}${fmt(r.podsPerSecond).padStart(9)}${`≥${r.target}`.padStart(8)}${fmt(r.createsPerSecond).padStart(10)}${fmt(r.p50).padStart(9)}${fmt(r.p99).padStart(9)}  ${(r.serverPeakMiB ? `${fmt(r.serverPeakMiB)} MiB` : '?').padStart(10)}  ${`${fmt(r.benchPeakMiB)} MiB`.padStart(9)}  ${`${r.serverCpuMsPerPod?.toFixed(2) ?? '?'} + ${r.benchCpuMsPerPod.toFixed(2)}`.padStart(20)}  ${fmt(r.registerSeconds)} s  ${verdict}${r.bound < r.pods ? ` (only ${r.bound}/${r.pods} bound)` : ''}`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

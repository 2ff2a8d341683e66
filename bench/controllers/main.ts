/**
 * The workload controllers at scale, through a real `skiff server` (API
 * server + controllers + scheduler in one process, SQLite store) and 1000
 * hollow nodes in this process that run the pods through the API like
 * kubelets:
 *
 *   1. a 10 000-replica ReplicaSet: time from its create until every pod is
 *      bound, Running and Ready;
 *   2. a Deployment with the same selector and template adopts that
 *      ReplicaSet (no pod changes), then a template change rolls all 10 000
 *      pods (maxSurge/maxUnavailable 25%): time until `rollout status` would
 *      say done and the watch sees 10 000 Ready new pods and no old ones.
 *
 * Prints pods/s for both, the most live pods and fewest Ready pods the
 * rollout reached, the server's peak RSS, and the load average (these
 * machines are shared and small). Not a pass/fail test.
 *
 *   npm run build && npm run bench:controllers
 *   node dist/bench/controllers/main.js [--nodes 1000] [--replicas 10000] [--dir /tmp] [--cpu-prof-dir DIR]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Namespace, Node, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { resources, type Client } from '../../src/client/index.js';
import { startHollowNodes, type HollowNodes } from '../../src/kubelet/hollow/index.js';
import { fmt } from '../api/stats.js';
import { BenchOptions, UnthrottledClients, startBenchServer, type BenchServer } from '../support/index.js';
import { PodTally } from './pod-tally.js';

/** The whole run stays under ten minutes. */
const wallClockLimitMs = 9.5 * 60_000;
const ns = 'bench-controllers';

const options = new BenchOptions();

const loads = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const secondsSince = (t: number) => (performance.now() - t) / 1000;
const line = (label: string, text: string) => console.log(`${label.padEnd(22)}${text}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function template(image: string): PodTemplateSpec {
  return { metadata: { labels: { app: 'bench' } }, spec: { containers: [{ name: 'app', image, resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } };
}

type Obj<T> = T & { [k: string]: unknown };

async function waitNodesReady(client: Client, count: number, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const nodes = (await client.resource<Obj<Node>>(resources.nodes).list()).items;
    const ready = nodes.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready >= count) return;
    if (Date.now() > end) throw new Error(`only ${ready}/${count} nodes Ready after ${deadlineMs / 1000} s`);
    await sleep(500);
  }
}

/** Polls until the Deployment's status says the rollout is done, as `kubectl rollout status` reads it. */
async function rolledOut(client: Client, name: string, replicas: number, ms: number): Promise<Obj<Deployment>> {
  const api = client.resource<Obj<Deployment>>(resources.deployments, ns);
  const end = Date.now() + ms;
  for (;;) {
    const d = await api.get(name);
    const s = d.status ?? {};
    if ((s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && s.updatedReplicas === replicas && s.replicas === replicas && s.availableReplicas === replicas) return d;
    if (Date.now() > end) throw new Error(`deployment ${name} not rolled out after ${ms / 1000} s: ${JSON.stringify(s)}`);
    await sleep(250);
  }
}

async function main(): Promise<void> {
  const nodeCount = options.count('nodes', 1000);
  const replicas = options.count('replicas', 10_000);
  const root = mkdtempSync(join(options.string('dir', tmpdir()), 'skiff-bench-controllers-'));
  const began = Date.now();
  let server: BenchServer | undefined;
  let hollow: HollowNodes | undefined;
  let tally: PodTally | undefined;
  let clients: UnthrottledClients | undefined;
  const cleanup = async () => {
    tally?.stop();
    await hollow?.stop();
    clients?.close();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  };
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${wallClockLimitMs / 60_000} min; stopping`);
    void cleanup().finally(() => process.exit(1));
  }, wallClockLimitMs);
  watchdog.unref();
  // Measuring stops here, leaving time to stop the server and clean up; a phase cut
  // short reports how far it got.
  const measureUntil = Date.now() + wallClockLimitMs - 60_000;
  const left = () => Math.max(1000, measureUntil - Date.now());
  const serverCpuSeconds = () => (server?.cpuMs() ?? NaN) / 1000;
  const peak = () => {
    line('server peak RSS', `${fmt((server?.peakRssKiB() ?? NaN) / 1024)} MiB (API server + controllers + scheduler); bench process ${fmt(process.resourceUsage().maxRSS / 1024)} MiB`);
    const own = process.cpuUsage();
    line('CPU', `server ${fmt(serverCpuSeconds())} s, bench process (hollow nodes + watch) ${fmt((own.user + own.system) / 1e6)} s, over ${fmt((Date.now() - began) / 1000)} s`);
    line('load average', `${loads()} at the end`);
  };

  try {
    console.log(`skiff controllers bench: SQLite store, Node ${process.version}, ${availableParallelism()} CPUs, load average ${loads()}`);
    // The scheduler and controllers run in the server: they are what this bench measures.
    server = await startBenchServer(join(root, 'data'), { disable: ['agent'], stopGraceMs: 15_000, cpuProfileDir: options.string('cpu-prof-dir') });
    clients = new UnthrottledClients(server.kubeconfig);
    const admin = clients.make('bench/controllers');
    let t = performance.now();
    hollow = await startHollowNodes({ client: clients.make('bench/hollow'), count: nodeCount, concurrency: 64 });
    await waitNodesReady(admin, nodeCount, 120_000);
    line('hollow nodes', `${nodeCount} registered and Ready in ${fmt(secondsSince(t))} s`);
    await admin.resource<Obj<Namespace>>(resources.namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    tally = new PodTally(clients.make('bench/watch'), ns);
    await tally.start();
    const counts = tally.counts;

    // 1. The ReplicaSet.
    t = performance.now();
    let cpu0 = serverCpuSeconds();
    await admin.resource<Obj<ReplicaSet>>(resources.replicasets, ns).create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      // Labelled so the Deployment's selector picks it up later.
      metadata: { name: 'bench', labels: { app: 'bench' } },
      spec: { replicas, selector: { matchLabels: { app: 'bench' } }, template: template('bench:v1') },
    });
    // Milestones on the way; the phase ends with the last one or the time budget (half of what is left).
    const phase1Ms = left() / 2;
    const created = tally.until(`${replicas} pods created`, (c) => c.live >= replicas, phase1Ms).catch(() => NaN);
    const bound = tally.until(`${replicas} pods bound`, (c) => c.bound >= replicas, phase1Ms).catch(() => NaN);
    const running = await tally.until(`${replicas} pods Running and Ready`, (c) => c.running >= replicas && c.ready >= replicas, phase1Ms).catch(() => NaN);
    let cpu = serverCpuSeconds() - cpu0;
    if (Number.isNaN(running)) {
      const secs = secondsSince(t);
      line('ReplicaSet', `CUT SHORT after ${fmt(secs)} s: ${counts.live} created, ${counts.bound} bound, ${counts.ready} Running+Ready of ${replicas} (${fmt(counts.ready / secs)} pods/s)`);
      line('', `server used ${fmt(cpu)} CPU s (${fmt(counts.ready / cpu)} pods per server CPU second)`);
      peak();
      return;
    }
    const rsSeconds = (running - t) / 1000;
    line('ReplicaSet', `${replicas} pods created in ${fmt(((await created) - t) / 1000)} s, bound in ${fmt(((await bound) - t) / 1000)} s, Running+Ready in ${fmt(rsSeconds)} s: ${fmt(replicas / rsSeconds)} pods/s`);
    line('', `server used ${fmt(cpu)} CPU s (${fmt(replicas / cpu)} pods per server CPU second), RSS ${fmt((server.rssKiB() ?? NaN) / 1024)} MiB, load average ${loads()}`);

    // 2. A Deployment adopts it, then rolls it.
    const deployments = admin.resource<Obj<Deployment>>(resources.deployments, ns);
    t = performance.now();
    await deployments.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bench' },
      spec: { replicas, selector: { matchLabels: { app: 'bench' } }, template: template('bench:v1'), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } },
    });
    await rolledOut(admin, 'bench', replicas, Math.min(left(), 60_000));
    const adopted = await admin.resource<Obj<ReplicaSet>>(resources.replicasets, ns).get('bench');
    const owner = adopted.metadata?.ownerReferences?.find((r) => r.controller)?.kind;
    const extra = (counts.byImage.get('bench:v1')?.live ?? 0) - replicas;
    line('Deployment adoption', `${fmt(secondsSince(t))} s; ReplicaSet bench controlled by ${owner ?? 'nobody'}${extra > 0 ? `, ${extra} extra pods` : ''}`);

    tally.mark();
    cpu0 = serverCpuSeconds();
    t = performance.now();
    await deployments.patch('bench', 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image: 'bench:v2' }] } } } });
    const done = await rolledOut(admin, 'bench', replicas, left()).then(
      () => performance.now(),
      () => NaN,
    );
    cpu = serverCpuSeconds() - cpu0;
    const bounds = `most live pods ${tally.maxLive} (bound ${Math.floor(replicas * 1.25)}), fewest Ready ${tally.minReady} (bound ${Math.ceil(replicas * 0.75)})`;
    if (Number.isNaN(done)) {
      const secs = secondsSince(t);
      const ready = counts.byImage.get('bench:v2')?.ready ?? 0;
      line('rolling update', `CUT SHORT after ${fmt(secs)} s: ${ready} of ${replicas} new pods Ready, ${counts.byImage.get('bench:v1')?.live ?? 0} old left (${fmt(ready / secs)} pods/s)`);
      line('', `server used ${fmt(cpu)} CPU s; ${bounds}`);
      peak();
      return;
    }
    const allNew = await tally.until('every live pod Ready on bench:v2', (c) => (c.byImage.get('bench:v2')?.ready ?? 0) >= replicas && (c.byImage.get('bench:v1')?.live ?? 0) === 0, 30_000).catch(() => NaN);
    const rollSeconds = (done - t) / 1000;
    line('rolling update', `${replicas} pods replaced: rollout complete in ${fmt(rollSeconds)} s (last old pod gone at ${fmt((allNew - t) / 1000)} s): ${fmt(replicas / rollSeconds)} pods/s`);
    line('', `server used ${fmt(cpu)} CPU s (${fmt(replicas / cpu)} pods replaced per server CPU second)`);
    line('', bounds);
    peak();
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

// Where pod start-up time goes, on one real node: wraps the agent's CRI
// client with timers, creates busybox pods at a rate, and prints
//  - when each step happened, as offsets from the pod's creation (p50/p99
//    over pods): watch delivery, RunPodSandbox, CreateContainer,
//    StartContainer, the Running status seen by a watcher;
//  - per-call CRI latency and the most calls in flight;
//  - CPU spent per pod by containerd (with the CNI plugins and shim
//    launchers it runs), by the shims (with runc), and by this process
//    (API server + agent).
// A diagnostic companion of main.ts; --prof FILE also writes a V8 CPU
// profile of this process over the measured window.
//
//   node --import tsx bench/pod-startup/trace.ts [--pods 30] [--rate 5] [--prof FILE]
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { percentileOf as pct } from '../api/stats.js';
import { BenchOptions } from '../support/index.js';
import { runtimeCpu } from './cpu.js';
import { busyboxPod, startTestNode } from '../../test/e2e/node-support.js';

// A reader that goes away (`| head`) must not kill the run before teardown: that would leave the node's pods behind.
process.stdout.on('error', () => undefined);
const options = new BenchOptions();
const PODS = options.count('pods', 30);
const RATE = options.number('rate', 5);
const profFile = options.string('prof');

const node = await startTestNode();
const calls = new Map<string, number[]>();
const idToPod = new Map<string, string>();
const marks = new Map<string, Map<string, number>>();
const mark = (pod: string, what: string) => {
  const m = marks.get(pod) ?? new Map<string, number>();
  if (!m.has(what)) m.set(what, Date.now());
  marks.set(pod, m);
};
let inflight = 0;
let maxInflight = 0;

// The workers call through this very object, so replacing its methods times every call.
const cri = node.agent.cri as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
for (const k of Object.keys(cri)) {
  const f = cri[k];
  if (typeof f !== 'function' || k === 'close' || k === 'getContainerEvents') continue;
  cri[k] = async (...a: unknown[]) => {
    const t = performance.now();
    const podName =
      k === 'runPodSandbox'
        ? (a[0] as { metadata: { name: string } }).metadata.name
        : k === 'createContainer'
          ? (a[2] as { metadata: { name: string } }).metadata.name
          : k === 'startContainer'
            ? idToPod.get(a[0] as string)
            : undefined;
    if (podName) mark(podName, `${k} >`);
    inflight++;
    maxInflight = Math.max(maxInflight, inflight);
    try {
      const r = await f(...a);
      if (k === 'createContainer' && podName) idToPod.set(r as string, podName);
      return r;
    } finally {
      if (podName) mark(podName, `${k} <`);
      inflight--;
      const l = calls.get(k) ?? [];
      l.push(performance.now() - t);
      calls.set(k, l);
    }
  };
}

try {
  await node.createPod(busyboxPod('warmup', { containers: [{ name: 'c', image: 'busybox', command: ['true'] }], restartPolicy: 'Never' }));
  await node.waitPod('warmup', (p) => p.status?.phase === 'Succeeded', 60_000);
  calls.clear();
  const cpuSince = runtimeCpu(node);
  const inspector = profFile ? new Session() : undefined;
  const post = (method: string) => new Promise<any>((res, rej) => inspector!.post(method, {}, (err, r) => (err ? rej(err) : res(r))));
  if (inspector) {
    inspector.connect();
    await post('Profiler.enable');
    await post('Profiler.start');
  }

  const created = new Map<string, number>();
  const done = new Map<string, number>();
  const running = (p: Pod) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.state?.running);
  const watch = node.pods().watch({ labelSelector: 'bench=trace' }, (ev) => {
    const p = ev.object as Pod;
    const name = p.metadata?.name ?? '';
    if (!created.has(name)) return;
    mark(name, `watch ${ev.type} ${p.status?.phase ?? '-'}${running(p) ? ' (all running)' : ''}`);
    if (!done.has(name) && running(p)) done.set(name, Date.now());
  });
  const t0 = Date.now();
  for (let i = 0; i < PODS; i++) {
    const pod = busyboxPod(`t-${i}`, { containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] });
    pod.metadata!.labels = { bench: 'trace' };
    created.set(`t-${i}`, Date.now());
    mark(`t-${i}`, 'created');
    void node.createPod(pod);
    await new Promise((r) => setTimeout(r, 1000 / RATE));
  }
  while (done.size < PODS && Date.now() - t0 < 180_000) await new Promise((r) => setTimeout(r, 100));
  watch.stop();
  if (inspector) {
    writeFileSync(profFile!, JSON.stringify((await post('Profiler.stop')).profile));
    inspector.disconnect();
  }

  const n = Math.max(1, done.size);
  const cpu = cpuSince();
  const lat = [...done].map(([name, t]) => t - created.get(name)!);
  console.log(`pods ${done.size}/${PODS} at ${RATE}/s: p50 ${pct(lat, 50).toFixed(0)} ms, p99 ${pct(lat, 99).toFixed(0)} ms; all Running after ${Date.now() - t0} ms; most CRI calls in flight ${maxInflight}`);
  console.log(
    `CPU per pod: containerd ${(cpu.containerd / n).toFixed(0)} ms + its children (CNI plugins, shim launchers) ${(cpu.containerdChildren / n).toFixed(0)} ms, ` +
      `${cpu.shimCount} shims with runc ${(cpu.shims / n).toFixed(0)} ms, API server + agent ${(cpu.self / n).toFixed(0)} ms`,
  );
  console.log('steps, from creation (p50 / p99 over pods):');
  const steps = new Map<string, number[]>();
  for (const m of marks.values()) {
    const c = m.get('created');
    if (c === undefined) continue;
    for (const [what, t] of m) {
      const l = steps.get(what) ?? [];
      l.push(t - c);
      steps.set(what, l);
    }
  }
  for (const [what, l] of [...steps].sort((a, b) => pct(a[1], 50) - pct(b[1], 50))) {
    console.log(`  +${pct(l, 50).toFixed(0).padStart(6)} / +${pct(l, 99).toFixed(0).padStart(6)} ms  ${what} (n=${l.length})`);
  }
  console.log('CRI calls:');
  const sum = (l: number[]) => l.reduce((x, y) => x + y, 0);
  for (const [k, l] of [...calls].sort((a, b) => sum(b[1]) - sum(a[1]))) {
    console.log(`  ${k.padEnd(18)} n=${String(l.length).padStart(5)}  p50 ${pct(l, 50).toFixed(1).padStart(8)}  p99 ${pct(l, 99).toFixed(1).padStart(8)}  sum ${sum(l).toFixed(0).padStart(8)} ms`);
  }
} finally {
  await node.teardown();
  const left = node.leftovers();
  if (left.length) console.log('leftovers:', left);
}

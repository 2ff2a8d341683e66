// Where pod startup time goes: wraps the agent's CRI client with timers,
// creates pods at a rate and prints per-call latency percentiles and
// concurrency. Diagnostic companion of main.ts.
//
//   node --import tsx bench/pod-startup/trace.ts [--pods 30] [--rate 5]
import type { Pod } from 'kubernetes-types/core/v1.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxPod, startTestNode } from '../../test/e2e/node-support.js';
import { pidsMentioning } from '../../src/kubelet/index.js';

/** utime+stime+cutime+cstime of a process, in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 10;
  } catch {
    return 0;
  }
}
function selfCpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

const args = process.argv.slice(2);
const flag = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const PODS = flag('pods', 30);
const RATE = flag('rate', 5);

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
}

const node = await startTestNode();
// --prof FILE: a CPU profile of this process (API server + agent) over the measured window.
const profFile = args.includes('--prof') ? args[args.indexOf('--prof') + 1] : undefined;
const inspector = profFile ? new (await import('node:inspector')).Session() : undefined;
const post = (method: string, params?: object) =>
  new Promise<any>((res, rej) => inspector!.post(method, params ?? {}, (err, r) => (err ? rej(err) : res(r))));
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
const cri = node.agent.cri as unknown as Record<string, unknown>;
for (const k of Object.keys(cri)) {
  const f = cri[k];
  if (typeof f !== 'function' || k === 'close' || k === 'getContainerEvents') continue;
  cri[k] = async (...a: unknown[]) => {
    const t = performance.now();
    const podName = k === 'runPodSandbox' ? (a[0] as { metadata: { name: string } }).metadata.name : k === 'createContainer' ? (a[2] as { metadata: { name: string } }).metadata.name : k === 'startContainer' ? idToPod.get(a[0] as string) : undefined;
    if (podName) mark(podName, `${k}>`);
    inflight++;
    maxInflight = Math.max(maxInflight, inflight);
    try {
      const r = await (f as (...x: unknown[]) => Promise<unknown>)(...a);
      if (k === 'createContainer' && podName) idToPod.set(r as string, podName);
      return r;
    } finally {
      if (podName) mark(podName, `${k}<`);
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
  const cdPid = Number(readFileSync(join(node.agent.containerd.paths.base, 'containerd.pid'), 'utf8'));
  const shimsBefore = new Map(pidsMentioning(node.agent.containerd.paths.socket).map((p) => [p, cpuMs(p)]));
  const cd0 = cpuMs(cdPid);
  const cdSelf0 = selfCpuMs(cdPid);
  const me0 = process.cpuUsage();
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
    if (created.has(name)) mark(name, `watch:${ev.type}:${p.status?.phase ?? '-'}${running(p) ? ':running' : ''}`);
    if (!done.has(name) && created.has(name) && running(p)) done.set(name, Date.now());
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
    const { profile } = await post('Profiler.stop');
    (await import('node:fs')).writeFileSync(profFile!, JSON.stringify(profile));
    inspector.disconnect();
  }
  const shims = pidsMentioning(node.agent.containerd.paths.socket);
  const shimCpu = shims.reduce((a, p) => a + cpuMs(p) - (shimsBefore.get(p) ?? 0), 0);
  const me = process.cpuUsage(me0);
  console.log(`CPU: containerd+children ${cpuMs(cdPid) - cd0} ms (self ${selfCpuMs(cdPid) - cdSelf0}), ${shims.length} shims (+runc) ${shimCpu} ms, node (api+agent) ${((me.user + me.system) / 1000).toFixed(0)} ms`);
  const lat = [...done].map(([n, t]) => t - created.get(n)!);
  console.log(`pods ${done.size}/${PODS}: p50 ${pct(lat, 50).toFixed(0)} p99 ${pct(lat, 99).toFixed(0)} ms; total ${Date.now() - t0} ms; max CRI calls in flight ${maxInflight}`);
  // Per-step offsets from creation, p50/p99 over pods.
  const steps = new Map<string, number[]>();
  for (const [name, m] of marks) {
    const c = m.get('created');
    if (c === undefined) continue;
    for (const [what, t] of m) {
      const l = steps.get(what) ?? [];
      l.push(t - c);
      steps.set(what, l);
    }
  }
  for (const [what, l] of [...steps].sort((a, b) => pct(a[1], 50) - pct(b[1], 50))) {
    console.log(`  +${pct(l, 50).toFixed(0).padStart(6)} ms (p99 +${pct(l, 99).toFixed(0).padStart(6)})  ${what} n=${l.length}`);
  }
  for (const [k, l] of [...calls].sort((a, b) => b[1].reduce((x, y) => x + y, 0) - a[1].reduce((x, y) => x + y, 0))) {
    console.log(`${k.padEnd(20)} n=${String(l.length).padStart(5)} p50 ${pct(l, 50).toFixed(1).padStart(8)} p99 ${pct(l, 99).toFixed(1).padStart(8)} sum ${l.reduce((x, y) => x + y, 0).toFixed(0).padStart(8)} ms`);
  }
} finally {
  await node.teardown();
  const left = node.leftovers();
  if (left.length) console.log('leftovers:', left);
}

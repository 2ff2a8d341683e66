// Pod startup latency on one real node (containerd + runc + CNI), image
// already present: p50/p99 from pod creation to Running with every
// container started, for 100 pods created at 5 pods/s and for a burst of 30,
// next to the floor — a bare `runc run` of the same busybox rootfs, measured
// in the same run — and 10 pods at 1 pod/s for the unhurried latency. Also
// prints the CPU one pod start costs the whole stack (containerd, CNI
// plugins, shims and runc, API server and agent), and so the most pods per
// second this machine's cores can start. Prints figures; not a pass/fail test.
//
//   node --import tsx bench/pod-startup/main.ts [--pods 100] [--rate 5] [--burst 30]
//
// trace.ts beside it shows where the time and CPU go (per step and per CRI call).
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { busyboxLayer } from '../../test/images/build.js';
import { busyboxPod, startTestNode, type TestNode } from '../../test/e2e/node-support.js';
import { percentileOf as pct } from '../api/stats.js';
import { BenchOptions } from '../support/index.js';
import { runtimeCpu } from './cpu.js';

// A reader that goes away (`| head`) must not kill the run before teardown: that would leave the node's pods behind.
process.stdout.on('error', () => undefined);
const run = promisify(execFile);
const options = new BenchOptions();
const PODS = options.count('pods', 100);
const RATE = options.number('rate', 5);
const BURST = options.count('burst', 30);

/** A bare `runc run` of the busybox rootfs running `true`: the runtime's floor. */
async function runcFloor(samples: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-runc-floor-'));
  try {
    const rootfs = join(dir, 'rootfs');
    for (const e of busyboxLayer()) {
      const p = join(rootfs, e.path);
      if (e.type === 'dir') mkdirSync(p, { recursive: true });
      else if (e.type === 'file') {
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, e.data);
        chmodSync(p, e.mode ?? 0o644);
      } else if (e.type === 'symlink') {
        mkdirSync(dirname(p), { recursive: true });
        symlinkSync(e.target, p);
      }
    }
    await run('runc', ['spec', '--bundle', dir]);
    const cfgPath = join(dir, 'config.json');
    const cfg = JSON.parse((await import('node:fs')).readFileSync(cfgPath, 'utf8'));
    cfg.process.terminal = false;
    cfg.process.args = ['/bin/true'];
    writeFileSync(cfgPath, JSON.stringify(cfg));
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = process.hrtime.bigint();
      await run('runc', ['run', '--bundle', dir, `skiff-floor-${process.pid}-${i}`]);
      out.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(node: TestNode, names: string[], intervalMs: number): Promise<number[]> {
  const created = new Map<string, number>();
  const done = new Map<string, number>();
  const running = (p: Pod) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.state?.running);
  const watch = node.pods().watch({ labelSelector: 'bench=pod-startup' }, (ev) => {
    const p = ev.object as Pod;
    const name = p.metadata?.name ?? '';
    if (!done.has(name) && created.has(name) && running(p)) done.set(name, Date.now());
  });
  try {
    for (const name of names) {
      const pod = busyboxPod(name, { containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] }, {});
      pod.metadata!.labels = { bench: 'pod-startup' };
      created.set(name, Date.now());
      void node.createPod(pod);
      if (intervalMs) await new Promise((r) => setTimeout(r, intervalMs));
    }
    const deadline = Date.now() + 120_000;
    while (done.size < names.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  } finally {
    watch.stop();
  }
  if (done.size < names.length) console.log(`  (${names.length - done.size} pods did not start within 120 s)`);
  return names.filter((n) => done.has(n)).map((n) => done.get(n)! - created.get(n)!);
}

async function main() {
  const floor = await runcFloor(10);
  const node = await startTestNode();
  try {
    // The image is present before timing starts (pulled by a warm-up pod).
    await node.createPod(busyboxPod('warmup', { containers: [{ name: 'c', image: 'busybox', command: ['true'] }], restartPolicy: 'Never' }));
    await node.waitPod('warmup', (p) => p.status?.phase === 'Succeeded', 60_000);

    const cpuSince = runtimeCpu(node);
    const steady = await measure(node, Array.from({ length: PODS }, (_, i) => `steady-${i}`), 1000 / RATE);
    const cpu = cpuSince();
    const burst = await measure(node, Array.from({ length: BURST }, (_, i) => `burst-${i}`), 0);
    // Unhurried: what one pod costs in time when nothing else is starting.
    const slow = await measure(node, Array.from({ length: 10 }, (_, i) => `slow-${i}`), 1000);
    const f50 = pct(floor, 50);
    const line = (label: string, xs: number[]) =>
      console.log(
        `${label.padEnd(28)} n=${String(xs.length).padStart(3)}  p50 ${pct(xs, 50).toFixed(0).padStart(5)} ms  p99 ${pct(xs, 99).toFixed(0).padStart(5)} ms  (p50 = ${(pct(xs, 50) / f50).toFixed(1)}x runc floor)`,
      );
    console.log(`pod startup latency, created → Running (image present), ${process.platform} ${(await import('node:os')).cpus().length} CPUs`);
    console.log(`${'bare runc run (floor)'.padEnd(28)} n=${String(floor.length).padStart(3)}  p50 ${f50.toFixed(0).padStart(5)} ms  p99 ${pct(floor, 99).toFixed(0).padStart(5)} ms`);
    line(`${PODS} pods at ${RATE} pods/s`, steady);
    line(`burst of ${BURST}`, burst);
    line('10 pods at 1 pod/s', slow);
    const n = Math.max(1, steady.length);
    const perPod = (cpu.containerd + cpu.containerdChildren + cpu.shims + cpu.self) / n;
    const cores = (await import('node:os')).availableParallelism();
    console.log(
      `CPU per pod at ${RATE}/s: ${perPod.toFixed(0)} ms = containerd ${(cpu.containerd / n).toFixed(0)} + CNI plugins and shim launchers ${(cpu.containerdChildren / n).toFixed(0)} ` +
        `+ shims with runc ${(cpu.shims / n).toFixed(0)} + API server and agent ${(cpu.self / n).toFixed(0)} ms; ` +
        `${cores} cores start at most ${((cores * 1000) / perPod).toFixed(1)} pods/s`,
    );
    console.log(`target: p99 ≤ 1000 ms at ${RATE} pods/s (Kubernetes SLO: p99 ≤ 5 s)`);
  } finally {
    await node.teardown();
    const left = node.leftovers();
    if (left.length) console.log('leftovers:', left);
  }
}

await main();

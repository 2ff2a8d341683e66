/**
 * The scheduling algorithm alone, without the API: every shape's pods
 * scheduled (and assumed) one after another over a cache of hollow-like
 * nodes, in this process. The ceiling the end-to-end figure can reach on
 * this machine, and a check that the algorithm is not the bottleneck.
 *
 *   npm run build && node dist/bench/scheduler/algorithm.js [--shapes basic] [--nodes 5000] [--scale 1]
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { Framework, SchedulerCache, defaultPlugins, newPodInfo } from '../../src/scheduler/index.js';
import { fmt } from '../api/stats.js';
import { BenchOptions } from '../support/index.js';
import { shapes } from './shapes.js';

function hollowLikeNode(i: number): Node {
  const zone = ['zone-a', 'zone-b', 'zone-c'][i % 3]!;
  const cap = { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  return {
    metadata: { name: `hollow-node-${i}`, labels: { 'kubernetes.io/hostname': `hollow-node-${i}`, 'kubernetes.io/os': 'linux', 'topology.kubernetes.io/zone': zone } },
    spec: {},
    status: { capacity: cap, allocatable: cap },
  };
}

const options = new BenchOptions();
const only = options.string('shapes')?.split(',');
const nodes = options.number('nodes', 5000);
const scale = options.number('scale', 1);
console.log(`scheduling algorithm only (no API), ${nodes} nodes`);
for (const shape of shapes) {
  if (only && !only.includes(shape.name)) continue;
  const cache = new SchedulerCache();
  for (let i = 0; i < nodes; i++) cache.setNode(hollowLikeNode(i));
  const fw = new Framework(defaultPlugins());
  const pods = Math.round(shape.pods * scale);
  let failed = 0;
  const t0 = performance.now();
  for (let i = 0; i < pods; i++) {
    const p = shape.pod(`pod-${i}`, 'bench');
    const info = newPodInfo(p);
    const r = fw.schedule(info, cache);
    if (r.ok) {
      p.spec!.nodeName = r.node.name;
      cache.assume(info, r.node.name);
    } else failed++;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`${shape.name.padEnd(16)} ${pods} pods in ${fmt(s)} s = ${fmt(pods / s)} pods/s (${fmt((s * 1e6) / pods)} µs/pod), ${failed} unschedulable`);
}

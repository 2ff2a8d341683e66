/**
 * Hollow nodes (like kubemark/kwok): N Node objects that register, renew
 * their Leases in kube-node-lease from ONE loop (each tick renews the leases
 * that are due, through a bounded pool), and run the pods bound to them in
 * memory (./pods.ts) — all through the API, so the scheduler, controllers
 * and kubectl see them exactly as they would see real nodes.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { isStatusError } from '../../api/errors.js';
import { createInformer, resources, type Client, type Informer } from '../../client/index.js';
import { silentLogger, type Logger } from '../../util/log.js';
import { leaseObject, microTime, nodeConditions, nodeObject, nodeStatus, rfc3339, type HollowNodeShape } from './node-object.js';
import { HollowPods, type HollowNodeRef } from './pods.js';
import { Pool } from './pool.js';

export interface HollowNodesOptions {
  client: Client;
  count: number;
  /** Node names are `${namePrefix}${index}` (default `hollow-node-`). */
  namePrefix?: string;
  /** First index (default 0), so several agents can share a cluster. */
  startIndex?: number;
  /** Zones spread round-robin (default zone-a, zone-b, zone-c). */
  zones?: string[];
  /** Capacity = allocatable (default cpu 4, memory 16Gi, pods 110). */
  capacity?: Record<string, string>;
  labels?: Record<string, string>;
  kubeletVersion?: string;
  leaseDurationSeconds?: number;
  /** How often each lease is renewed (default 10 s, a quarter of the lease duration like the kubelet). */
  renewIntervalMs?: number;
  /** Writes in flight at once across all nodes (default 32). */
  concurrency?: number;
  /** Run the pods bound to these nodes (default true); off for scheduler benchmarks. */
  simulatePods?: boolean;
  log?: Logger;
}

export interface HollowNodes {
  readonly names: readonly string[];
  /** Stop renewing one node's lease (and running its pods): it "crashes". */
  kill(name: string): void;
  /** Resume a killed node. */
  revive(name: string): void;
  /** Pods currently simulated. */
  podCount(): number;
  /** Stops loops and informers; leaves the Node objects in place. */
  stop(): Promise<void>;
}

const defaultCapacity = { cpu: '4', memory: '16Gi', pods: '110' };

interface NodeState extends HollowNodeRef {
  shape: HollowNodeShape;
  uid?: string;
  lease?: Lease;
  nextRenew: number;
  alive: boolean;
}

export async function startHollowNodes(opts: HollowNodesOptions): Promise<HollowNodes> {
  const client = opts.client;
  const log = (opts.log ?? silentLogger()).child({ component: 'hollow-nodes' });
  const prefix = opts.namePrefix ?? 'hollow-node-';
  const start = opts.startIndex ?? 0;
  const zones = opts.zones?.length ? opts.zones : ['zone-a', 'zone-b', 'zone-c'];
  const leaseSeconds = opts.leaseDurationSeconds ?? 40;
  const renewMs = opts.renewIntervalMs ?? 10_000;
  const pool = new Pool(opts.concurrency ?? 32);
  const nodesApi = client.resource<Node & { [k: string]: unknown }>(resources.nodes);
  const leasesApi = client.resource<Lease & { [k: string]: unknown }>(resources.leases, 'kube-node-lease');

  const states = new Map<string, NodeState>();
  for (let i = 0; i < opts.count; i++) {
    const index = start + i;
    const name = `${prefix}${index}`;
    const shape: HollowNodeShape = {
      name,
      index,
      zone: zones[index % zones.length]!,
      capacity: { ...defaultCapacity, ...opts.capacity },
      labels: opts.labels ?? {},
      kubeletVersion: opts.kubeletVersion ?? 'v1.30.0-skiff',
    };
    // Spread first renewals over the interval so ticks carry even loads.
    states.set(name, { name, index, nextIP: 2, freeIPs: [], shape, nextRenew: Date.now() + Math.floor((i / opts.count) * renewMs), alive: true });
  }

  async function register(s: NodeState): Promise<void> {
    let node: Node;
    try {
      node = await nodesApi.create(nodeObject(s.shape) as Node & { [k: string]: unknown });
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
      node = await nodesApi.get(s.name);
    }
    s.uid = node.metadata?.uid;
    // The server may drop status on create, and an existing node needs a fresh Ready: report it.
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True' || !node.status?.nodeInfo) {
      const status = nodeStatus(s.shape, rfc3339());
      await nodesApi.patch(s.name, 'merge', { status }, { subresource: 'status' });
    }
    await renew(s);
  }

  async function renew(s: NodeState): Promise<void> {
    if (s.lease) {
      try {
        s.lease = await leasesApi.update({ ...s.lease, spec: { ...s.lease.spec, renewTime: microTime(), holderIdentity: s.name, leaseDurationSeconds: leaseSeconds } });
        return;
      } catch (err) {
        if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'NotFound')) throw err;
        s.lease = undefined;
      }
    }
    try {
      s.lease = await leasesApi.create(leaseObject(s.name, s.uid, leaseSeconds) as Lease & { [k: string]: unknown });
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
      const cur = await leasesApi.get(s.name);
      s.lease = await leasesApi.update({ ...cur, spec: { ...cur.spec, renewTime: microTime(), holderIdentity: s.name, leaseDurationSeconds: leaseSeconds } });
    }
  }

  /** A node the lifecycle controller marked NotReady gets its Ready condition back, like a kubelet after a restart. */
  async function reportReady(s: NodeState): Promise<void> {
    const now = rfc3339();
    await nodesApi.patch(s.name, 'merge', { status: { conditions: nodeConditions(now, true) } }, { subresource: 'status' });
  }

  const errs = await pool.all([...states.values()], register);
  if (errs.length) log.warn({ failed: errs.length, first: String(errs[0]) }, 'some hollow nodes did not register');

  // One loop for every lease: each tick renews those that are due.
  let stopped = false;
  let ticking = false;
  const tick = async () => {
    if (ticking || stopped) return;
    ticking = true;
    try {
      const now = Date.now();
      const due = [...states.values()].filter((s) => s.alive && s.nextRenew <= now);
      for (const s of due) s.nextRenew = now + renewMs;
      const failed = await pool.all(due, renew);
      if (failed.length) log.warn({ failed: failed.length, first: String(failed[0]) }, 'lease renewals failed');
    } finally {
      ticking = false;
    }
  };
  const timer = setInterval(() => void tick(), Math.max(100, Math.min(1000, renewMs / 10)));
  timer.unref();

  // One informer for the pods on any node; ours are picked by name.
  const simulate = opts.simulatePods !== false;
  const pods = new HollowPods(client, pool, log);
  let podInformer: Informer<Pod & { [k: string]: unknown }> | undefined;
  let nodeInformer: Informer<Node & { [k: string]: unknown }> | undefined;
  const keyOf = (p: Readonly<Pod>) => `${p.metadata?.namespace}/${p.metadata?.name}`;
  if (simulate) {
    podInformer = createInformer(client, resources.pods, { fieldSelector: 'spec.nodeName!=', log });
    const onPod = (p: Readonly<Pod>) => {
      const s = states.get(p.spec?.nodeName ?? '');
      if (!s || !s.alive) return;
      pods.observe(p, s);
    };
    podInformer.addEventHandler({ onAdd: onPod, onUpdate: (_o, p) => onPod(p), onDelete: (p) => pods.forget(keyOf(p)) });
    podInformer.start();
    await podInformer.waitForSync();
  }
  // Nodes: re-assert Ready when something else (the lifecycle controller) marked a live node otherwise.
  nodeInformer = createInformer(client, resources.nodes, { labelSelector: 'skiff.dev/hollow=true', log });
  nodeInformer.addEventHandler({
    onUpdate: (_o, n) => {
      const s = states.get(n.metadata?.name ?? '');
      if (!s || !s.alive || stopped) return;
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready && ready.status !== 'True') void pool.run(() => reportReady(s)).catch((err) => log.warn({ node: s.name, err: String(err) }, 'could not report Ready'));
    },
  });
  nodeInformer.start();
  await nodeInformer.waitForSync();

  return {
    names: [...states.keys()],
    kill(name) {
      const s = states.get(name);
      if (!s) return;
      s.alive = false;
    },
    revive(name) {
      const s = states.get(name);
      if (!s || s.alive) return;
      s.alive = true;
      s.nextRenew = 0;
      void pool.run(() => reportReady(s)).catch(() => undefined);
      for (const p of podInformer?.list() ?? []) if (p.spec?.nodeName === name) pods.observe(p, s);
    },
    podCount: () => pods.count(),
    async stop() {
      stopped = true;
      clearInterval(timer);
      podInformer?.stop();
      nodeInformer?.stop();
      pods.stop();
    },
  };
}

/**
 * The node lifecycle controller (kube-controller-manager's nodelifecycle +
 * taint eviction): a node whose Lease (and Ready heartbeat) has not changed
 * for the grace period gets Ready=Unknown ("Kubelet stopped posting node
 * status."), its pods are marked not Ready, and it carries the
 * node.kubernetes.io/unreachable taints (not-ready when Ready=False).
 * Pods on a node with NoExecute taints are evicted once their
 * tolerationSeconds run out (at once without a toleration): marked Failed
 * with a DisruptionTarget condition (the seeds: 节点挂掉 → phase Failed, so
 * controllers recreate them elsewhere) and deleted.
 *
 * Staleness is measured on this controller's clock from when it last saw the
 * lease or heartbeat change, not from the timestamps in them, so clock skew
 * between machines does not matter (as in Kubernetes).
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { isStatusError } from '../../api/errors.js';
import { resources, SharedInformerFactory, type Client, type Informer } from '../../client/index.js';
import type { Logger } from '../../util/log.js';
import { desiredTaints, evictionTime, readyCondition, sameTaints } from './taints.js';

export interface NodeLifecycleOptions {
  client: Client;
  /** Shared informers (the caller starts the factory); without, the controller makes and starts its own. */
  informers?: SharedInformerFactory;
  log: Logger;
  /** How long a node may go without renewing its lease before it is Unknown (default 40 s). */
  gracePeriodMs?: number;
  /** How often nodes are checked (default 5 s). */
  monitorPeriodMs?: number;
  /** How often due evictions are looked for (default 1 s). */
  evictionCheckMs?: number;
}

export interface RunningNodeLifecycle {
  readonly ready: Promise<void>;
  stop(): void;
}

const rfc3339 = (d = new Date()) => d.toISOString().replace(/\.\d+Z$/, 'Z');
const statusUnknownMessage = 'Kubelet stopped posting node status.';

interface Health {
  /** Local time we last saw the lease renew or the Ready heartbeat move. */
  lastSeen: number;
  leaseRenew?: string;
  heartbeat?: string;
}

export function startNodeLifecycleController(opts: NodeLifecycleOptions): RunningNodeLifecycle {
  const log = opts.log.child({ component: 'node-lifecycle-controller' });
  const grace = opts.gracePeriodMs ?? 40_000;
  const client = opts.client;
  const ownFactory = !opts.informers;
  const factory = opts.informers ?? new SharedInformerFactory(client, { log });
  const nodes: Informer<Node & { [k: string]: unknown }> = factory.informerFor(resources.nodes);
  const leases: Informer<Lease & { [k: string]: unknown }> = factory.informerFor(resources.leases, 'kube-node-lease');
  const pods: Informer<Pod & { [k: string]: unknown }> = factory.informerFor(resources.pods);
  pods.addIndex('nodeName', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));

  const nodesApi = client.resource<Node & { [k: string]: unknown }>(resources.nodes);
  const podsApi = (ns: string) => client.resource<Pod & { [k: string]: unknown }>(resources.pods, ns);
  const health = new Map<string, Health>();
  const evicting = new Set<string>();
  let stopped = false;

  const observe = (name: string, leaseRenew?: string, heartbeat?: string) => {
    const h = health.get(name);
    if (!h) {
      health.set(name, { lastSeen: Date.now(), leaseRenew, heartbeat });
      return;
    }
    if ((leaseRenew && leaseRenew !== h.leaseRenew) || (heartbeat && heartbeat !== h.heartbeat)) h.lastSeen = Date.now();
    if (leaseRenew) h.leaseRenew = leaseRenew;
    if (heartbeat) h.heartbeat = heartbeat;
  };
  const onLease = (l: Readonly<Lease>) => observe(l.metadata?.name ?? '', l.spec?.renewTime);
  leases.addEventHandler({ onAdd: onLease, onUpdate: (_o, l) => onLease(l) });
  const onNode = (n: Readonly<Node>) => {
    const ready = readyCondition(n);
    // A heartbeat only counts when the kubelet posted it (not our own Unknown write).
    observe(n.metadata?.name ?? '', undefined, ready?.status !== 'Unknown' ? ready?.lastHeartbeatTime : undefined);
  };
  nodes.addEventHandler({ onAdd: onNode, onUpdate: (_o, n) => onNode(n), onDelete: (n) => health.delete(n.metadata?.name ?? '') });

  async function markUnknown(node: Readonly<Node>): Promise<void> {
    const now = rfc3339();
    const conditions = (node.status?.conditions ?? []).map((c) =>
      ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].includes(c.type) && c.status !== 'Unknown'
        ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: statusUnknownMessage, lastTransitionTime: now }
        : c,
    );
    if (!conditions.some((c) => c.type === 'Ready')) {
      conditions.push({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: now, lastTransitionTime: now });
    }
    await nodesApi.patch(node.metadata!.name!, 'strategic', { status: { conditions } }, { subresource: 'status' });
    log.info({ node: node.metadata?.name }, 'node stopped posting status; marked Unknown');
    // MarkPodsNotReady: endpoints stop sending traffic to pods nobody can vouch for.
    for (const p of pods.byIndex('nodeName', node.metadata!.name!)) {
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      await podsApi(p.metadata!.namespace!)
        .patch(p.metadata!.name!, 'strategic', { status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now, lastProbeTime: null }] } }, { subresource: 'status' })
        .catch((err) => log.debug({ pod: p.metadata?.name, err: String(err) }, 'could not mark pod not ready'));
    }
  }

  async function syncTaints(node: Readonly<Node>): Promise<void> {
    const want = desiredTaints(node, rfc3339());
    if (sameTaints(node.spec?.taints, want)) return;
    let cur: Readonly<Node> = node;
    for (let attempt = 0; attempt < 3; attempt++) {
      const taints = desiredTaints(cur, rfc3339());
      try {
        await nodesApi.update({ ...(cur as Node & { [k: string]: unknown }), spec: { ...cur.spec, taints: taints.length ? taints : undefined } });
        return;
      } catch (err) {
        if (!isStatusError(err, 'Conflict')) throw err;
        cur = await nodesApi.get(node.metadata!.name!);
      }
    }
  }

  async function monitor(): Promise<void> {
    const now = Date.now();
    for (const node of nodes.list()) {
      if (stopped) return;
      const name = node.metadata!.name!;
      let h = health.get(name);
      if (!h) {
        observe(name);
        h = health.get(name)!;
      }
      try {
        const ready = readyCondition(node);
        if (now - h.lastSeen > grace && ready?.status !== 'Unknown') await markUnknown(node);
        else await syncTaints(node);
      } catch (err) {
        log.warn({ node: name, err: String(err) }, 'node lifecycle sync failed');
      }
    }
  }

  async function evict(p: Readonly<Pod>): Promise<void> {
    const key = `${p.metadata?.namespace}/${p.metadata?.name}`;
    if (evicting.has(key)) return;
    evicting.add(key);
    const ns = p.metadata!.namespace!;
    const now = rfc3339();
    try {
      if (p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') {
        await podsApi(ns).patch(
          p.metadata!.name!,
          'strategic',
          {
            status: {
              phase: 'Failed',
              reason: 'NodeLost',
              message: `Node ${p.spec?.nodeName} which was running pod ${p.metadata?.name} is unresponsive`,
              conditions: [
                { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: now },
                { type: 'Ready', status: 'False', lastTransitionTime: now, lastProbeTime: null },
              ],
            },
          },
          { subresource: 'status' },
        );
      }
      await podsApi(ns).delete(p.metadata!.name!, { preconditions: { uid: p.metadata?.uid } });
      log.info({ pod: key, node: p.spec?.nodeName }, 'evicted pod from NoExecute-tainted node');
    } catch (err) {
      if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) log.warn({ pod: key, err: String(err) }, 'eviction failed');
    } finally {
      evicting.delete(key);
    }
  }

  function evictDue(): void {
    const now = Date.now();
    for (const node of nodes.list()) {
      const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
      if (taints.length === 0) continue;
      for (const p of pods.byIndex('nodeName', node.metadata!.name!)) {
        if (p.metadata?.deletionTimestamp) continue;
        const at = evictionTime(p, taints, now);
        if (at !== undefined && at <= now) void evict(p);
      }
    }
  }

  let monitorTimer: NodeJS.Timeout | undefined;
  let evictTimer: NodeJS.Timeout | undefined;
  let monitoring = false;
  const ready = (async () => {
    if (ownFactory) factory.start();
    await Promise.all([nodes.waitForSync(), leases.waitForSync(), pods.waitForSync()]);
    if (stopped) return;
    monitorTimer = setInterval(() => {
      if (monitoring) return;
      monitoring = true;
      void monitor().finally(() => (monitoring = false));
    }, opts.monitorPeriodMs ?? 5000);
    evictTimer = setInterval(evictDue, opts.evictionCheckMs ?? 1000);
    monitorTimer.unref();
    evictTimer.unref();
  })();

  return {
    ready,
    stop() {
      stopped = true;
      if (monitorTimer) clearInterval(monitorTimer);
      if (evictTimer) clearInterval(evictTimer);
      if (ownFactory) factory.stop();
    },
  };
}

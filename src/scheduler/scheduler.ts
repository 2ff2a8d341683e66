/**
 * The scheduler process loop: informers feed the cache (nodes, assigned
 * pods, namespaces) and the queue (pending pods whose schedulerName is ours);
 * each cycle pops a pod, runs the framework synchronously over the cache,
 * assumes the pod on the chosen node and binds it through pods/binding in
 * the background (bounded concurrency), so the next cycle already counts it.
 *
 * A pod no node can take gets PodScheduled=False (reason Unschedulable) and
 * a FailedScheduling event with kube-scheduler's wording, then waits in the
 * queue for a cluster event. A failed binding forgets the assumed pod and
 * retries after backoff.
 */
import type { Namespace, Node, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../api/errors.js';
import { createEventRecorder, resources, SharedInformerFactory, type Client, type Informer } from '../client/index.js';
import type { Logger } from '../util/log.js';
import { SchedulerCache } from './cache.js';
import { Framework, type PluginEntry } from './framework/framework.js';
import { newPodInfo } from './framework/pod-info.js';
import { defaultPlugins } from './plugins/index.js';
import { SchedulingQueue, type QueuedPod } from './queue.js';

export interface SchedulerOptions {
  client: Client;
  /**
   * A shared factory to take the pods, nodes and namespaces informers from.
   * The caller starts it (after every component has asked for its
   * informers). Without one the scheduler makes and starts its own.
   */
  informers?: SharedInformerFactory;
  log: Logger;
  /** Pods naming another scheduler are left alone (default `default-scheduler`). */
  schedulerName?: string;
  /** 0 (default) = kube-scheduler's adaptive sampling; 100 = score every feasible node. */
  percentageOfNodesToScore?: number;
  /** Bindings in flight at once (default 64). */
  bindConcurrency?: number;
  plugins?: PluginEntry[];
  /** Backoff for retried pods (defaults 1 s → 10 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called after each successful bind (for benchmarks and tests). */
  onBound?: (pod: Readonly<Pod>, nodeName: string) => void;
}

export interface RunningScheduler {
  /** Resolves when the informers have synced and the loop is running. */
  readonly ready: Promise<void>;
  stop(): void;
  stats(): SchedulerStats;
}

export interface SchedulerStats {
  scheduled: number;
  failed: number;
  bindErrors: number;
  queue: ReturnType<SchedulingQueue['stats']>;
  nodes: number;
}

const terminal = (p: Readonly<Pod>) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const keyOfPod = (p: Readonly<Pod>) => `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name ?? ''}`;
const rfc3339 = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** Node changes that can make a parked pod fit; status heartbeats are not among them. */
function nodeSchedulingChanged(a: Readonly<Node>, b: Readonly<Node>): boolean {
  return (
    a.spec?.unschedulable !== b.spec?.unschedulable ||
    JSON.stringify(a.metadata?.labels) !== JSON.stringify(b.metadata?.labels) ||
    JSON.stringify(a.spec?.taints) !== JSON.stringify(b.spec?.taints) ||
    JSON.stringify(a.status?.allocatable) !== JSON.stringify(b.status?.allocatable)
  );
}

export function startScheduler(opts: SchedulerOptions): RunningScheduler {
  const log = opts.log.child({ component: 'scheduler' });
  const schedulerName = opts.schedulerName ?? 'default-scheduler';
  const client = opts.client;
  const ownFactory = opts.informers === undefined;
  const factory = opts.informers ?? new SharedInformerFactory(client, { log });
  const podInformer: Informer<Pod & { [k: string]: unknown }> = factory.informerFor(resources.pods);
  const nodeInformer: Informer<Node & { [k: string]: unknown }> = factory.informerFor(resources.nodes);
  const nsInformer: Informer<Namespace & { [k: string]: unknown }> = factory.informerFor(resources.namespaces);

  const cache = new SchedulerCache();
  cache.namespaceLabels = (ns) => nsInformer.get(ns)?.metadata?.labels;
  const queue = new SchedulingQueue({ initialBackoffMs: opts.initialBackoffMs, maxBackoffMs: opts.maxBackoffMs });
  const framework = new Framework(opts.plugins ?? defaultPlugins(), { percentageOfNodesToScore: opts.percentageOfNodesToScore });
  // kube-scheduler reports as its profile's scheduler name, with no host.
  const events = createEventRecorder(client, { component: schedulerName, instance: schedulerName, log });
  const bindConcurrency = opts.bindConcurrency ?? 64;
  const stats = { scheduled: 0, failed: 0, bindErrors: 0 };
  let stopped = false;
  let binding = 0;
  let bindSlot: (() => void) | undefined;

  const responsible = (p: Readonly<Pod>) => (p.spec?.schedulerName ?? 'default-scheduler') === schedulerName && !p.metadata?.deletionTimestamp;

  const onPod = (p: Readonly<Pod>) => {
    const key = keyOfPod(p);
    if (p.spec?.nodeName) {
      queue.delete(key);
      if (terminal(p)) {
        cache.removePod(key);
        queue.moveAllToActiveOrBackoff();
      } else cache.addOrUpdatePod(p);
      return;
    }
    if (cache.isAssumed(key)) return; // our binding has not shown up in the watch yet
    if (responsible(p) && !terminal(p)) queue.add(p);
    else queue.delete(key);
  };
  podInformer.addEventHandler({
    onAdd: onPod,
    onUpdate: (_old, p) => onPod(p),
    onDelete: (p) => {
      const key = keyOfPod(p);
      queue.delete(key);
      if (p.spec?.nodeName || cache.isAssumed(key)) {
        cache.removePod(key);
        queue.moveAllToActiveOrBackoff();
      }
    },
  });
  nodeInformer.addEventHandler({
    onAdd: (n) => {
      cache.setNode(n);
      queue.moveAllToActiveOrBackoff();
    },
    onUpdate: (old, n) => {
      cache.setNode(n);
      if (nodeSchedulingChanged(old, n)) queue.moveAllToActiveOrBackoff();
    },
    onDelete: (n) => cache.removeNode(n.metadata?.name ?? ''),
  });
  nsInformer.addEventHandler({ onUpdate: () => queue.moveAllToActiveOrBackoff() });

  const podsApi = (ns: string) => client.resource<Pod & { [k: string]: unknown }>(resources.pods, ns);
  // Informer items may lack apiVersion/kind; the involved object needs them.
  const refOf = (p: Readonly<Pod>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: p.metadata });

  async function bind(q: QueuedPod, nodeName: string): Promise<void> {
    const p = q.pod;
    const ns = p.metadata?.namespace ?? 'default';
    try {
      await podsApi(ns).createSubresource(p.metadata!.name!, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: p.metadata!.name, namespace: ns, uid: p.metadata?.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      });
      stats.scheduled++;
      queue.done(q.key);
      events.event(refOf(p), 'Normal', 'Scheduled', `Successfully assigned ${q.key} to ${nodeName}`);
      opts.onBound?.(p, nodeName);
      log.debug({ pod: q.key, node: nodeName }, 'bound');
    } catch (err) {
      cache.forget(q.key);
      queue.moveAllToActiveOrBackoff();
      if (isStatusError(err, 'NotFound') || isStatusError(err, 'Conflict')) {
        // Deleted, or bound by someone else: the informer will tell; nothing to retry.
        queue.done(q.key);
        log.debug({ pod: q.key, err: String(err) }, 'binding rejected');
        return;
      }
      stats.bindErrors++;
      log.warn({ pod: q.key, node: nodeName, err: String(err) }, 'binding failed; retrying');
      queue.failed(q, false);
    }
  }

  async function reportUnschedulable(p: Readonly<Pod>, message: string): Promise<void> {
    events.event(refOf(p), 'Warning', 'FailedScheduling', message);
    const cur = (p.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
    if (cur && cur.status === 'False' && cur.reason === 'Unschedulable' && cur.message === message) return;
    const cond: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastProbeTime: null as unknown as undefined,
      lastTransitionTime: cur?.status === 'False' ? cur.lastTransitionTime : rfc3339(),
    };
    try {
      await podsApi(p.metadata?.namespace ?? 'default').patch(p.metadata!.name!, 'strategic', { status: { conditions: [cond] } }, { subresource: 'status' });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) log.warn({ pod: keyOfPod(p), err: String(err) }, 'could not set PodScheduled condition');
    }
  }

  function scheduleOne(q: QueuedPod): void {
    const latest = podInformer.get(q.key);
    if (!latest || latest.spec?.nodeName || !responsible(latest)) {
      queue.done(q.key);
      return;
    }
    q.pod = latest;
    const info = newPodInfo(latest);
    const r = framework.schedule(info, cache);
    if (r.ok) {
      cache.assume(info, r.node.name);
      binding++;
      void bind(q, r.node.name).finally(() => {
        binding--;
        const s = bindSlot;
        bindSlot = undefined;
        s?.();
      });
      return;
    }
    stats.failed++;
    log.debug({ pod: q.key, message: r.message }, 'unschedulable');
    queue.failed(q, !r.error);
    if (!r.error) void reportUnschedulable(latest, r.message);
    else events.event(refOf(latest), 'Warning', 'FailedScheduling', r.message);
  }

  async function loop(): Promise<void> {
    // Cycles run back to back for a few milliseconds, then yield so watch
    // events and binding replies get processed.
    const sliceMs = 10;
    while (!stopped) {
      if (binding >= bindConcurrency) {
        await new Promise<void>((resolve) => (bindSlot = resolve));
        continue;
      }
      const first = await queue.pop();
      if (!first || stopped) return;
      scheduleOne(first);
      const until = performance.now() + sliceMs;
      while (!stopped && binding < bindConcurrency && performance.now() < until) {
        const q = queue.tryPop();
        if (!q) break;
        scheduleOne(q);
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  const ready = (async () => {
    if (ownFactory) factory.start();
    await Promise.all([podInformer.waitForSync(), nodeInformer.waitForSync(), nsInformer.waitForSync()]);
    if (stopped) return;
    queue.run();
    log.info({ nodes: cache.nodeCount(), pending: queue.stats().active }, 'scheduler started');
    void loop().catch((err) => log.error({ err: String(err) }, 'scheduling loop died'));
  })();

  return {
    ready,
    stop() {
      if (stopped) return;
      stopped = true;
      queue.close();
      events.close();
      bindSlot?.();
      if (ownFactory) factory.stop();
    },
    stats: () => ({ ...stats, queue: queue.stats(), nodes: cache.nodeCount() }),
  };
}

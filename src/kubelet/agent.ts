/**
 * The node agent (kubelet): starts or adopts containerd, registers the Node,
 * writes the pod network's CNI config once the node has a podCIDR, keeps
 * the Node status and Lease current, watches the pods bound to this node
 * and hands each to its pod worker, and relists the runtime every second so
 * container exits are noticed promptly (containerd 1.6 has no CRI event
 * stream; GetContainerEvents is used when the runtime has one).
 */
import { hostname } from 'node:os';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { createEventRecorder, resources, type Client, type WatchHandle } from '../client/index.js';
import { isCriUnimplemented, type CriClient } from '../cri/index.js';
import { ensurePodMasquerade, writeCniConfig } from '../network/cni/index.js';
import type { Logger } from '../util/log.js';
import { readRegistries, registryAuth, startContainerd, type ContainerdHandle } from './containerd/index.js';
import { KUBELET_PORT, nodeConditions, nodeImages, nodeObject, primaryAddress, type NodeFacts } from './node-status.js';
import { PodWorkers, runtimeSignature } from './pod-worker/index.js';
import { startStaticPods, type StaticPods } from './static-pods/index.js';
import { startNodeKubeletServer } from './server/index.js';
import { LABEL_MANAGED, LABEL_POD_UID } from './runtime-config.js';
import { join } from 'node:path';

export interface NodeAgentOptions {
  client: Client;
  dataDir: string;
  nodeName?: string;
  log: Logger;
  /** The node's pod range; when absent the agent waits for the controller to set node.spec.podCIDR. */
  podCIDR?: string;
  clusterCIDR?: string;
  /** InternalIP; default the default route's address (or 127.0.0.1). */
  nodeIP?: string;
  clusterDNS?: string;
  clusterDomain?: string;
  /** CNI bridge name (default skiff0); tests use their own. */
  bridgeName?: string;
  labels?: Record<string, string>;
  maxPods?: number;
  kubeletVersion?: string;
  /** An already-running containerd (tests, benchmarks); the agent then does not stop it. */
  containerd?: ContainerdHandle;
  relistIntervalMs?: number;
  nodeStatusIntervalMs?: number;
  leaseDurationSeconds?: number;
  /** Static pod manifests (default `<data-dir>/agent/pod-manifests`). */
  podManifestPath?: string;
  /** The kubelet API (logs, exec, port-forward): port (default 10250, 0 = free), bind address (default 0.0.0.0), TLS (default: issued from `<dataDir>/tls/`). */
  kubeletPort?: number;
  kubeletAddress?: string;
  servingCert?: { cert: string; key: string };
  clientCA?: string;
}

export interface NodeAgent {
  readonly nodeName: string;
  readonly cri: CriClient;
  readonly containerd: ContainerdHandle;
  /** Resolves once the node is registered, the network configured and the first pod list handled. */
  readonly ready: Promise<void>;
  /**
   * Stops watching and syncing. Pod containers keep running (the shims hold
   * them); containerd is stopped unless it was passed in or `keepContainerd`.
   */
  stop(opts?: { keepContainerd?: boolean }): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Whether a pod update matters to its worker: metadata (labels and
 * annotations feed the downward API; deletionTimestamp starts the kill) or
 * spec changed, or someone else moved it to a final phase. Status is the
 * agent's own to write, and resourceVersion and managedFields change with
 * every write.
 */
export function workerRelevantChange(prev: Pod, next: Pod): boolean {
  const key = (p: Pod) => {
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = p.metadata ?? {};
    return JSON.stringify([meta, p.spec]);
  };
  const final = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
  return key(prev) !== key(next) || (final(next) && next.status?.phase !== prev.status?.phase);
}
const microTime = () => new Date().toISOString().replace(/Z$/, '000Z');

export async function startNodeAgent(opts: NodeAgentOptions): Promise<NodeAgent> {
  const nodeName = (opts.nodeName ?? hostname()).toLowerCase();
  const log = opts.log.child({ component: 'kubelet', node: nodeName });
  const client = opts.client;
  const ownContainerd = !opts.containerd;
  const containerd = opts.containerd ?? (await startContainerd({ dataDir: opts.dataDir, log: opts.log }));
  const cri = containerd.cri;
  const address = opts.nodeIP ?? primaryAddress();
  const registries = readRegistries(opts.dataDir);
  const nodes = client.resource<Node & KObject>(resources.nodes);
  const podsApi = client.resource<Pod & KObject>(resources.pods);
  let stopped = false;
  const timers: NodeJS.Timeout[] = [];
  let podWatch: WatchHandle | undefined;
  let eventStream: { cancel(): void } | undefined;
  let staticPods: StaticPods | undefined;

  const facts: NodeFacts = {
    nodeName,
    address,
    runtimeVersion: containerd.runtimeVersion,
    kubeletVersion: opts.kubeletVersion ?? 'v1.30.0-skiff',
    dataDir: opts.dataDir,
    maxPods: opts.maxPods ?? 110,
    podCIDR: opts.podCIDR,
    labels: opts.labels,
  };

  const events = createEventRecorder(client, { component: 'kubelet', host: nodeName, log });
  const workers = new PodWorkers({
    client,
    cri,
    dataDir: opts.dataDir,
    nodeName,
    log,
    events,
    hostIP: () => address,
    clusterDNS: opts.clusterDNS,
    clusterDomain: opts.clusterDomain ?? 'cluster.local',
    configMap: async (ns, name) => {
      try {
        const cm = await client.resource<KObject & { data?: Record<string, string>; binaryData?: Record<string, string> }>(resources.configmaps, ns).get(name);
        return { data: cm.data, binaryData: cm.binaryData };
      } catch (err) {
        if (isStatusError(err, 'NotFound')) return undefined;
        throw err;
      }
    },
    secret: async (ns, name) => {
      try {
        const s = await client.resource<KObject & { data?: Record<string, string> }>(resources.secrets, ns).get(name);
        return { data: s.data };
      } catch (err) {
        if (isStatusError(err, 'NotFound')) return undefined;
        throw err;
      }
    },
    nodeAuth: (host) => registryAuth(registries, host),
  });

  // --- Node registration and status -------------------------------------
  async function register(): Promise<Node> {
    const desired = nodeObject(facts);
    for (;;) {
      try {
        return await nodes.create(desired as Node & KObject);
      } catch (err) {
        if (!isStatusError(err, 'AlreadyExists')) throw err;
      }
      try {
        const existing = await nodes.get(nodeName);
        // Re-registration: keep the controller's podCIDR, refresh our labels and facts.
        const merged = {
          ...existing,
          metadata: { ...existing.metadata, labels: { ...(existing.metadata?.labels ?? {}), ...desired.metadata!.labels } },
          spec: { ...(existing.spec ?? {}), ...(!existing.spec?.podCIDR && facts.podCIDR ? desired.spec : {}) },
        };
        const updated = await nodes.update(merged as Node & KObject);
        return updated;
      } catch (err) {
        if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'NotFound')) throw err;
      }
    }
  }

  let lastNode: Node | undefined;
  async function updateNodeStatus(): Promise<void> {
    const st = await cri.status().catch(() => undefined);
    const conds = st?.status.conditions ?? [];
    const notReady = conds.filter((c) => (c.type === 'RuntimeReady' || c.type === 'NetworkReady') && !c.status);
    const ready = !!st && notReady.length === 0;
    const message = !st ? 'container runtime is down' : notReady.map((c) => `${c.type}=false reason:${c.reason} message:${c.message}`).join(', ');
    const images = await cri.listImages().catch(() => []);
    const base = nodeObject(facts);
    const status = {
      ...base.status,
      conditions: nodeConditions(ready, message, lastNode?.status?.conditions),
      daemonEndpoints: { kubeletEndpoint: { Port: kubeletApi?.port ?? KUBELET_PORT } },
      images: nodeImages(images),
    };
    lastNode = await nodes.patch(nodeName, 'merge', { status }, { subresource: 'status' });
  }

  async function renewLease(): Promise<void> {
    const leases = client.resource<KObject>(resources.leases, 'kube-node-lease');
    const spec = { holderIdentity: nodeName, leaseDurationSeconds: opts.leaseDurationSeconds ?? 40, renewTime: microTime() };
    try {
      await leases.patch(nodeName, 'merge', { spec });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
      const node = lastNode ?? (await nodes.get(nodeName));
      await leases.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: nodeName,
          namespace: 'kube-node-lease',
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: node.metadata!.uid! }],
        },
        spec,
      } as KObject);
    }
  }

  function every(ms: number, what: string, fn: () => Promise<void>): void {
    const tick = async () => {
      if (stopped) return;
      try {
        await fn();
      } catch (err) {
        log.warn({ err: (err as Error).message }, `${what} failed`);
      }
      if (!stopped) timers.push(setTimeout(tick, ms));
    };
    timers.push(setTimeout(tick, ms));
  }

  // --- Pods --------------------------------------------------------------
  const known = new Map<string, Pod>(); // uid → latest pod from the API
  let podsSynced = false;

  function onPod(pod: Pod, deleted: boolean): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const prev = known.get(uid);
    if (deleted) known.delete(uid);
    else known.set(uid, pod);
    // Most MODIFIED events are the agent's own status writes coming back: they change nothing a worker acts on.
    if (!deleted && prev && !workerRelevantChange(prev, pod)) return;
    workers.update(pod, deleted);
  }

  async function listAndWatchPods(): Promise<void> {
    const fieldSelector = `spec.nodeName=${nodeName}`;
    while (!stopped) {
      try {
        const list = await podsApi.list({ fieldSelector });
        const seen = new Set<string>();
        for (const p of list.items) {
          seen.add(p.metadata!.uid!);
          onPod(p, false);
        }
        // Pods deleted while we were not watching.
        for (const [uid, p] of [...known]) if (!seen.has(uid)) onPod(p, true);
        podsSynced = true;
        await new Promise<void>((resolve) => {
          podWatch = podsApi.watch(
            { fieldSelector, resourceVersion: list.resourceVersion, allowWatchBookmarks: true },
            (ev) => {
              if (ev.type === 'ADDED' || ev.type === 'MODIFIED') onPod(ev.object, false);
              else if (ev.type === 'DELETED') onPod(ev.object, true);
              else if (ev.type === 'ERROR') {
                podWatch?.stop();
                resolve();
              }
            },
            () => resolve(),
          );
        });
      } catch (err) {
        if (stopped) return;
        log.warn({ err: (err as Error).message }, 'pod list/watch failed; retrying');
        await sleep(1000);
      }
    }
  }

  // --- Relist: notice container changes promptly --------------------------
  let lastSig = new Map<string, string>();
  async function relist(): Promise<void> {
    const [sandboxes, containers] = await Promise.all([
      cri.listPodSandbox({ labelSelector: { [LABEL_MANAGED]: 'true' } }),
      cri.listContainers({ labelSelector: { [LABEL_MANAGED]: 'true' } }),
    ]);
    const byPod = new Map<string, { sandboxes: typeof sandboxes; containers: typeof containers }>();
    const of = (uid: string) => {
      let e = byPod.get(uid);
      if (!e) byPod.set(uid, (e = { sandboxes: [], containers: [] }));
      return e;
    };
    for (const s of sandboxes) if (s.labels[LABEL_POD_UID]) of(s.labels[LABEL_POD_UID]).sandboxes.push(s);
    for (const c of containers) if (c.labels[LABEL_POD_UID]) of(c.labels[LABEL_POD_UID]).containers.push(c);
    const next = new Map([...byPod].map(([uid, e]) => [uid, runtimeSignature(e.sandboxes, e.containers)]));
    for (const [uid, s] of next) {
      if (lastSig.get(uid) !== s) {
        // A worker that listed this very state itself (it just started the container) needs no second sync.
        if (workers.has(uid)) {
          if (workers.observedSignature(uid) !== s) workers.trigger(uid);
        }
        else if (podsSynced && !known.has(uid)) {
          // Runtime state of a pod the API no longer has (force-deleted while the agent was away).
          log.info({ uid }, 'removing containers of a pod no longer in the API');
          void workers.reapOrphan(uid, 2).catch((err) => log.warn({ uid, err: (err as Error).message }, 'orphan cleanup failed'));
        }
      }
    }
    lastSig = next;
  }

  function watchRuntimeEvents(): void {
    eventStream = cri.getContainerEvents(
      (ev) => {
        const uid = ev.podSandboxStatus?.labels?.[LABEL_POD_UID];
        if (uid) workers.trigger(uid);
      },
      (err) => {
        eventStream = undefined;
        if (stopped || (err && isCriUnimplemented(err))) return;
        timers.push(setTimeout(watchRuntimeEvents, 5000));
      },
    );
  }

  // --- Start-up -------------------------------------------------------------
  const kubeletApi = await startNodeKubeletServer({ cri, pods: () => known.values(), dataDir: opts.dataDir, nodeName, address, port: opts.kubeletPort, bindAddress: opts.kubeletAddress, servingCert: opts.servingCert, clientCA: opts.clientCA, log });
  const ready = (async () => {
    let node = await register();
    lastNode = node;
    while (!node.spec?.podCIDR && !stopped) {
      log.info('waiting for a podCIDR on the node');
      await sleep(1000);
      node = await nodes.get(nodeName);
    }
    if (stopped) return;
    facts.podCIDR = node.spec!.podCIDR;
    writeCniConfig({
      confDir: containerd.paths.cniConfDir,
      ipamDataDir: join(opts.dataDir, 'agent', 'cni'),
      podCIDR: facts.podCIDR!,
      bridge: opts.bridgeName,
    });
    // One masquerade rule for the pod range (the bridge plugin's ipMasq is off); killAll removes it.
    await ensurePodMasquerade({ bridge: opts.bridgeName ?? 'skiff0', podCIDR: facts.podCIDR!, clusterCIDR: opts.clusterCIDR }).catch((err) =>
      log.warn({ err: (err as Error).message }, 'pod masquerade rule not installed; pods cannot reach outside the cluster'),
    );
    staticPods = startStaticPods({ dir: opts.podManifestPath ?? join(opts.dataDir, 'agent', 'pod-manifests'), nodeName, client, log, workers });
    await updateNodeStatus().catch((err) => log.warn({ err: (err as Error).message }, 'node status update failed'));
    await renewLease().catch((err) => log.warn({ err: (err as Error).message }, 'lease renewal failed'));
    every(opts.nodeStatusIntervalMs ?? 10_000, 'node status update', updateNodeStatus);
    every(((opts.leaseDurationSeconds ?? 40) * 1000) / 4, 'lease renewal', renewLease);
    void listAndWatchPods();
    every(opts.relistIntervalMs ?? 1000, 'relist', relist);
    watchRuntimeEvents();
    while (!podsSynced && !stopped) await sleep(20);
  })();
  ready.catch((err) => log.error({ err: (err as Error).message }, 'node agent failed to start'));

  return {
    nodeName,
    cri,
    containerd,
    ready,
    async stop(stopOpts = {}) {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      podWatch?.stop();
      eventStream?.cancel();
      staticPods?.stop();
      workers.stop();
      // Give the last events (Killing, ...) a moment to land, but never hold shutdown on a slow server.
      await Promise.race([events.flush(), new Promise<void>((resolve) => setTimeout(resolve, 2000).unref())]);
      events.close();
      await kubeletApi?.close();
      await ready.catch(() => undefined);
      if (ownContainerd && !stopOpts.keepContainerd) await containerd.stop();
    },
  };
}

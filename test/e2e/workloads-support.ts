// Shared by the workloads-*.test.ts cluster tests: a real `skiff server`
// running its scheduler and controllers (no node agent), hollow nodes in
// this process that register and run pods through the API like kubelets,
// and small helpers to read state and wait for it. The verbs under test go
// through the real kubectl; reads that only check state use the client,
// which is quicker than spawning kubectl in a loop.
import type { Event, Node, Pod } from 'kubernetes-types/core/v1.js';
import { clientFromKubeconfig, createClient, configFromKubeconfig, resources, type Client, type GroupVersionResource } from '../../src/client/index.js';
import { startHollowNodes, type HollowNodes } from '../../src/kubelet/hollow/index.js';
import { startServer, type Cluster } from './harness.js';

/** Objects read back for assertions: loosely typed, as the assertions name the fields. */
export type Obj = { apiVersion?: string; kind?: string; metadata: any; [k: string]: any };

export interface HollowCluster extends Cluster {
  /** An admin client (unthrottled) for reads and for the watches the tests make. */
  client: Client;
  /** Registers `count` more hollow nodes named `${prefix}${i}`; stopped with the cluster. */
  addNodes(count: number, prefix: string): Promise<HollowNodes>;
  /** The live (not terminating) pods of a namespace, optionally by label selector. */
  pods(ns: string, selector?: string): Promise<Pod[]>;
  get(gvr: GroupVersionResource, ns: string | undefined, name: string): Promise<Obj>;
  list(gvr: GroupVersionResource, ns?: string, selector?: string): Promise<Obj[]>;
  /** Events whose involvedObject is `kind/name` in `ns`. */
  events(ns: string, kind: string, name: string): Promise<Event[]>;
  /** kubectl ... -o json, parsed. */
  kubectlJson(args: string[]): Promise<any>;
  /** Stops the hollow nodes and the server. */
  teardown(): Promise<void>;
}

export async function startHollowCluster(opts: { nodes: number; prefix?: string; datastore?: 'memory' | 'sqlite' }): Promise<HollowCluster> {
  // Scheduler and controllers on; the nodes are hollow.
  const c = await startServer({ datastore: opts.datastore ?? 'memory', args: ['--disable-agent'], readyTimeoutMs: 60_000 });
  const client = createClient({ ...configFromKubeconfig(c.kubeconfig, 'e2e-workloads'), qps: 1e6, burst: 1e6 });
  const hollows: { nodes: HollowNodes; client: Client }[] = [];
  const addNodes = async (count: number, prefix: string) => {
    const nc = clientFromKubeconfig(c.kubeconfig, 'e2e-hollow');
    const nodes = await startHollowNodes({ client: nc, count, namePrefix: prefix, renewIntervalMs: 2000, leaseDurationSeconds: 40 });
    hollows.push({ nodes, client: nc });
    return nodes;
  };
  const list = async (gvr: GroupVersionResource, ns?: string, selector?: string) =>
    (await client.resource<Obj>(gvr, ns).list(selector ? { labelSelector: selector } : {})).items;
  const hc: HollowCluster = Object.assign(c, {
    client,
    addNodes,
    pods: async (ns: string, selector?: string) => ((await list(resources.pods, ns, selector)) as Pod[]).filter((p) => !p.metadata?.deletionTimestamp),
    get: (gvr: GroupVersionResource, ns: string | undefined, name: string) => client.resource<Obj>(gvr, ns).get(name),
    list,
    events: async (ns: string, kind: string, name: string) =>
      ((await list(resources.events, ns)) as unknown as Event[]).filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name),
    kubectlJson: async (args: string[]) => JSON.parse((await c.kubectlOk([...args, '-o', 'json'])).stdout),
    teardown: async () => {
      for (const h of hollows) {
        await h.nodes.stop();
        h.client.close();
      }
      client.close();
      await c.stop();
    },
  });
  await addNodes(opts.nodes, opts.prefix ?? 'hollow-');
  // The scheduler needs the nodes Ready before it places anything.
  await waitFor('hollow nodes Ready', async () => {
    const nodes = (await list(resources.nodes)) as Node[];
    return nodes.filter((n) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')).length >= opts.nodes;
  });
  return hc;
}

/** Polls `fn` until it returns a truthy value (returned), or throws after `ms` with what it last saw. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false | null>, ms = 30_000, everyMs = 150): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const isReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
export const isRunningReady = (p: Pod): boolean => p.status?.phase === 'Running' && isReady(p);

export const condition = (o: Obj, type: string): { type: string; status: string; reason?: string; message?: string } | undefined =>
  (o.status?.conditions ?? []).find((c: any) => c.type === type);

/** A Deployment manifest for `kubectl apply`. */
export function deployment(name: string, image: string, replicas: number, extra: { strategy?: unknown; annotations?: Record<string, string>; podAnnotations?: Record<string, string>; minReadySeconds?: number } = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, annotations: extra.annotations },
    spec: {
      replicas,
      minReadySeconds: extra.minReadySeconds,
      selector: { matchLabels: { app: name } },
      strategy: extra.strategy,
      template: {
        metadata: { labels: { app: name }, annotations: extra.podAnnotations },
        spec: { containers: [{ name: 'main', image }] },
      },
    },
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * For controller tests only: a real in-process API server, shared
 * informers, captured events, helpers that play the kubelet (pod phases,
 * readiness, container exit codes; pods without a node are deleted at once
 * by the server, so deletions need no kubelet), Nodes, and the real kubectl.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/types.js';
import { SharedInformerFactory } from '../../client/shared-informers.js';
import { createWorkQueue } from '../../client/workqueue.js';
import { silentLogger } from '../../util/log.js';
import { startApiServer, type TestApiServer } from '../../../test/support/api-server.js';
import type { ControllerContext, RunningController } from './controller.js';
import { memoryRecorder, type RecordedEvent } from './events.js';
import { gvr } from './resources.js';

export interface TestEnv {
  api: TestApiServer;
  ctx: ControllerContext;
  factory: SharedInformerFactory;
  events: RecordedEvent[];
  start(...controllers: RunningController[]): Promise<void>;
  stop(): Promise<void>;
}

export interface TestEnvOptions {
  /** Workers each controller runs with (default 3). */
  workers?: number;
}

export async function startTestEnv(opts: TestEnvOptions = {}): Promise<TestEnv> {
  const workers = opts.workers ?? 3;
  const api = await startApiServer();
  const factory = new SharedInformerFactory(api.client);
  const recorder = memoryRecorder();
  const ctx: ControllerContext = { client: api.client, informers: factory, log: silentLogger(), recorder, newQueue: (name) => createWorkQueue({ name }) };
  const running: RunningController[] = [];
  return {
    api,
    ctx,
    factory,
    events: recorder.events,
    async start(...controllers) {
      factory.start();
      await factory.waitForSync();
      for (const c of controllers) {
        running.push(c);
        c.run(workers);
      }
    },
    async stop() {
      for (const c of running) c.stop();
      factory.stop();
      await api.stop();
    },
  };
}

/** Polls `fn` until it returns a truthy value; throws with the last value (or error) after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 15_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type PodObj = Pod & KObject;

export async function listPods(api: TestApiServer, ns: string, labelSelector?: string): Promise<PodObj[]> {
  const r = await api.client.resource<PodObj>(gvr.pods, ns).list({ labelSelector });
  return r.items.sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
}

const rfc3339 = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Writes the status `build` makes from the pod as it is now, through the
 * status subresource, retrying on conflicts. Undefined when the pod is gone
 * and `ifGone` is 'skip'.
 */
async function writePodStatus(api: TestApiServer, pod: Readonly<PodObj>, build: (fresh: PodObj) => Pod['status'], ifGone: 'skip' | 'throw'): Promise<PodObj | undefined> {
  const client = api.client.resource<PodObj>(gvr.pods, pod.metadata!.namespace);
  for (let attempt = 0; ; attempt++) {
    let fresh: PodObj;
    try {
      fresh = await client.get(pod.metadata!.name!);
    } catch (e) {
      if (ifGone === 'skip') return undefined;
      throw e;
    }
    try {
      return await client.updateStatus({ ...fresh, status: build(fresh) });
    } catch (e) {
      if (attempt > 5) throw e;
    }
  }
}

function readyConditions(ready: boolean, t: string): NonNullable<Pod['status']>['conditions'] {
  return [
    { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: t },
    { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: t },
  ];
}

/** Sets a pod Running and Ready (or not ready) through the status subresource; a pod already gone is left be. */
export async function markPod(api: TestApiServer, pod: Readonly<PodObj>, ready: boolean, phase: 'Pending' | 'Running' = 'Running'): Promise<void> {
  await writePodStatus(api, pod, (fresh) => ({ ...fresh.status, phase, conditions: readyConditions(ready, rfc3339()) }), 'skip');
}

/** Plays the kubelet for one pod: phase, readiness, start time and container states (exit codes for finished pods). */
export async function setPodPhase(env: TestEnv, pod: Readonly<PodObj>, phase: 'Running' | 'Succeeded' | 'Failed', ready = phase === 'Running'): Promise<PodObj> {
  const updated = await writePodStatus(
    env.api,
    pod,
    (fresh) => {
      const t = rfc3339();
      // Finish times to the millisecond, so sub-second backoffs in tests are measured from the real moment.
      const finishedAt = new Date().toISOString();
      const terminated = phase !== 'Running' ? { exitCode: phase === 'Succeeded' ? 0 : 1, reason: phase === 'Succeeded' ? 'Completed' : 'Error', startedAt: t, finishedAt } : undefined;
      return {
        ...fresh.status,
        phase,
        startTime: fresh.status?.startTime ?? t,
        conditions: readyConditions(ready, t),
        containerStatuses: (fresh.spec?.containers ?? []).map((c) => ({
          name: c.name,
          image: c.image ?? '',
          imageID: '',
          ready,
          restartCount: 0,
          state: terminated ? { terminated } : { running: { startedAt: t } },
        })),
      };
    },
    'throw',
  );
  return updated!;
}

/**
 * A stand-in kubelet: every new pod in `ns` becomes Running and Ready after
 * `delayMs` (unless `filter` says no). Returns a stop function.
 */
export function autoReady(env: TestEnv, ns: string, delayMs = 20, filter: (p: Readonly<PodObj>) => boolean = () => true): () => void {
  let stopped = false;
  const inf = env.factory.informerFor<PodObj>(gvr.pods);
  const seen = new Set<string>();
  const consider = (p: Readonly<PodObj>) => {
    if (stopped || p.metadata?.namespace !== ns || p.metadata?.deletionTimestamp) return;
    const uid = p.metadata!.uid!;
    if (seen.has(uid) || !filter(p)) return;
    seen.add(uid);
    setTimeout(() => {
      if (!stopped) void markPod(env.api, p, true).catch(() => undefined);
    }, delayMs);
  };
  inf.addEventHandler({ onAdd: consider, onUpdate: (_a, b) => consider(b) });
  for (const p of inf.list(ns)) consider(p);
  return () => {
    stopped = true;
  };
}

export function meta(name: string, ns: string, labels?: Record<string, string>): { name: string; namespace: string; labels?: Record<string, string> } {
  return labels ? { name, namespace: ns, labels } : { name, namespace: ns };
}

export function podTemplate(labels: Record<string, string>, image = 'nginx:1.25') {
  return { metadata: { labels }, spec: { containers: [{ name: 'app', image }] } };
}

/** Creates Nodes (Ready, schedulable) named as given. */
export async function createNodes(env: TestEnv, names: string[], labels: Record<string, string> = {}): Promise<void> {
  for (const name of names) {
    await env.api.client.resource(gvr.nodes).create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
      spec: {},
    });
  }
}

/** Runs the real kubectl against the test server. */
export async function kubectl(env: TestEnv, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', env.api.kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KUBECACHEDIR: `${env.api.dataDir}/kubectl-cache` } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/**
 * A pretend kubelet that polls, where autoReady follows the informer: every
 * `everyMs` it marks the not-yet-ready live pods matching `labelSelector`
 * Running and Ready, and tracks the most pods seen at once that were not ready.
 */
export function fakeKubelet(env: TestEnv, ns: string, labelSelector: string, everyMs = 150): { stop(): Promise<void>; maxNotReady: () => number; maxPods: () => number; reset(): void } {
  let stopped = false;
  let maxNotReady = 0;
  let maxPods = 0;
  const loop = (async () => {
    while (!stopped) {
      try {
        const pods = (await listPods(env.api, ns, labelSelector)).filter((p) => !p.metadata?.deletionTimestamp);
        maxPods = Math.max(maxPods, pods.length);
        const notReady = pods.filter((p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True');
        maxNotReady = Math.max(maxNotReady, notReady.length);
        for (const p of notReady) await setPodPhase(env, p, 'Running').catch(() => undefined);
      } catch {
        // the server is going away at the end of a test
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
    maxNotReady: () => maxNotReady,
    maxPods: () => maxPods,
    reset() {
      maxNotReady = 0;
      maxPods = 0;
    },
  };
}

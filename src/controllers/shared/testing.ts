/**
 * For controller tests only: a real in-process API server, shared
 * informers, captured events, and a stand-in kubelet that marks pods
 * Running and Ready (pods without a node are deleted at once by the
 * server, so deletions need no kubelet).
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

export async function startTestEnv(): Promise<TestEnv> {
  const api = await startApiServer();
  const factory = new SharedInformerFactory(api.client);
  const recorder = memoryRecorder();
  const ctx: ControllerContext = { client: api.client, informers: factory, log: silentLogger(), recorder, newQueue: (name) => createWorkQueue({ name }) };
  const running: RunningController[] = [];
  let stopReady: (() => void) | undefined;
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
        c.run(3);
      }
    },
    async stop() {
      stopReady?.();
      for (const c of running) c.stop();
      factory.stop();
      await api.stop();
    },
  };
}

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

/** Sets a pod Running and Ready (or not ready) through the status subresource. */
export async function markPod(api: TestApiServer, pod: Readonly<PodObj>, ready: boolean, phase: 'Pending' | 'Running' = 'Running'): Promise<void> {
  const client = api.client.resource<PodObj>(gvr.pods, pod.metadata!.namespace);
  for (let attempt = 0; ; attempt++) {
    let fresh: PodObj;
    try {
      fresh = await client.get(pod.metadata!.name!);
    } catch {
      return; // gone
    }
    const t = rfc3339();
    const status: Pod['status'] = {
      ...fresh.status,
      phase,
      conditions: [
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: t },
        { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: t },
      ],
    };
    try {
      await client.updateStatus({ ...fresh, status });
      return;
    } catch (e) {
      if (attempt > 5) throw e;
    }
  }
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

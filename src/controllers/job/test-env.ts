/**
 * For the workload controllers' tests (not used in production): a real
 * in-process API server, shared informers, in-memory event capture, and
 * helpers to play the node agent (set pod phases and readiness) and to wait.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { SharedInformerFactory, createWorkQueue } from '../../client/index.js';
import type { KObject } from '../../api/types.js';
import { silentLogger } from '../../util/log.js';
import { startApiServer, type TestApiServer } from '../../../test/support/api-server.js';
import type { ControllerContext, RunningController } from '../shared/controller.js';
import { memoryRecorder, type RecordedEvent } from '../shared/events.js';
import { gvr } from '../shared/resources.js';

export interface ControllerEnv {
  api: TestApiServer;
  ctx: ControllerContext;
  events: RecordedEvent[];
  /** Starts informers, waits for their sync, runs the controllers. */
  start(...controllers: RunningController[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startControllerEnv(): Promise<ControllerEnv> {
  const api = await startApiServer();
  const factory = new SharedInformerFactory(api.client);
  const recorder = memoryRecorder();
  const ctx: ControllerContext = {
    client: api.client,
    informers: factory,
    log: silentLogger(),
    recorder,
    newQueue: (name) => createWorkQueue({ name }),
  };
  const running: RunningController[] = [];
  return {
    api,
    ctx,
    events: recorder.events,
    async start(...controllers) {
      factory.start();
      await factory.waitForSync();
      for (const c of controllers) {
        running.push(c);
        c.run(2);
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
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 10_000, everyMs = 50): Promise<NonNullable<T>> {
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

export async function listPods(env: ControllerEnv, ns: string, labelSelector?: string): Promise<PodObj[]> {
  const r = await env.api.client.resource<PodObj>(gvr.pods, ns).list({ labelSelector });
  return r.items.sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Plays the kubelet for one pod: phase, readiness and (for finished pods) container exit codes. */
export async function setPodPhase(env: ControllerEnv, pod: Readonly<PodObj>, phase: 'Running' | 'Succeeded' | 'Failed', ready = phase === 'Running'): Promise<PodObj> {
  const client = env.api.client.resource<PodObj>(gvr.pods, pod.metadata!.namespace);
  for (let attempt = 0; ; attempt++) {
    const fresh = await client.get(pod.metadata!.name!);
    const t = now();
    // Finish times to the millisecond, so sub-second backoffs in tests are measured from the real moment.
    const finishedAt = new Date().toISOString();
    const names = fresh.spec?.containers.map((c) => c.name) ?? [];
    const terminated = phase !== 'Running' ? { exitCode: phase === 'Succeeded' ? 0 : 1, reason: phase === 'Succeeded' ? 'Completed' : 'Error', startedAt: t, finishedAt } : undefined;
    const status: Pod['status'] = {
      ...fresh.status,
      phase,
      startTime: fresh.status?.startTime ?? t,
      conditions: [
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: t },
        { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: t },
      ],
      containerStatuses: names.map((name) => ({
        name,
        image: fresh.spec!.containers.find((c) => c.name === name)!.image ?? '',
        imageID: '',
        ready,
        restartCount: 0,
        state: terminated ? { terminated } : { running: { startedAt: t } },
      })),
    };
    try {
      return await client.updateStatus({ ...fresh, status });
    } catch (e) {
      if (attempt > 5) throw e;
    }
  }
}

/** Creates Nodes (Ready, schedulable) named as given. */
export async function createNodes(env: ControllerEnv, names: string[], labels: Record<string, string> = {}): Promise<void> {
  for (const name of names) {
    await env.api.client.resource(gvr.nodes).create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
      spec: {},
    });
  }
}

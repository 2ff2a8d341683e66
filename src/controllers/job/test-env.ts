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

/** Runs the real kubectl against the test server. */
export async function kubectl(env: ControllerEnv, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
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
 * A pretend kubelet for tests: every `everyMs` it marks the not-yet-ready
 * live pods matching `labelSelector` Running and Ready, and tracks the most
 * pods seen at once that were not ready.
 */
export function fakeKubelet(env: ControllerEnv, ns: string, labelSelector: string, everyMs = 150): { stop(): Promise<void>; maxNotReady: () => number; maxPods: () => number; reset(): void } {
  let stopped = false;
  let maxNotReady = 0;
  let maxPods = 0;
  const loop = (async () => {
    while (!stopped) {
      try {
        const pods = (await listPods(env, ns, labelSelector)).filter((p) => !p.metadata?.deletionTimestamp);
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

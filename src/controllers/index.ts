/**
 * The controller manager: every controller in this folder, started on one
 * set of shared informers. To add a controller, add a line to `controllers`
 * below (name as in kube-controller-manager's --controllers, workers as its
 * --concurrent-*-syncs default).
 */
import { createEventRecorder, type EventRecorder } from '../client/events.js';
import type { Client } from '../client/types.js';
import { createWorkQueue } from '../client/workqueue.js';
import type { Logger } from '../util/log.js';
import { CronJobController } from './cronjob/index.js';
import { DaemonSetController } from './daemonset/index.js';
import { DeploymentController } from './deployment/index.js';
import { JobController } from './job/index.js';
import { StatefulSetController } from './statefulset/index.js';
import { GarbageCollector } from './garbagecollector/index.js';
import { NamespaceController } from './namespace/index.js';
import { NodeIpamController } from './nodeipam/index.js';
import { PodGarbageCollector } from './podgc/index.js';
import { ReplicaSetController, replicaSetKind, replicationControllerKind } from './replicaset/index.js';
import { type ControllerContext, type InformerSource, type Recorder, type RunningController } from './shared/index.js';

/** Informers as the client's SharedInformerFactory offers them. */
export interface ControllerInformers extends InformerSource {
  start(): void;
  waitForSync(): Promise<void>;
}

export interface StartControllersOptions {
  client: Client;
  informers: ControllerInformers;
  log: Logger;
  /** Controller names to leave off (e.g. `garbagecollector`). */
  disabled?: string[];
  /** Overrides the API event recorder (tests). */
  recorder?: Recorder;
}

export interface RunningControllers {
  names: string[];
  stop(): void;
}

interface Entry {
  name: string;
  workers: number;
  make(ctx: ControllerContext): RunningController;
}

const controllers: Entry[] = [
  { name: 'replicaset', workers: 5, make: (ctx) => new ReplicaSetController({ ctx, kind: replicaSetKind }) },
  { name: 'replicationcontroller', workers: 5, make: (ctx) => new ReplicaSetController({ ctx, kind: replicationControllerKind }) },
  { name: 'deployment', workers: 5, make: (ctx) => new DeploymentController({ ctx }) },
  { name: 'daemonset', workers: 2, make: (ctx) => new DaemonSetController(ctx) },
  { name: 'statefulset', workers: 5, make: (ctx) => new StatefulSetController(ctx) },
  { name: 'job', workers: 5, make: (ctx) => new JobController(ctx) },
  { name: 'cronjob', workers: 5, make: (ctx) => new CronJobController(ctx) },
  { name: 'garbagecollector', workers: 20, make: (ctx) => new GarbageCollector({ ctx }) },
  { name: 'namespace', workers: 10, make: (ctx) => new NamespaceController({ ctx }) },
  { name: 'nodeipam', workers: 1, make: (ctx) => new NodeIpamController(ctx) },
  { name: 'podgc', workers: 1, make: (ctx) => new PodGarbageCollector(ctx) },
];

/**
 * Builds every enabled controller (registering its informers), starts the
 * informers, waits for their first sync, then starts the workers.
 */
export async function startControllers(opts: StartControllersOptions): Promise<RunningControllers> {
  const disabled = new Set(opts.disabled ?? []);
  // One client recorder per component, so each Event's source names the controller that acted.
  const recorders = new Map<string, EventRecorder>();
  const recorderFor = (component: string): Recorder => {
    if (opts.recorder) return opts.recorder;
    let r = recorders.get(component);
    if (!r) recorders.set(component, (r = createEventRecorder(opts.client, { component, log: opts.log })));
    return r;
  };
  const ctx: ControllerContext = {
    client: opts.client,
    informers: opts.informers,
    log: opts.log,
    recorder: recorderFor('controller-manager'),
    recorderFor,
    newQueue: (name) => createWorkQueue({ name }),
  };
  const running: RunningController[] = [];
  for (const e of controllers) {
    if (disabled.has(e.name)) continue;
    running.push(Object.assign(e.make(ctx), { workers: e.workers }));
  }
  opts.informers.start();
  await opts.informers.waitForSync();
  for (const c of running) c.run((c as RunningController & { workers: number }).workers);
  opts.log.info({ controllers: running.map((c) => c.name) }, 'controllers started');
  return {
    names: running.map((c) => c.name),
    stop() {
      for (const c of running) c.stop();
      for (const r of recorders.values()) r.close();
    },
  };
}

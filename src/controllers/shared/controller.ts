/**
 * What every controller here is made of: informers whose handlers only
 * enqueue keys, a rate-limited work queue, and a level-based `sync(key)`
 * run by a few workers. `sync` throws to be retried with backoff, returns
 * `{ requeueAfterMs }` to be looked at again later, or returns nothing.
 */
import type { KObject } from '../../api/types.js';
import { runWorkers, TerminalError } from '../../client/workqueue.js';
import type { Client, GroupVersionResource, Informer, SyncResult, WorkQueue } from '../../client/types.js';
import type { Logger } from '../../util/log.js';
import type { Recorder } from './events.js';

/** Where controllers get shared informers (one per resource type, shared by every controller). */
export interface InformerSource {
  informerFor<T extends KObject = KObject>(gvr: GroupVersionResource): Informer<T>;
}

/** What `startControllers` hands each controller. */
export interface ControllerContext {
  client: Client;
  informers: InformerSource;
  log: Logger;
  /** Events recorded as one component (e.g. in tests, one memory recorder). */
  recorder: Recorder;
  /** Events recorded under a controller's own component name (`deployment-controller`), when the host provides it. */
  recorderFor?: (component: string) => Recorder;
  newQueue: (name: string) => WorkQueue<string>;
}

/** A started controller. */
export interface RunningController {
  readonly name: string;
  /** Starts the workers; informers must be started by the caller. */
  run(workers: number): void;
  stop(): void;
}

export { TerminalError };

/**
 * Runs `workers` loops taking keys from `queue` and calling `sync` with the
 * retry policy above (the client's runWorkers). The returned function shuts
 * the queue down and resolves when running syncs have finished.
 */
export function runSyncWorkers(queue: WorkQueue<string>, workers: number, sync: (key: string) => Promise<SyncResult>, log: Logger): () => Promise<void> {
  return runWorkers(queue, workers, sync, log);
}

/** Adds an index to a shared informer unless another controller already did. */
export function ensureIndex<T extends KObject>(inf: Informer<T>, name: string, fn: (obj: Readonly<T>) => string[]): void {
  try {
    inf.addIndex(name, fn);
  } catch {
    // already registered by another controller sharing the informer
  }
}

/** Index name → pods by their controller's uid. */
export const controllerUidIndex = 'skiff/controller-uid';
export function controllerUidOf(obj: Readonly<KObject>): string[] {
  const r = obj.metadata?.ownerReferences?.find((o) => o.controller === true);
  return r?.uid ? [r.uid] : [];
}

/** A copy of a cached object with apiVersion/kind filled in (lists may omit them), for events and ownerReferences. */
export function withKind<T extends KObject>(obj: Readonly<T>, apiVersion: string, kind: string): T {
  return { ...(obj as T), apiVersion, kind };
}

/**
 * What every controller here is made of: informers whose handlers only
 * enqueue keys, a rate-limited work queue, and a level-based `sync(key)`
 * run by a few workers. `sync` throws to be retried with backoff, returns
 * `{ requeueAfterMs }` to be looked at again later, or returns nothing.
 */
import type { KObject } from '../../api/types.js';
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
  recorder: Recorder;
  newQueue: (name: string) => WorkQueue<string>;
}

/** A started controller. */
export interface RunningController {
  readonly name: string;
  /** Starts the workers; informers must be started by the caller. */
  run(workers: number): void;
  stop(): void;
}

/** Thrown from sync when retrying cannot help (bad spec); the key is dropped. */
export class TerminalError extends Error {
  override name = 'TerminalError';
}

/**
 * Runs `workers` loops taking keys from `queue` and calling `sync`. Returns
 * a function that shuts the queue down (workers exit after their current key).
 */
export function runSyncWorkers(queue: WorkQueue<string>, workers: number, sync: (key: string) => Promise<SyncResult>, log: Logger): void {
  const loop = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const res = await sync(key);
        queue.forget(key);
        if (res && typeof res === 'object' && res.requeueAfterMs >= 0) queue.addAfter(key, res.requeueAfterMs);
      } catch (e) {
        if (e instanceof TerminalError) {
          log.warn({ key, err: e.message }, 'sync failed, not retrying');
          queue.forget(key);
        } else {
          log.debug({ key, err: (e as Error)?.message ?? String(e) }, 'sync failed, requeueing');
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  };
  for (let i = 0; i < workers; i++) void loop();
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

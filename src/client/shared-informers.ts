/**
 * One informer per (resource, namespace) for a whole process, so the
 * scheduler and every controller in it share one list and one watch per type
 * instead of each opening their own. Components ask for informers while
 * they are built, then the process calls start() once and waits for sync.
 */
import type { Logger } from '../util/log.js';
import type { KObject } from '../api/types.js';
import { createInformer } from './informer.js';
import type { Client, GroupVersionResource, Informer } from './types.js';

export interface SharedInformerFactoryOptions {
  /** Resync period given to every informer (default: none). */
  resyncMs?: number;
  log?: Logger;
}

export class SharedInformerFactory {
  private readonly informers = new Map<string, Informer<KObject>>();
  private started = false;
  private stopped = false;

  constructor(
    readonly client: Client,
    private readonly opts: SharedInformerFactoryOptions = {},
  ) {}

  /**
   * The shared informer for `gvr` in `namespace` (all namespaces when
   * undefined). Asked for after start(), it starts at once.
   */
  informerFor<T extends KObject = KObject>(gvr: GroupVersionResource, namespace?: string): Informer<T> {
    const key = `${gvr.group}/${gvr.version}/${gvr.resource}@${namespace ?? ''}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = createInformer<KObject>(this.client, gvr, { namespace, resyncMs: this.opts.resyncMs, log: this.opts.log });
      this.informers.set(key, inf);
      if (this.started && !this.stopped) inf.start();
    }
    return inf as unknown as Informer<T>;
  }

  start(): void {
    if (this.stopped) throw new Error('SharedInformerFactory: start() after stop(); make a new factory');
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  /** Resolves when every informer asked for so far has synced. */
  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  stop(): void {
    this.stopped = true;
    for (const inf of this.informers.values()) inf.stop();
  }
}

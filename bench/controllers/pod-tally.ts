/**
 * Counts a namespace's pods from an informer as they change, so the bench
 * can tell the moment N pods are bound, Running and Ready, and the extremes
 * a rollout reaches (most live pods, fewest Ready), without listing 10 000
 * pods over and over. Counts are kept incrementally: each event removes the
 * old object's contribution and adds the new one's.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createInformer, resources, type Client, type Informer } from '../../src/client/index.js';

type PodObj = Pod & { [k: string]: unknown };

export interface Counts {
  /** Not terminating. */
  live: number;
  bound: number;
  running: number;
  ready: number;
  /** Live pods per image of the first container. */
  byImage: Map<string, { live: number; ready: number }>;
}

const isReady = (p: Readonly<Pod>) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export class PodTally {
  readonly counts: Counts = { live: 0, bound: 0, running: 0, ready: 0, byImage: new Map() };
  /** Extremes since the last mark(). */
  maxLive = 0;
  minReady = Infinity;
  private readonly informer: Informer<PodObj>;
  private readonly waiters = new Set<() => void>();

  constructor(client: Client, namespace: string) {
    this.informer = createInformer<PodObj>(client, resources.pods, { namespace, pageSize: 2000 });
    // Extremes are taken after a whole event, so an update's remove-then-add is not a dip.
    this.informer.addEventHandler({
      onAdd: (p) => {
        this.apply(p, 1);
        this.settle();
      },
      onUpdate: (o, p) => {
        this.apply(o, -1);
        this.apply(p, 1);
        this.settle();
      },
      onDelete: (p) => {
        this.apply(p, -1);
        this.settle();
      },
    });
  }

  async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync();
  }

  stop(): void {
    this.informer.stop();
  }

  mark(): void {
    this.maxLive = this.counts.live;
    this.minReady = this.counts.ready;
  }

  /** Resolves once `pred` holds after an event (or now), rejects after ms. */
  until(what: string, pred: (c: Counts) => boolean, ms: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pred(this.counts)) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(performance.now());
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const c = this.counts;
        reject(new Error(`timed out after ${ms / 1000} s waiting for ${what} (live ${c.live}, bound ${c.bound}, running ${c.running}, ready ${c.ready})`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  private apply(p: Readonly<PodObj>, sign: 1 | -1): void {
    if (p.metadata?.deletionTimestamp) return;
    const c = this.counts;
    const ready = isReady(p) ? 1 : 0;
    c.live += sign;
    if (p.spec?.nodeName) c.bound += sign;
    if (p.status?.phase === 'Running') c.running += sign;
    c.ready += sign * ready;
    const image = p.spec?.containers?.[0]?.image ?? '';
    let per = c.byImage.get(image);
    if (!per) c.byImage.set(image, (per = { live: 0, ready: 0 }));
    per.live += sign;
    per.ready += sign * ready;
  }

  private settle(): void {
    this.maxLive = Math.max(this.maxLive, this.counts.live);
    this.minReady = Math.min(this.minReady, this.counts.ready);
    for (const w of [...this.waiters]) w();
  }
}

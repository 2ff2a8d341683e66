/**
 * Recording core/v1 Events, the story `kubectl describe` tells, the way
 * client-go's recorder does. This is the one writer of Events in skiff: the
 * kubelet, the scheduler and the controllers all record through it.
 * - fire and forget: `event()` never throws or waits; failures are logged;
 * - a bounded queue; past the bound new events are dropped with a warning
 *   rather than piling up in memory while the server is slow or gone;
 * - up to `concurrency` writes at once (a scheduler placing thousands of pods
 *   must not wait on its events one round trip at a time), but the writes
 *   for one correlation key go strictly in order, so a repeat always finds
 *   the Event its predecessor created;
 * - a repeat of the same (object, fieldPath, type, reason, message) within
 *   10 minutes patches the existing Event's `count` and `lastTimestamp`
 *   instead of creating another, as client-go's correlator does, so a
 *   crash-looping pod makes one Event, not thousands;
 * - the timestamp and the Event's name are fixed when `event()` is called,
 *   not when the write happens, so names (`<object>.<hex time>`) sort in the
 *   order things were recorded even when writes overlap.
 * Not done: client-go's per-object spam filter and its "combined from
 * similar events" aggregation of messages that differ.
 */
import { isStatusError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { silentLogger, type Logger } from '../util/log.js';
import { resources } from './resources.js';
import type { Client } from './types.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent`, e.g. `kubelet`, `replicaset-controller`. */
  component: string;
  /** `source.host` (a node name for the kubelet); also the default `reportingInstance`. */
  host?: string;
  /** `reportingInstance` when it is not the host (client-go leaves it as `source.host`, often empty). */
  instance?: string;
  /** Events waiting to be written beyond which new ones are dropped (default 1000). */
  maxQueued?: number;
  /** Writes in flight at once (default 4); writes for one correlation key never overlap. */
  concurrency?: number;
  log?: Logger;
  /** The clock; tests move it. */
  now?: () => Date;
}

export interface EventDetails {
  /**
   * `involvedObject.fieldPath`: the part of the object the event is about,
   * e.g. `spec.containers{app}` for a container of a pod. Part of the
   * correlation key, so the same reason for two containers stays two Events.
   */
  fieldPath?: string;
}

export interface EventRecorder {
  /**
   * Records that `reason` happened to `obj` (its apiVersion, kind and
   * metadata name the involved object); never throws, never waits.
   */
  event(obj: Readonly<KObject>, type: EventType, reason: string, message: string, details?: EventDetails): void;
  /** Resolves once everything recorded so far has been written (or has failed). */
  flush(): Promise<void>;
  /** Drops what is queued and records nothing more; writes already in flight finish. */
  close(): void;
}

/** How long a repeat still counts as the same occurrence (client-go: 10 minutes). */
const aggregateWindowMs = 10 * 60_000;
/** Remembered (object, reason, message) combinations (client-go's LRU size). */
const maxRemembered = 4096;

interface Pending {
  obj: Readonly<KObject>;
  type: EventType;
  reason: string;
  message: string;
  fieldPath?: string;
  at: Date;
  /** The name a new Event for this occurrence gets. */
  name: string;
  key: string;
}

interface Remembered {
  name: string;
  namespace: string;
  count: number;
  lastSeen: number;
}

/** metav1.Time: RFC 3339 to the second. */
const timeString = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function createEventRecorder(client: Client, opts: EventRecorderOptions): EventRecorder {
  return new Recorder(client, opts);
}

class Recorder implements EventRecorder {
  private readonly queue: Pending[] = [];
  private readonly seen = new Map<string, Remembered>();
  /** The last write of each key in flight; the next one for that key waits on it. */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly maxQueued: number;
  private readonly concurrency: number;
  private running = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private seq = 0;
  private dropped = 0;

  constructor(
    private readonly client: Client,
    private readonly opts: EventRecorderOptions,
  ) {
    this.log = (opts.log ?? silentLogger()).child({ component: opts.component, part: 'events' });
    this.now = opts.now ?? (() => new Date());
    this.maxQueued = opts.maxQueued ?? 1000;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
  }

  event(obj: Readonly<KObject>, type: EventType, reason: string, message: string, details?: EventDetails): void {
    if (this.closed) return;
    if (this.queue.length >= this.maxQueued) {
      // Warn on the first drop of a run, not on each one.
      if (this.dropped++ === 0) this.log.warn({ reason, object: objectName(obj), maxQueued: this.maxQueued }, 'event queue full; dropping events');
      return;
    }
    const m = obj.metadata ?? {};
    const fieldPath = details?.fieldPath || undefined;
    const at = this.now();
    this.queue.push({
      obj,
      type,
      reason,
      message,
      fieldPath,
      at,
      name: `${m.name ?? 'unknown'}.${this.uniqueHex(at)}`,
      key: [obj.apiVersion, obj.kind, m.namespace, m.name, m.uid, fieldPath, type, reason, message].join('\u0000'),
    });
    this.pump();
  }

  flush(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    if (this.running === 0) this.settle();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const p = this.queue.shift()!;
      this.running++;
      void this.writeInTurn(p).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.queue.length === 0) this.settle();
      });
    }
  }

  private settle(): void {
    if (this.dropped) {
      this.log.warn({ dropped: this.dropped }, 'event queue drained; some events were dropped');
      this.dropped = 0;
    }
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Writes `p` once the previous write of its key is done; never rejects. */
  private async writeInTurn(p: Pending): Promise<void> {
    const before = this.tails.get(p.key);
    const mine = (async () => {
      if (before) await before;
      try {
        await this.write(p);
      } catch (err) {
        this.log.warn({ err, reason: p.reason, object: objectName(p.obj) }, 'could not write event');
      }
    })();
    this.tails.set(p.key, mine);
    await mine;
    if (this.tails.get(p.key) === mine) this.tails.delete(p.key);
  }

  private async write(p: Pending): Promise<void> {
    const prior = this.seen.get(p.key);
    const at = p.at.getTime();
    if (prior && at - prior.lastSeen < aggregateWindowMs) {
      try {
        await this.client
          .resource(resources.events, prior.namespace)
          .patch(prior.name, 'merge', { count: prior.count + 1, lastTimestamp: timeString(p.at), message: p.message });
        prior.count++;
        prior.lastSeen = at;
        this.remember(p.key, prior);
        return;
      } catch (err) {
        // Deleted (or expired by TTL) since: start a new Event, as client-go does.
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    }
    const m = p.obj.metadata ?? {};
    const namespace = m.namespace || 'default';
    const involved: Record<string, string> = {};
    if (p.obj.kind) involved.kind = p.obj.kind;
    if (m.namespace) involved.namespace = m.namespace;
    if (m.name) involved.name = m.name;
    if (m.uid) involved.uid = m.uid;
    if (p.obj.apiVersion) involved.apiVersion = p.obj.apiVersion;
    if (m.resourceVersion) involved.resourceVersion = m.resourceVersion;
    if (p.fieldPath) involved.fieldPath = p.fieldPath;
    const when = timeString(p.at);
    await this.client.resource(resources.events, namespace).create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: p.name, namespace },
      involvedObject: involved,
      reason: p.reason,
      message: p.message,
      type: p.type,
      source: { component: this.opts.component, ...(this.opts.host ? { host: this.opts.host } : {}) },
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.instance ?? this.opts.host ?? '',
      firstTimestamp: when,
      lastTimestamp: when,
      count: 1,
    });
    this.remember(p.key, { name: p.name, namespace, count: 1, lastSeen: at });
  }

  private remember(key: string, r: Remembered): void {
    this.seen.delete(key);
    this.seen.set(key, r);
    if (this.seen.size > maxRemembered) this.seen.delete(this.seen.keys().next().value!);
  }

  /** client-go names events `<object>.<unix nanoseconds in hex>`; the sequence keeps names unique within a millisecond. */
  private uniqueHex(d: Date): string {
    this.seq = (this.seq + 1) % 1_000_000;
    return (BigInt(d.getTime()) * 1_000_000n + BigInt(this.seq)).toString(16);
  }
}

function objectName(obj: Readonly<KObject>): string {
  const m = obj.metadata;
  return `${obj.kind ?? '?'} ${m?.namespace ? `${m.namespace}/` : ''}${m?.name ?? '?'}`;
}

/**
 * Recording core/v1 Events, the story `kubectl describe` tells, the way
 * client-go's recorder does:
 * - fire and forget: `event()` never throws or waits; failures are logged;
 * - a bounded queue (writes go one at a time, in order); past the bound new
 *   events are dropped with a warning rather than piling up in memory while
 *   the server is slow or gone;
 * - a repeat of the same (object, type, reason, message) within 10 minutes
 *   patches the existing Event's `count` and `lastTimestamp` instead of
 *   creating another, as client-go's correlator does, so a crash-looping pod
 *   makes one Event, not thousands.
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
  /** `source.host` and `reportingInstance` (a node name for the kubelet). */
  host?: string;
  /** Events waiting to be written beyond which new ones are dropped (default 1000). */
  maxQueued?: number;
  log?: Logger;
  /** The clock; tests move it. */
  now?: () => Date;
}

export interface EventRecorder {
  /** Records that `reason` happened to `obj`; never throws, never waits. */
  event(obj: Readonly<KObject>, type: EventType, reason: string, message: string): void;
  /** Resolves once everything recorded so far has been written (or has failed). */
  flush(): Promise<void>;
  /** Drops what is queued and records nothing more. */
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
  at: Date;
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
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly maxQueued: number;
  private draining = false;
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
  }

  event(obj: Readonly<KObject>, type: EventType, reason: string, message: string): void {
    if (this.closed) return;
    if (this.queue.length >= this.maxQueued) {
      // Warn on the first drop of a run, not on each one.
      if (this.dropped++ === 0) this.log.warn({ reason, object: objectName(obj), maxQueued: this.maxQueued }, 'event queue full; dropping events');
      return;
    }
    this.queue.push({ obj, type, reason, message, at: this.now() });
    if (!this.draining) void this.drain();
  }

  flush(): Promise<void> {
    if (!this.draining && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let p = this.queue.shift(); p; p = this.queue.shift()) {
        try {
          await this.write(p);
        } catch (err) {
          this.log.warn({ err, reason: p.reason, object: objectName(p.obj) }, 'could not write event');
        }
        if (this.queue.length === 0 && this.dropped) {
          this.log.warn({ dropped: this.dropped }, 'event queue drained; some events were dropped');
          this.dropped = 0;
        }
      }
    } finally {
      this.draining = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async write(p: Pending): Promise<void> {
    const m = p.obj.metadata ?? {};
    const key = [p.obj.apiVersion, p.obj.kind, m.namespace, m.name, m.uid, p.type, p.reason, p.message].join('\u0000');
    const prior = this.seen.get(key);
    const at = p.at.getTime();
    if (prior && at - prior.lastSeen < aggregateWindowMs) {
      try {
        await this.client
          .resource(resources.events, prior.namespace)
          .patch(prior.name, 'merge', { count: prior.count + 1, lastTimestamp: timeString(p.at), message: p.message });
        prior.count++;
        prior.lastSeen = at;
        this.remember(key, prior);
        return;
      } catch (err) {
        // Deleted (or expired by TTL) since: start a new Event, as client-go does.
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    }
    const namespace = m.namespace || 'default';
    const name = `${m.name ?? 'unknown'}.${this.uniqueHex(p.at)}`;
    const involved: Record<string, string> = {};
    if (p.obj.kind) involved.kind = p.obj.kind;
    if (m.namespace) involved.namespace = m.namespace;
    if (m.name) involved.name = m.name;
    if (m.uid) involved.uid = m.uid;
    if (p.obj.apiVersion) involved.apiVersion = p.obj.apiVersion;
    if (m.resourceVersion) involved.resourceVersion = m.resourceVersion;
    const when = timeString(p.at);
    await this.client.resource(resources.events, namespace).create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: involved,
      reason: p.reason,
      message: p.message,
      type: p.type,
      source: { component: this.opts.component, ...(this.opts.host ? { host: this.opts.host } : {}) },
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.host ?? '',
      firstTimestamp: when,
      lastTimestamp: when,
      count: 1,
    });
    this.remember(key, { name, namespace, count: 1, lastSeen: at });
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

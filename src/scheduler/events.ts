/**
 * Events the scheduler records (Scheduled, FailedScheduling), written
 * asynchronously through a bounded buffer: like client-go's broadcaster, a
 * component never blocks on its events and drops them when the buffer is
 * full rather than slow scheduling down. A repeat of the same event for the
 * same object bumps `count` on the existing Event, as kubectl describe's
 * "(x5 over 2m)" expects.
 */
import { randomBytes } from 'node:crypto';
import type { Event, ObjectReference } from 'kubernetes-types/core/v1.js';
import { isStatusError } from '../api/errors.js';
import { resources, type Client } from '../client/index.js';
import type { Logger } from '../util/log.js';

export interface EventSink {
  record(obj: ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Resolves once everything buffered has been written (for tests). */
  flush(): Promise<void>;
  stop(): void;
}

export interface EventSinkOptions {
  client: Client;
  component: string;
  log: Logger;
  maxQueued?: number;
  concurrency?: number;
}

interface Pending {
  ref: ObjectReference;
  type: string;
  reason: string;
  message: string;
  at: string;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export function createEventSink(opts: EventSinkOptions): EventSink {
  const maxQueued = opts.maxQueued ?? 1000;
  const concurrency = opts.concurrency ?? 4;
  const queue: Pending[] = [];
  const series = new Map<string, { name: string; count: number; first: string }>();
  let running = 0;
  let stopped = false;
  let dropped = 0;
  let idle: (() => void)[] = [];

  const write = async (p: Pending) => {
    const ns = p.ref.namespace ?? 'default';
    const events = opts.client.resource<Event & { [k: string]: unknown }>(resources.events, ns);
    const key = `${ns}/${p.ref.name}/${p.ref.uid ?? ''}/${p.reason}/${p.message}`;
    const seen = series.get(key);
    if (seen) {
      seen.count++;
      try {
        await events.patch(seen.name, 'merge', { count: seen.count, lastTimestamp: p.at });
        return;
      } catch (e) {
        if (!isStatusError(e, 'NotFound')) throw e;
      }
    }
    const name = `${p.ref.name}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`;
    if (series.size > 10_000) series.clear();
    series.set(key, { name, count: 1, first: p.at });
    await events.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: p.ref,
      reason: p.reason,
      message: p.message,
      type: p.type,
      source: { component: opts.component },
      reportingComponent: opts.component,
      reportingInstance: opts.component,
      firstTimestamp: p.at,
      lastTimestamp: p.at,
      count: 1,
    } as Event & { [k: string]: unknown });
  };

  const pump = () => {
    while (!stopped && running < concurrency && queue.length > 0) {
      const p = queue.shift()!;
      running++;
      write(p)
        .catch((err) => opts.log.debug({ err: String(err), reason: p.reason, object: `${p.ref.namespace}/${p.ref.name}` }, 'event not written'))
        .finally(() => {
          running--;
          pump();
        });
    }
    if (running === 0 && queue.length === 0) for (const w of idle.splice(0)) w();
  };

  return {
    record(ref, type, reason, message) {
      if (stopped) return;
      if (queue.length >= maxQueued) {
        if (dropped++ % 1000 === 0) opts.log.warn({ dropped }, 'event buffer full; dropping events');
        return;
      }
      queue.push({ ref, type, reason, message, at: now() });
      pump();
    },
    flush() {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
    stop() {
      stopped = true;
      queue.length = 0;
      for (const w of idle.splice(0)) w();
      idle = [];
    },
  };
}

/**
 * Events controllers record about the objects they act on, written as
 * core/v1 Events the way client-go's recorder does: the involved object,
 * reason, message, source component, and a count that grows when the same
 * event repeats (so `kubectl describe` shows `x3 over 2m`) instead of a new
 * object each time. Writes are fire-and-forget: an event that cannot be
 * written never fails a sync.
 */
import type { Event } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/types.js';
import type { Client } from '../../client/types.js';
import type { Logger } from '../../util/log.js';

export type EventType = 'Normal' | 'Warning';

export interface Recorder {
  event(obj: Readonly<KObject>, type: EventType, reason: string, message: string): void;
}

export interface RecordedEvent {
  kind?: string;
  namespace?: string;
  name?: string;
  type: EventType;
  reason: string;
  message: string;
}

/** Keeps events in memory (tests), optionally forwarding to another recorder. */
export function memoryRecorder(forward?: Recorder): Recorder & { events: RecordedEvent[] } {
  const events: RecordedEvent[] = [];
  return {
    events,
    event(obj, type, reason, message) {
      events.push({ kind: obj.kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name, type, reason, message });
      forward?.event(obj, type, reason, message);
    },
  };
}

export const discardRecorder: Recorder = { event() {} };

const repeatWindowMs = 10 * 60 * 1000;

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A recorder writing core/v1 Events through `client`, as `component` (e.g. `deployment-controller`). */
export function apiRecorder(client: Client, component: string, log?: Logger, now: () => number = Date.now): Recorder {
  const seen = new Map<string, { name: string; namespace: string; count: number; first: string; at: number }>();
  return {
    event(obj, type, reason, message) {
      const m = obj.metadata ?? {};
      const namespace = m.namespace || 'default';
      const key = `${m.uid ?? `${namespace}/${m.name}`}|${type}|${reason}|${message}`;
      const t = now();
      const prev = seen.get(key);
      const events = client.resource<Event & KObject>({ group: '', version: 'v1', resource: 'events' }, namespace);
      if (prev && t - prev.at < repeatWindowMs) {
        prev.count++;
        prev.at = t;
        void events
          .patch(prev.name, 'merge', { count: prev.count, lastTimestamp: rfc3339(t) })
          .catch((e) => log?.debug({ err: (e as Error).message, reason }, 'event update failed'));
        return;
      }
      const name = `${m.name}.${(BigInt(t) * 1000000n + BigInt(Math.floor(Math.random() * 1e6))).toString(16)}`;
      const ts = rfc3339(t);
      seen.set(key, { name, namespace, count: 1, first: ts, at: t });
      if (seen.size > 4096) seen.delete(seen.keys().next().value!);
      const ev: Event & KObject = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: m.name,
          namespace: m.namespace,
          uid: m.uid,
          resourceVersion: m.resourceVersion,
        },
        reason,
        message,
        type,
        source: { component },
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
        reportingComponent: component,
        reportingInstance: '',
      };
      void events.create(ev).catch((e) => log?.debug({ err: (e as Error).message, reason }, 'event write failed'));
    },
  };
}

/**
 * What a controller needs to record Events: only `event()`. In production
 * that is the client's recorder (src/client/events.ts, one per controller
 * component, so `source.component` says e.g. `replicaset-controller`); in
 * tests `memoryRecorder()` captures what was said.
 */
import type { EventRecorder, EventType } from '../../client/index.js';

export type { EventType } from '../../client/index.js';

export type Recorder = Pick<EventRecorder, 'event'>;

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
    event(obj, type, reason, message, details) {
      events.push({ kind: obj.kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name, type, reason, message });
      forward?.event(obj, type, reason, message, details);
    },
  };
}

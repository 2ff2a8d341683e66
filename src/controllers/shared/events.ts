/**
 * The slice of an event recorder controllers need: an event about an
 * object, with Kubernetes' type/reason/message conventions. `recorderFrom`
 * adapts whatever the client package offers; `memoryRecorder` is for tests.
 */
import type { KObject } from '../../api/types.js';

export type EventType = 'Normal' | 'Warning';

export interface Recorder {
  event(obj: Readonly<KObject>, type: EventType, reason: string, message: string): void;
}

export interface RecordedEvent {
  kind?: string;
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
      events.push({ kind: obj.kind, name: obj.metadata?.name, type, reason, message });
      forward?.event(obj, type, reason, message);
    },
  };
}

export const discardRecorder: Recorder = { event() {} };

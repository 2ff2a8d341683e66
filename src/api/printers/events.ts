/**
 * Events. core/v1 and events.k8s.io/v1 are two views of one stored object
 * and Kubernetes prints both from the same internal shape, so an
 * events.k8s.io object is first read as the core fields it maps to
 * (regarding → involvedObject, note → message, deprecated* → the old fields).
 */
import type { Event as CoreEvent, EventSource, ObjectReference } from 'kubernetes-types/core/v1.js';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import { col, humanDuration, nameColumn, nameOf, parseTime, printer, wide } from './format.js';

interface EventView {
  name: string;
  type: string;
  reason: string;
  message: string;
  involved: ObjectReference;
  source: EventSource;
  reportingController: string;
  reportingInstance: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  count: number;
  series?: { count: number; lastObservedTime?: string };
}

function isEventsV1(obj: CoreEvent | EventsV1Event): obj is EventsV1Event {
  if (obj.apiVersion) return obj.apiVersion.startsWith('events.k8s.io/');
  return !('involvedObject' in obj) && ('regarding' in obj || 'note' in obj);
}

function view(obj: CoreEvent | EventsV1Event): EventView {
  if (isEventsV1(obj)) {
    return {
      name: nameOf(obj),
      type: obj.type ?? '',
      reason: obj.reason ?? '',
      message: obj.note ?? '',
      involved: obj.regarding ?? {},
      source: obj.deprecatedSource ?? {},
      reportingController: obj.reportingController ?? '',
      reportingInstance: obj.reportingInstance ?? '',
      firstTimestamp: obj.deprecatedFirstTimestamp,
      lastTimestamp: obj.deprecatedLastTimestamp,
      eventTime: obj.eventTime,
      count: obj.deprecatedCount ?? 0,
      series: obj.series ? { count: obj.series.count, lastObservedTime: obj.series.lastObservedTime } : undefined,
    };
  }
  return {
    name: nameOf(obj),
    type: obj.type ?? '',
    reason: obj.reason ?? '',
    message: obj.message ?? '',
    involved: obj.involvedObject ?? {},
    source: obj.source ?? {},
    reportingController: obj.reportingComponent ?? '',
    reportingInstance: obj.reportingInstance ?? '',
    firstTimestamp: obj.firstTimestamp,
    lastTimestamp: obj.lastTimestamp,
    eventTime: obj.eventTime,
    count: obj.count ?? 0,
    series: obj.series ? { count: obj.series.count ?? 0, lastObservedTime: obj.series.lastObservedTime } : undefined,
  };
}

function since(t: string | undefined, now: Date): string | undefined {
  const ms = parseTime(t);
  return ms === undefined ? undefined : humanDuration(now.getTime() - ms);
}

/** formatEventSource: `component, host`, falling back to the reporting controller and instance. */
function eventSource(e: EventView): string {
  const component = e.source.component || e.reportingController;
  const instance = e.source.host || e.reportingInstance;
  return instance ? `${component}, ${instance}` : component;
}

export const eventPrinter = printer<CoreEvent | EventsV1Event>(
  [
    col('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'string', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    col('Object', 'string', 'The object that this event is about.'),
    wide('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.'),
    wide('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.'),
    col('Message', 'string', 'A human-readable description of the status of this operation.'),
    wide('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
    wide('Count', 'string', 'The number of times this event has occurred.'),
    { ...nameColumn, priority: 1 },
  ],
  (obj, now) => {
    const e = view(obj);
    const first = since(e.firstTimestamp, now) ?? since(e.eventTime, now) ?? '<unknown>';
    let last = since(e.lastTimestamp, now) ?? first;
    let count = e.count;
    if (e.series) {
      last = since(e.series.lastObservedTime, now) ?? '<unknown>';
      count = e.series.count;
    } else if (count === 0) {
      // Singleton events carry no count in the new API.
      count = 1;
    }
    const kind = (e.involved.kind ?? '').toLowerCase();
    const target = e.involved.name ? `${kind}/${e.involved.name}` : kind;
    return [last, e.type, e.reason, target, e.involved.fieldPath ?? '', eventSource(e), e.message.trim(), first, count, e.name];
  },
);

/**
 * Events live once, in core/v1 shape, and are served at both v1 and
 * events.k8s.io/v1: the two differ only in field names, which map one to one
 * (involvedObject/regarding, message/note, source/deprecatedSource, ...).
 */
import type { Event } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../types.js';
import { validateEvent } from '../../validation/misc.js';
import { makeStrategy, str } from '../common.js';

export const eventsGroupVersion = 'events.k8s.io/v1';

// core/v1 name -> events.k8s.io/v1 name; the fields not listed keep their names.
const renames: [string, string][] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];

function rename(obj: KObject, pairs: [string, string][], apiVersion: string): KObject {
  const out: KObject = { ...structuredClone(obj), apiVersion, kind: 'Event' };
  for (const [from, to] of pairs) {
    delete out[to];
    if (obj[from] !== undefined) out[to] = structuredClone(obj[from]);
    delete out[from];
  }
  return out;
}

export function coreEventToEventsV1(obj: KObject): KObject {
  return rename(obj, renames, eventsGroupVersion);
}

export function eventsV1ToCoreEvent(obj: KObject): KObject {
  return rename(
    obj,
    renames.map(([a, b]) => [b, a]),
    'v1',
  );
}

const base = makeStrategy<Event>({
  namespaced: true,
  validate: validateEvent,
  selectableFields(ev) {
    const io = ev.involvedObject ?? {};
    const fields: Record<string, string> = {
      'involvedObject.kind': str(io.kind),
      'involvedObject.namespace': str(io.namespace),
      'involvedObject.name': str(io.name),
      'involvedObject.uid': str(io.uid),
      'involvedObject.apiVersion': str(io.apiVersion),
      'involvedObject.resourceVersion': str(io.resourceVersion),
      'involvedObject.fieldPath': str(io.fieldPath),
      reason: str(ev.reason),
      reportingComponent: str(ev.reportingComponent),
      source: str(ev.source?.component || ev.reportingComponent),
      type: str(ev.type),
    };
    // events.k8s.io/v1 clients select by their own names for the same fields.
    for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) fields[`regarding.${k}`] = fields[`involvedObject.${k}`];
    fields.reportingController = fields.reportingComponent;
    return fields;
  },
});

export const eventStrategy = {
  ...base,
  toStorage: (obj: KObject, apiVersion: string) => (apiVersion === eventsGroupVersion ? eventsV1ToCoreEvent(obj) : { ...obj, apiVersion: 'v1', kind: 'Event' }),
  fromStorage: (obj: KObject, apiVersion: string) => (apiVersion === eventsGroupVersion ? coreEventToEventsV1(obj) : obj),
};

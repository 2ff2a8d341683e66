/**
 * The kubelet's events as its parts report them: an image pull, a probe or a
 * pod worker says what happened (Pulling, Pulled, Created, Started, Killing,
 * BackOff, Failed, Unhealthy) and, usually, about which container. The pod
 * worker writes them through the node's client recorder (src/client/events.ts:
 * source component `kubelet`, host the node name), which counts repeats.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from '../client/index.js';

export interface PodEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** `involvedObject.fieldPath`, e.g. `spec.containers{app}` */
  fieldPath?: string;
}

/** Records `ev` about `pod` (its metadata names it; a Pod from a list may carry no kind). */
export function recordPodEvent(rec: EventRecorder, pod: Readonly<Pod>, ev: PodEvent): void {
  rec.event({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, ev.type, ev.reason, ev.message, { fieldPath: ev.fieldPath });
}

/**
 * Static pods (from manifest files) have no API object of their own; a
 * mirror pod in the API stands for each. The pod watch hands mirror pods
 * to the static-pod manager instead of running them, and a static pod's
 * status and events go to its mirror, where kubectl looks.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

export const ANNOTATION_MIRROR = 'kubernetes.io/config.mirror';

/** The mirror pod in the API that stands for a static pod. */
export interface MirrorRef {
  name: string;
  namespace: string;
  uid: string;
}

/** Receives mirror pods from the pod watch (the static-pod manager); they are never run themselves. */
export type MirrorHandler = (pod: Pod, deleted: boolean) => void;

export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[ANNOTATION_MIRROR] !== undefined;
}

/** `pod` named as its mirror, so an event about it lands on the mirror; without a mirror, `pod` itself. */
export function asMirror(pod: Pod, mirror: MirrorRef | undefined): Pod {
  // The static pod's resourceVersion means nothing for the mirror object.
  return mirror ? { ...pod, metadata: { ...pod.metadata, name: mirror.name, namespace: mirror.namespace, uid: mirror.uid, resourceVersion: undefined } } : pod;
}

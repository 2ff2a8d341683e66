/**
 * Pod workers: drive the container runtime toward each pod's spec — sandbox,
 * then init containers strictly in order, then app containers — restart
 * exited containers per restartPolicy with crash-loop back-off, publish the
 * pod's status, kill pods being deleted (preStop, TERM, grace, KILL), then
 * confirm the deletion to the API. Syncs are level-based: each reads the
 * runtime's current state for the pod and acts on it, whatever woke it (a
 * pod change, the relist noticing a container change, a back-off timer).
 */
export { PodWorkers } from './workers.js';
export type { PodWorkerDeps } from './context.js';
export { ANNOTATION_MIRROR, type MirrorRef } from './mirror.js';
export { runtimeSignature } from './runtime.js';

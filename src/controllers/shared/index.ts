/**
 * Plumbing shared by the workload controllers. Read this before writing one.
 *
 * - controller.ts: `ControllerContext` (client, shared informers, logger,
 *   event recorder, queue factory) handed to every controller;
 *   `RunningController` (run(workers)/stop()); `runSyncWorkers` (the client's
 *   runWorkers: throw → backoff, `{ requeueAfterMs }` → timed requeue,
 *   `TerminalError` → drop); `ensureIndex` for indexes on shared informers
 *   (`controllerUidIndex` indexes pods by their controller's uid); `withKind`.
 * - expectations.ts: `ControllerExpectations` — call expectCreations /
 *   expectDeletions before writing, creationObserved / deletionObserved from
 *   informer handlers, and skip acting in sync while !satisfied(key).
 * - controller-ref.ts: `ControllerRefManager.claim(objs)` adopts matching
 *   orphans (after re-reading the owner live) and releases owned objects that
 *   stopped matching; `releaseOwnerRef`.
 * - pod-control.ts: `PodControl.createPod/deletePod` (ownerReference,
 *   generateName `<owner>-`, SuccessfulCreate/SuccessfulDelete events),
 *   `podFromTemplate`, `slowStartBatch` (1, 2, 4, ... creations).
 * - pod-util.ts: isPodReady / isPodAvailable / isPodActive, and
 *   `compareForDeletion` / `podsToDelete` (least valuable pod first).
 * - hash.ts: `computePodTemplateHash` (FNV-1a + collisionCount,
 *   SafeEncodeString) and `hashControllerRevision` (FNV-1).
 * - events.ts: `Recorder` (the `event()` of the client's recorder, which
 *   startControllers makes per component), `memoryRecorder()` for tests.
 * - resources.ts: `gvr` addresses, keyOf/splitKey, getControllerOf,
 *   newControllerRef, isControlledBy.
 * - testing.ts (tests only): a real in-process API server wired to informers,
 *   plus helpers to play the kubelet.
 */
export * from './controller.js';
export * from './controller-ref.js';
export * from './events.js';
export * from './expectations.js';
export * from './hash.js';
export * from './pod-control.js';
export * from './pod-util.js';
export * from './resources.js';

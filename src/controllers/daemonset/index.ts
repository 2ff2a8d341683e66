/** The DaemonSet controller, and the ControllerRevision history it shares with StatefulSets. */
export { DaemonSetController, daemonSetGVK, templateGenerationLabel, type DaemonSetControllerOptions } from './controller.js';
export { daemonTolerations, nodeShouldRunDaemonPod, pinToNode, targetNodeName, templateForNode, scaledValue } from './nodes.js';
export { ensureRevision, cleanupRevisions, revisionData, templateOf, sameData, maxRevision, revisionHashLabel, type RevisionObj, type EnsureRevisionResult } from './history.js';

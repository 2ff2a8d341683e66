/** The node lifecycle controller: unreachable nodes go Unknown, get NoExecute taints, and their pods are evicted. */
export { startNodeLifecycleController, type NodeLifecycleOptions, type RunningNodeLifecycle } from './controller.js';
export { desiredTaints, evictionTime, unreachableTaintKey, notReadyTaintKey } from './taints.js';

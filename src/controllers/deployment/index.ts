/** The Deployment controller and the revision/fencepost arithmetic kubectl-facing code may want. */
export { DeploymentController, type DeploymentControllerOptions } from './controller.js';
export {
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  changeCauseAnnotation,
  podTemplateHashLabel,
  resolveFenceposts,
  maxSurge,
  maxUnavailable,
  equalIgnoreHash,
  reasons as deploymentReasons,
} from './util.js';

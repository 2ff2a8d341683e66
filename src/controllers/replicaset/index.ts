/** One engine for ReplicaSets and ReplicationControllers. */
export {
  ReplicaSetController,
  replicaSetKind,
  replicationControllerKind,
  burstReplicas,
  slowStartInitialBatchSize,
  type ReplicaKind,
  type ReplicaSetControllerOptions,
  type ReplicaSetLike,
} from './controller.js';

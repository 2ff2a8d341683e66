export { defaultPod, defaultPodSpec, defaultPodTemplateSpec, defaultContainer, defaultVolume, imageTag, defaultFileMode } from './pod.js';
export {
  defaultDeployment,
  defaultReplicaSet,
  defaultDaemonSet,
  defaultStatefulSet,
  defaultReplicationController,
  defaultJob,
  defaultCronJob,
} from './workloads.js';
export {
  defaultNamespace,
  namespaceNameLabel,
  defaultService,
  defaultSecret,
  defaultPersistentVolumeClaim,
  defaultPersistentVolume,
  defaultNode,
  defaultEndpoints,
  defaultEndpointSlice,
  defaultLimitRange,
  defaultPodTemplate,
  defaultRoleBinding,
  defaultStorageClass,
} from './core.js';
export { defaultHorizontalPodAutoscaler, defaultCPUUtilization } from './hpa.js';

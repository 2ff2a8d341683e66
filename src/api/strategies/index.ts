/**
 * Every kind's strategy, keyed "<group>/<resource>" (group '' for core:
 * "/pods", "apps/deployments"). Types served at two versions share one entry.
 */
import type { Strategy } from '../types.js';
import { deploymentStrategy, replicaSetStrategy, daemonSetStrategy, statefulSetStrategy, controllerRevisionStrategy } from './apps/workloads.js';
import { hpaStrategy } from './autoscaling/hpa.js';
import { cronJobStrategy } from './batch/cronjob.js';
import { jobStrategy } from './batch/job.js';
import { namespaceStrategy } from './core/namespace.js';
import { podStrategy } from './core/pod.js';
import { serviceStrategy } from './core/service.js';
import {
  configMapStrategy,
  endpointsStrategy,
  limitRangeStrategy,
  nodeStrategy,
  persistentVolumeClaimStrategy,
  persistentVolumeStrategy,
  podTemplateStrategy,
  replicationControllerStrategy,
  resourceQuotaStrategy,
  secretStrategy,
  serviceAccountStrategy,
} from './core/simple.js';
import { eventStrategy } from './events/event.js';
import {
  clusterRoleBindingStrategy,
  clusterRoleStrategy,
  endpointSliceStrategy,
  leaseStrategy,
  podDisruptionBudgetStrategy,
  podPresetStrategy,
  roleBindingStrategy,
  roleStrategy,
  storageClassStrategy,
} from './other.js';

export const strategies: Record<string, Strategy> = {
  '/namespaces': namespaceStrategy,
  '/pods': podStrategy,
  '/nodes': nodeStrategy,
  '/services': serviceStrategy,
  '/endpoints': endpointsStrategy,
  '/configmaps': configMapStrategy,
  '/secrets': secretStrategy,
  '/events': eventStrategy,
  '/serviceaccounts': serviceAccountStrategy,
  '/persistentvolumes': persistentVolumeStrategy,
  '/persistentvolumeclaims': persistentVolumeClaimStrategy,
  '/replicationcontrollers': replicationControllerStrategy,
  '/limitranges': limitRangeStrategy,
  '/resourcequotas': resourceQuotaStrategy,
  '/podtemplates': podTemplateStrategy,
  'apps/deployments': deploymentStrategy,
  'apps/replicasets': replicaSetStrategy,
  'apps/statefulsets': statefulSetStrategy,
  'apps/daemonsets': daemonSetStrategy,
  'apps/controllerrevisions': controllerRevisionStrategy,
  'batch/jobs': jobStrategy,
  'batch/cronjobs': cronJobStrategy,
  'autoscaling/horizontalpodautoscalers': hpaStrategy,
  'coordination.k8s.io/leases': leaseStrategy,
  'discovery.k8s.io/endpointslices': endpointSliceStrategy,
  'rbac.authorization.k8s.io/roles': roleStrategy,
  'rbac.authorization.k8s.io/clusterroles': clusterRoleStrategy,
  'rbac.authorization.k8s.io/rolebindings': roleBindingStrategy,
  'rbac.authorization.k8s.io/clusterrolebindings': clusterRoleBindingStrategy,
  'storage.k8s.io/storageclasses': storageClassStrategy,
  'policy/poddisruptionbudgets': podDisruptionBudgetStrategy,
  'settings.k8s.io/podpresets': podPresetStrategy,
};

export { makeStrategy, type KindRules } from './common.js';
export { prepareNamespaceFinalize } from './core/namespace.js';
export { podQOSClass, type QOSClass } from './core/qos.js';
export { generateJobSelector } from './batch/job.js';
export { coreEventToEventsV1, eventsV1ToCoreEvent } from './events/event.js';
export { hpaV1ToV2, hpaV2ToV1, hpaAnnotations } from './autoscaling/hpa-conversion.js';

/**
 * Table printers: the columns and cells `kubectl get` shows, reproducing
 * Kubernetes 1.30's pkg/printers/internalversion. The API server builds a
 * `meta.k8s.io/v1` Table from `printerFor(group, resource)`; every row holds
 * one cell per column, wide columns included (kubectl hides priority 1).
 *
 * Printers take the object in the version the client asked for; where a
 * type is served at several versions (autoscaling v1/v2 HPAs, core and
 * events.k8s.io events) the printer reads either shape.
 */
import type { TablePrinter } from '../types.js';
import { horizontalPodAutoscalerPrinter } from './autoscaling.js';
import {
  certificateSigningRequestPrinter,
  clusterRoleBindingPrinter,
  componentStatusPrinter,
  leasePrinter,
  mutatingWebhookPrinter,
  namespacePrinter,
  nodePrinter,
  priorityClassPrinter,
  roleBindingPrinter,
  runtimeClassPrinter,
  validatingWebhookPrinter,
} from './cluster.js';
import { configMapPrinter, resourceQuotaPrinter, secretPrinter, serviceAccountPrinter } from './config.js';
import { defaultPrinter } from './default.js';
import { eventPrinter } from './events.js';
import { endpointSlicePrinter, endpointsPrinter, ingressClassPrinter, ingressPrinter, networkPolicyPrinter, servicePrinter } from './networking.js';
import { podPrinter, podTemplatePrinter } from './pods.js';
import { csiDriverPrinter, csiNodePrinter, persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter, volumeAttachmentPrinter } from './storage.js';
import {
  controllerRevisionPrinter,
  cronJobPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  jobPrinter,
  podDisruptionBudgetPrinter,
  replicaSetPrinter,
  replicationControllerPrinter,
  statefulSetPrinter,
} from './workloads.js';

export { defaultPrinter } from './default.js';
export { translateAge, humanDuration } from './format.js';
export { podSummary, type PodSummary } from './pods.js';

/** Printers keyed `<group>/<resource>`, group '' for core (`/pods`, `apps/deployments`). */
export const printers: Record<string, TablePrinter> = {
  '/pods': podPrinter,
  '/podtemplates': podTemplatePrinter,
  '/replicationcontrollers': replicationControllerPrinter,
  '/services': servicePrinter,
  '/endpoints': endpointsPrinter,
  '/nodes': nodePrinter,
  '/events': eventPrinter,
  '/namespaces': namespacePrinter,
  '/secrets': secretPrinter,
  '/configmaps': configMapPrinter,
  '/serviceaccounts': serviceAccountPrinter,
  '/persistentvolumes': persistentVolumePrinter,
  '/persistentvolumeclaims': persistentVolumeClaimPrinter,
  '/resourcequotas': resourceQuotaPrinter,
  '/componentstatuses': componentStatusPrinter,
  'apps/replicasets': replicaSetPrinter,
  'apps/deployments': deploymentPrinter,
  'apps/daemonsets': daemonSetPrinter,
  'apps/statefulsets': statefulSetPrinter,
  'apps/controllerrevisions': controllerRevisionPrinter,
  'batch/jobs': jobPrinter,
  'batch/cronjobs': cronJobPrinter,
  'autoscaling/horizontalpodautoscalers': horizontalPodAutoscalerPrinter,
  'policy/poddisruptionbudgets': podDisruptionBudgetPrinter,
  'discovery.k8s.io/endpointslices': endpointSlicePrinter,
  'networking.k8s.io/ingresses': ingressPrinter,
  'networking.k8s.io/ingressclasses': ingressClassPrinter,
  'networking.k8s.io/networkpolicies': networkPolicyPrinter,
  'events.k8s.io/events': eventPrinter,
  'coordination.k8s.io/leases': leasePrinter,
  'rbac.authorization.k8s.io/rolebindings': roleBindingPrinter,
  'rbac.authorization.k8s.io/clusterrolebindings': clusterRoleBindingPrinter,
  'scheduling.k8s.io/priorityclasses': priorityClassPrinter,
  'node.k8s.io/runtimeclasses': runtimeClassPrinter,
  'storage.k8s.io/storageclasses': storageClassPrinter,
  'storage.k8s.io/csidrivers': csiDriverPrinter,
  'storage.k8s.io/csinodes': csiNodePrinter,
  'storage.k8s.io/volumeattachments': volumeAttachmentPrinter,
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': mutatingWebhookPrinter,
  'admissionregistration.k8s.io/validatingwebhookconfigurations': validatingWebhookPrinter,
  'certificates.k8s.io/certificatesigningrequests': certificateSigningRequestPrinter,
};

/** The printer for a resource, or the default NAME / CREATED AT table. */
export function printerFor(group: string, resource: string): TablePrinter {
  return printers[`${group}/${resource}`] ?? defaultPrinter;
}

/**
 * The resource types components address most, so a controller writes
 * `client.resource(resources.pods, ns)` instead of spelling group and
 * version each time. Versions are the ones skiff serves as preferred.
 */
import type { GroupVersionResource } from './types.js';

const gvr = (group: string, version: string, resource: string): GroupVersionResource => Object.freeze({ group, version, resource });

export const resources = Object.freeze({
  pods: gvr('', 'v1', 'pods'),
  nodes: gvr('', 'v1', 'nodes'),
  services: gvr('', 'v1', 'services'),
  endpoints: gvr('', 'v1', 'endpoints'),
  events: gvr('', 'v1', 'events'),
  namespaces: gvr('', 'v1', 'namespaces'),
  configmaps: gvr('', 'v1', 'configmaps'),
  secrets: gvr('', 'v1', 'secrets'),
  serviceaccounts: gvr('', 'v1', 'serviceaccounts'),
  replicationcontrollers: gvr('', 'v1', 'replicationcontrollers'),
  pvcs: gvr('', 'v1', 'persistentvolumeclaims'),
  pvs: gvr('', 'v1', 'persistentvolumes'),
  limitranges: gvr('', 'v1', 'limitranges'),
  resourcequotas: gvr('', 'v1', 'resourcequotas'),
  leases: gvr('coordination.k8s.io', 'v1', 'leases'),
  replicasets: gvr('apps', 'v1', 'replicasets'),
  deployments: gvr('apps', 'v1', 'deployments'),
  daemonsets: gvr('apps', 'v1', 'daemonsets'),
  statefulsets: gvr('apps', 'v1', 'statefulsets'),
  controllerrevisions: gvr('apps', 'v1', 'controllerrevisions'),
  jobs: gvr('batch', 'v1', 'jobs'),
  cronjobs: gvr('batch', 'v1', 'cronjobs'),
  hpas: gvr('autoscaling', 'v2', 'horizontalpodautoscalers'),
  endpointslices: gvr('discovery.k8s.io', 'v1', 'endpointslices'),
  pdbs: gvr('policy', 'v1', 'poddisruptionbudgets'),
  podpresets: gvr('settings.k8s.io', 'v1alpha1', 'podpresets'),
});

/** `apps/v1` or `v1`: the apiVersion objects of this type carry. */
export function apiVersionFor(g: GroupVersionResource): string {
  return g.group ? `${g.group}/${g.version}` : g.version;
}

/** `pods.v1` or `deployments.v1.apps`, as Kubernetes names a GVR in logs. */
export function gvrString(g: GroupVersionResource): string {
  return g.group ? `${g.resource}.${g.version}.${g.group}` : `${g.resource}.${g.version}`;
}

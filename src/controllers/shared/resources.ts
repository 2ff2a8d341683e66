/** The resource addresses controllers use, and owner-reference helpers. */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { GroupVersionResource } from '../../client/types.js';
import type { KObject } from '../../api/types.js';

export const gvr = {
  pods: { group: '', version: 'v1', resource: 'pods' },
  nodes: { group: '', version: 'v1', resource: 'nodes' },
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  events: { group: '', version: 'v1', resource: 'events' },
  replicationcontrollers: { group: '', version: 'v1', resource: 'replicationcontrollers' },
  persistentvolumeclaims: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  replicasets: { group: 'apps', version: 'v1', resource: 'replicasets' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  daemonsets: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  statefulsets: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  controllerrevisions: { group: 'apps', version: 'v1', resource: 'controllerrevisions' },
  jobs: { group: 'batch', version: 'v1', resource: 'jobs' },
  cronjobs: { group: 'batch', version: 'v1', resource: 'cronjobs' },
} as const satisfies Record<string, GroupVersionResource>;

/** apiVersion + kind of an owner, as ownerReferences carry them. */
export interface GroupVersionKind {
  apiVersion: string;
  kind: string;
}

/** `namespace/name` (or `name` for cluster-scoped objects), the key informers and queues use. */
export function keyOf(obj: Readonly<KObject>): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : `${m.name}`;
}

/** Splits a key back into namespace (maybe '') and name. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** The ownerReference with controller=true, if any (metav1.GetControllerOf). */
export function getControllerOf(obj: Readonly<KObject>): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** metav1.NewControllerRef: the reference a controller stamps on what it creates or adopts. */
export function newControllerRef(owner: Readonly<KObject>, gvk: GroupVersionKind): OwnerReference {
  return {
    apiVersion: gvk.apiVersion,
    kind: gvk.kind,
    name: owner.metadata!.name!,
    uid: owner.metadata!.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether `obj` is controlled by exactly `owner` (same uid). */
export function isControlledBy(obj: Readonly<KObject>, owner: Readonly<KObject>): boolean {
  const ref = getControllerOf(obj);
  return !!ref && ref.uid === owner.metadata?.uid;
}

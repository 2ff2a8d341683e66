/**
 * Storage key layout, as in Kubernetes: `/registry/<resource>/<namespace>/<name>`
 * for namespaced resources and `/registry/<resource>/<name>` for cluster-scoped
 * ones. Versions of one resource (autoscaling v1/v2) share the storage resource.
 */
import type { ResourceType } from '../../api/types.js';

export function objectKey(rt: ResourceType, namespace: string | undefined, name: string): string {
  return rt.namespaced ? `/registry/${rt.storage.resource}/${namespace}/${name}` : `/registry/${rt.storage.resource}/${name}`;
}

/** Prefix of every key of the resource, or of one namespace of it. Ends with `/`. */
export function collectionPrefix(rt: ResourceType, namespace?: string): string {
  return rt.namespaced && namespace ? `/registry/${rt.storage.resource}/${namespace}/` : `/registry/${rt.storage.resource}/`;
}

/** Small ResourceType builders for the openapi tests (the real kinds table lives in src/api). */
import { allVerbs, type ResourceType, type SubresourceName } from '../../api/types.js';

export function resourceType(
  group: string,
  version: string,
  resource: string,
  kind: string,
  opts: { namespaced?: boolean; subresources?: SubresourceName[]; verbs?: ResourceType['verbs'] } = {},
): ResourceType {
  return {
    group,
    version,
    resource,
    kind,
    listKind: `${kind}List`,
    singular: kind.toLowerCase(),
    namespaced: opts.namespaced ?? true,
    shortNames: [],
    categories: [],
    verbs: opts.verbs ?? allVerbs,
    subresources: opts.subresources ?? [],
    storage: { resource, group, version },
    preferred: true,
    strategy: {},
  };
}

export const testResources: ResourceType[] = [
  resourceType('', 'v1', 'pods', 'Pod', { subresources: ['status', 'binding', 'eviction', 'log', 'exec', 'ephemeralcontainers'] }),
  resourceType('', 'v1', 'namespaces', 'Namespace', { namespaced: false, subresources: ['status', 'finalize'] }),
  resourceType('', 'v1', 'nodes', 'Node', { namespaced: false, subresources: ['status'] }),
  resourceType('', 'v1', 'configmaps', 'ConfigMap'),
  resourceType('apps', 'v1', 'deployments', 'Deployment', { subresources: ['status', 'scale'] }),
  resourceType('authentication.k8s.io', 'v1', 'tokenreviews', 'TokenReview', { namespaced: false, verbs: ['create'] }),
  resourceType('settings.k8s.io', 'v1alpha1', 'podpresets', 'PodPreset'),
];

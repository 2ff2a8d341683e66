/** The kinds of the small groups: coordination, discovery, rbac, storage, policy, settings. */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { KObject } from '../types.js';
import { defaultEndpointSlice, defaultRoleBinding, defaultStorageClass } from '../defaults/core.js';
import {
  validateEndpointSlice,
  validateLease,
  validatePodDisruptionBudget,
  validatePodPreset,
  validateRole,
  validateRoleBinding,
  validateRoleBindingUpdate,
  validateStorageClass,
  validateStorageClassUpdate,
  type PodPresetSpec,
} from '../validation/misc.js';
import { makeStrategy } from './common.js';

export const leaseStrategy = makeStrategy<Lease>({ namespaced: true, validate: validateLease });

export const endpointSliceStrategy = makeStrategy<EndpointSlice>({ namespaced: true, default: defaultEndpointSlice, validate: validateEndpointSlice });

// RBAC names may be any path segment (e.g. system:controller:foo), as Kubernetes' ValidateRBACName allows.
const rbacName = (name: string): string[] => {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  if (name.includes('/')) return [`may not contain '/'`];
  if (name.includes('%')) return [`may not contain '%'`];
  return [];
};

export const roleStrategy = makeStrategy<Role>({ namespaced: true, name: rbacName, validate: validateRole });
export const clusterRoleStrategy = makeStrategy<ClusterRole>({ namespaced: false, name: rbacName, validate: validateRole });
export const roleBindingStrategy = makeStrategy<RoleBinding>({
  namespaced: true,
  name: rbacName,
  default: defaultRoleBinding,
  validate: (rb) => validateRoleBinding(rb, false),
  validateUpdate: validateRoleBindingUpdate,
});
export const clusterRoleBindingStrategy = makeStrategy<ClusterRoleBinding>({
  namespaced: false,
  name: rbacName,
  default: defaultRoleBinding,
  validate: (rb) => validateRoleBinding(rb, true),
  validateUpdate: validateRoleBindingUpdate,
});

export const storageClassStrategy = makeStrategy<StorageClass>({
  namespaced: false,
  default: defaultStorageClass,
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
});

export const podDisruptionBudgetStrategy = makeStrategy<PodDisruptionBudget>({
  namespaced: true,
  status: true,
  generation: true,
  validate: validatePodDisruptionBudget,
});

/** settings.k8s.io/v1alpha1 PodPreset (removed upstream in 1.20): spec.selector, env, envFrom, volumes, volumeMounts. */
export interface PodPreset extends KObject {
  spec?: PodPresetSpec;
}

export const podPresetStrategy = makeStrategy<PodPreset>({ namespaced: true, validate: (pp) => validatePodPreset(pp.spec) });

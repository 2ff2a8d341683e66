/** The core kinds whose strategy is mostly their defaults and validation. */
import type {
  ConfigMap,
  Endpoints,
  LimitRange,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  PodTemplate,
  ReplicationController,
  ResourceQuota,
  Secret,
  ServiceAccount,
} from 'kubernetes-types/core/v1.js';
import {
  defaultEndpoints,
  defaultLimitRange,
  defaultNode,
  defaultPersistentVolume,
  defaultPersistentVolumeClaim,
  defaultPodTemplate,
  defaultSecret,
} from '../../defaults/core.js';
import { defaultReplicationController } from '../../defaults/workloads.js';
import { validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate } from '../../validation/config.js';
import {
  validateEndpoints,
  validateLimitRange,
  validateNode,
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimUpdate,
  validateResourceQuota,
} from '../../validation/misc.js';
import { validatePodTemplateSpec } from '../../validation/pod.js';
import { validateReplicationControllerSpec } from '../../validation/workloads.js';
import { makeStrategy, str } from '../common.js';

export const configMapStrategy = makeStrategy<ConfigMap>({ namespaced: true, validate: validateConfigMap, validateUpdate: validateConfigMapUpdate });

export const secretStrategy = makeStrategy<Secret>({
  namespaced: true,
  default: defaultSecret,
  validate: validateSecret,
  validateUpdate: validateSecretUpdate,
  selectableFields: (s) => ({ type: str(s.type) }),
});

export const endpointsStrategy = makeStrategy<Endpoints>({ namespaced: true, default: defaultEndpoints, validate: validateEndpoints });

export const serviceAccountStrategy = makeStrategy<ServiceAccount>({ namespaced: true });

export const nodeStrategy = makeStrategy<Node>({
  namespaced: false,
  status: true,
  default: defaultNode,
  // A node registers with its status; the kubelet keeps it current through /status.
  initialStatus: (node) => node.status,
  validate: validateNode,
  selectableFields: (node) => ({ 'spec.unschedulable': String(node.spec?.unschedulable === true) }),
});

export const persistentVolumeStrategy = makeStrategy<PersistentVolume>({
  namespaced: false,
  status: true,
  default: defaultPersistentVolume,
  initialStatus: () => ({ phase: 'Pending' }),
  validate: validatePersistentVolume,
});

export const persistentVolumeClaimStrategy = makeStrategy<PersistentVolumeClaim>({
  namespaced: true,
  status: true,
  default: defaultPersistentVolumeClaim,
  initialStatus: () => ({ phase: 'Pending' }),
  validate: validatePersistentVolumeClaim,
  validateUpdate: validatePersistentVolumeClaimUpdate,
});

export const replicationControllerStrategy = makeStrategy<ReplicationController>({
  namespaced: true,
  status: true,
  generation: true,
  default: defaultReplicationController,
  validate: validateReplicationControllerSpec,
  selectableFields: (rc) => ({ 'status.replicas': str(rc.status?.replicas ?? 0) }),
});

export const limitRangeStrategy = makeStrategy<LimitRange>({ namespaced: true, default: defaultLimitRange, validate: validateLimitRange });

export const resourceQuotaStrategy = makeStrategy<ResourceQuota>({ namespaced: true, status: true, validate: validateResourceQuota });

export const podTemplateStrategy = makeStrategy<PodTemplate>({
  namespaced: true,
  default: defaultPodTemplate,
  validate: (pt) => validatePodTemplateSpec(pt.template, 'template'),
});

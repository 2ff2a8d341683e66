/** apps/v1 controllers: generation tracking, status ignored on the main resource, immutable selectors. */
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import { field } from '../../errors.js';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from '../../defaults/workloads.js';
import { deepEqual, immutable } from '../../validation/common.js';
import {
  validateDaemonSetSpec,
  validateDeploymentSpec,
  validateReplicaSetSpec,
  validateSelectorUpdate,
  validateStatefulSetSpec,
  validateStatefulSetUpdate,
} from '../../validation/workloads.js';
import { makeStrategy, str } from '../common.js';

export const deploymentStrategy = makeStrategy<Deployment>({
  namespaced: true,
  status: true,
  // The controller records deployment.kubernetes.io/revision with UpdateStatus, as Kubernetes allows.
  statusAnnotations: true,
  // Annotations count too: they are copied to the ReplicaSets the controller makes.
  generation: (d, old) => !deepEqual(d.spec, old.spec) || !deepEqual(d.metadata?.annotations, old.metadata?.annotations),
  default: defaultDeployment,
  validate: validateDeploymentSpec,
  validateUpdate: (d, old) => validateSelectorUpdate(d.spec?.selector, old.spec?.selector),
});

export const replicaSetStrategy = makeStrategy<ReplicaSet>({
  namespaced: true,
  status: true,
  generation: true,
  default: defaultReplicaSet,
  validate: validateReplicaSetSpec,
  validateUpdate: (rs, old) => validateSelectorUpdate(rs.spec?.selector, old.spec?.selector),
  selectableFields: (rs) => ({ 'status.replicas': str(rs.status?.replicas ?? 0) }),
});

export const daemonSetStrategy = makeStrategy<DaemonSet>({
  namespaced: true,
  status: true,
  generation: true,
  default: defaultDaemonSet,
  validate: validateDaemonSetSpec,
  validateUpdate: (ds, old) => validateSelectorUpdate(ds.spec?.selector, old.spec?.selector),
});

export const statefulSetStrategy = makeStrategy<StatefulSet>({
  namespaced: true,
  status: true,
  generation: true,
  default: defaultStatefulSet,
  validate: validateStatefulSetSpec,
  validateUpdate: (sts, old) => [...validateSelectorUpdate(sts.spec?.selector, old.spec?.selector), ...validateStatefulSetUpdate(sts, old)],
});

export const controllerRevisionStrategy = makeStrategy<ControllerRevision>({
  namespaced: true,
  validate: (cr) => (cr.revision == null || cr.revision < 0 ? [field.invalid('revision', cr.revision ?? 0, 'must be greater than or equal to 0')] : []),
  validateUpdate: (cr, old) => immutable(cr.data, old.data, 'data'),
});

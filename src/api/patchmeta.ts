/**
 * How lists and maps of the built-in types merge: the Go struct tags
 * (`patchStrategy`, `patchMergeKey`) and the `+listType`, `+listMapKeys`,
 * `+mapType` and `+structType` markers of the Kubernetes 1.30 API types.
 *
 * kubernetes-types drops these tags, so they are written down here by hand.
 * Strategic merge patch reads `mergeKey`/`strategy`; server-side apply reads
 * `listType`/`listMapKeys`/`mapType` (and, like structured-merge-diff, falls
 * back to the merge key when a list has no `listType`). The OpenAPI generator
 * copies both into the `x-kubernetes-*` extensions.
 *
 * Keys are OpenAPI definition names (`io.k8s.api.core.v1.PodSpec`) and JSON
 * field names. A field absent here merges the default way: struct fields
 * recursively, maps key by key, lists replaced whole.
 */

export type PatchStrategy = 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';

export interface FieldPatchMeta {
  /** `patchMergeKey`: the element field that identifies list items in a strategic merge patch. */
  mergeKey?: string;
  /** `patchStrategy`. */
  strategy?: PatchStrategy;
  /** `+listType`: atomic lists are replaced whole by apply, sets hold unique scalars, maps are keyed by `listMapKeys`. */
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  /** `+mapType` on a map field (and `+structType` for whole types, see `structTypes`). */
  mapType?: 'atomic' | 'granular';
}

const core = 'io.k8s.api.core.v1.';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const apps = 'io.k8s.api.apps.v1.';
const batch = 'io.k8s.api.batch.v1.';

const atomic: FieldPatchMeta = { listType: 'atomic' };
const set: FieldPatchMeta = { listType: 'set' };
const atomicMap: FieldPatchMeta = { mapType: 'atomic' };
const granularMap: FieldPatchMeta = { mapType: 'granular' };
const mergeBy = (mergeKey: string, more: FieldPatchMeta = {}): FieldPatchMeta => ({ mergeKey, strategy: 'merge', ...more });
const keyedBy = (...listMapKeys: string[]): FieldPatchMeta => ({ listType: 'map', listMapKeys });
/** The usual shape of a status's condition list: one entry per `type`. */
const conditions: FieldPatchMeta = { mergeKey: 'type', strategy: 'merge', listType: 'map', listMapKeys: ['type'] };
const conditionsNoListType: FieldPatchMeta = { mergeKey: 'type', strategy: 'merge' };

/** The per-container lists, shared by Container and EphemeralContainer. */
const containerFields: Record<string, FieldPatchMeta> = {
  ports: { mergeKey: 'containerPort', strategy: 'merge', listType: 'map', listMapKeys: ['containerPort', 'protocol'] },
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
  resizePolicy: atomic,
  command: atomic,
  args: atomic,
  envFrom: atomic,
};

const podSpecFields: Record<string, FieldPatchMeta> = {
  volumes: mergeBy('name', { strategy: 'merge,retainKeys' }),
  initContainers: mergeBy('name', keyedBy('name')),
  containers: mergeBy('name', keyedBy('name')),
  ephemeralContainers: mergeBy('name', keyedBy('name')),
  imagePullSecrets: mergeBy('name'),
  hostAliases: mergeBy('ip'),
  tolerations: atomic,
  readinessGates: atomic,
  nodeSelector: atomicMap,
  topologySpreadConstraints: mergeBy('topologyKey', keyedBy('topologyKey', 'whenUnsatisfiable')),
  resourceClaims: mergeBy('name', { strategy: 'merge,retainKeys', ...keyedBy('name') }),
  schedulingGates: mergeBy('name', keyedBy('name')),
};

export const patchMeta: Readonly<Record<string, Readonly<Record<string, FieldPatchMeta>>>> = {
  // ---- meta/v1
  [meta + 'ObjectMeta']: {
    finalizers: { strategy: 'merge', listType: 'set' },
    ownerReferences: mergeBy('uid', keyedBy('uid')),
  },
  [meta + 'LabelSelector']: { matchExpressions: atomic },
  [meta + 'LabelSelectorRequirement']: { values: atomic },
  [meta + 'StatusDetails']: { causes: atomic },
  [meta + 'APIResource']: { categories: atomic, shortNames: atomic },
  [meta + 'DeleteOptions']: { dryRun: atomic },

  // ---- core/v1: pods and their parts
  [core + 'PodSpec']: podSpecFields,
  [core + 'Container']: containerFields,
  [core + 'EphemeralContainer']: containerFields,
  [core + 'PodStatus']: {
    conditions: conditionsNoListType,
    podIPs: mergeBy('ip'),
    hostIPs: mergeBy('ip', atomic),
    resourceClaimStatuses: mergeBy('name', { strategy: 'merge,retainKeys', ...keyedBy('name') }),
    initContainerStatuses: atomic,
    containerStatuses: atomic,
    ephemeralContainerStatuses: atomic,
  },
  [core + 'PodSecurityContext']: { supplementalGroups: atomic, sysctls: atomic },
  [core + 'Capabilities']: { add: atomic, drop: atomic },
  [core + 'PodDNSConfig']: { nameservers: atomic, searches: atomic, options: atomic },
  [core + 'HostAlias']: { hostnames: atomic },
  [core + 'ExecAction']: { command: atomic },
  [core + 'HTTPGetAction']: { httpHeaders: atomic },
  [core + 'TopologySpreadConstraint']: { matchLabelKeys: atomic },
  [core + 'NodeAffinity']: { preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [core + 'PodAffinity']: {
    requiredDuringSchedulingIgnoredDuringExecution: atomic,
    preferredDuringSchedulingIgnoredDuringExecution: atomic,
  },
  [core + 'PodAntiAffinity']: {
    requiredDuringSchedulingIgnoredDuringExecution: atomic,
    preferredDuringSchedulingIgnoredDuringExecution: atomic,
  },
  [core + 'PodAffinityTerm']: { namespaces: atomic, matchLabelKeys: atomic, mismatchLabelKeys: atomic },
  [core + 'NodeSelector']: { nodeSelectorTerms: atomic },
  [core + 'NodeSelectorTerm']: { matchExpressions: atomic, matchFields: atomic },
  [core + 'NodeSelectorRequirement']: { values: atomic },
  [core + 'TopologySelectorTerm']: { matchLabelExpressions: atomic },
  [core + 'TopologySelectorLabelRequirement']: { values: atomic },
  [core + 'ResourceRequirements']: { claims: keyedBy('name') },
  [core + 'ConfigMapVolumeSource']: { items: atomic },
  [core + 'SecretVolumeSource']: { items: atomic },
  [core + 'ConfigMapProjection']: { items: atomic },
  [core + 'SecretProjection']: { items: atomic },
  [core + 'DownwardAPIVolumeSource']: { items: atomic },
  [core + 'DownwardAPIProjection']: { items: atomic },
  [core + 'ProjectedVolumeSource']: { sources: atomic },
  [core + 'CephFSVolumeSource']: { monitors: atomic },
  [core + 'CephFSPersistentVolumeSource']: { monitors: atomic },
  [core + 'RBDVolumeSource']: { monitors: atomic },
  [core + 'RBDPersistentVolumeSource']: { monitors: atomic },
  [core + 'ISCSIVolumeSource']: { portals: atomic },
  [core + 'ISCSIPersistentVolumeSource']: { portals: atomic },
  [core + 'FCVolumeSource']: { targetWWNs: atomic, wwids: atomic },

  // ---- core/v1: services, endpoints
  [core + 'ServiceSpec']: {
    ports: { mergeKey: 'port', strategy: 'merge', listType: 'map', listMapKeys: ['port', 'protocol'] },
    selector: atomicMap,
    clusterIPs: atomic,
    externalIPs: atomic,
    ipFamilies: atomic,
    loadBalancerSourceRanges: atomic,
  },
  [core + 'ServiceStatus']: { conditions },
  [core + 'LoadBalancerStatus']: { ingress: atomic },
  [core + 'LoadBalancerIngress']: { ports: atomic },
  [core + 'Endpoints']: { subsets: atomic },
  [core + 'EndpointSubset']: { addresses: atomic, notReadyAddresses: atomic, ports: atomic },

  // ---- core/v1: nodes, namespaces, volumes and the rest
  [core + 'NodeSpec']: { podCIDRs: { strategy: 'merge', listType: 'set' }, taints: atomic },
  [core + 'NodeStatus']: {
    conditions: conditionsNoListType,
    addresses: mergeBy('type'),
    volumesInUse: atomic,
    volumesAttached: atomic,
    images: atomic,
  },
  [core + 'ContainerImage']: { names: atomic },
  [core + 'NamespaceSpec']: { finalizers: atomic },
  [core + 'NamespaceStatus']: { conditions: conditionsNoListType },
  [core + 'PersistentVolumeSpec']: { accessModes: atomic, mountOptions: atomic },
  [core + 'PersistentVolumeClaimSpec']: { accessModes: atomic },
  [core + 'PersistentVolumeClaimStatus']: {
    accessModes: atomic,
    conditions: conditions,
    allocatedResourceStatuses: granularMap,
  },
  [core + 'ReplicationControllerStatus']: { conditions: conditionsNoListType },
  [core + 'ComponentStatus']: { conditions: conditionsNoListType },
  [core + 'ServiceAccount']: { secrets: mergeBy('name'), imagePullSecrets: atomic },
  [core + 'LimitRangeSpec']: { limits: atomic },
  [core + 'ResourceQuotaSpec']: { scopes: atomic },
  [core + 'ScopeSelector']: { matchExpressions: atomic },
  [core + 'ScopedResourceSelectorRequirement']: { values: atomic },

  // ---- apps/v1
  [apps + 'DeploymentSpec']: { strategy: { strategy: 'retainKeys' } },
  [apps + 'DeploymentStatus']: { conditions },
  [apps + 'ReplicaSetStatus']: { conditions },
  [apps + 'DaemonSetStatus']: { conditions },
  [apps + 'StatefulSetSpec']: { volumeClaimTemplates: atomic },
  [apps + 'StatefulSetStatus']: { conditions },

  // ---- batch/v1
  [batch + 'JobStatus']: { conditions: { mergeKey: 'type', strategy: 'merge', listType: 'atomic' } },
  [batch + 'CronJobStatus']: { active: atomic },
  [batch + 'PodFailurePolicy']: { rules: atomic },
  [batch + 'PodFailurePolicyRule']: { onPodConditions: atomic },
  [batch + 'PodFailurePolicyOnExitCodesRequirement']: { values: set },
  [batch + 'SuccessPolicy']: { rules: atomic },
  [batch + 'UncountedTerminatedPods']: { succeeded: set, failed: set },

  // ---- autoscaling
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec': { metrics: atomic },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus': { conditions, currentMetrics: atomic },
  'io.k8s.api.autoscaling.v2.HPAScalingRules': { policies: atomic },

  // ---- policy, networking, discovery, rbac, storage
  'io.k8s.api.policy.v1.PodDisruptionBudgetStatus': { conditions },
  'io.k8s.api.networking.v1.IngressSpec': { rules: atomic, tls: atomic },
  'io.k8s.api.networking.v1.IngressTLS': { hosts: atomic },
  'io.k8s.api.networking.v1.HTTPIngressRuleValue': { paths: atomic },
  'io.k8s.api.networking.v1.IngressLoadBalancerStatus': { ingress: atomic },
  'io.k8s.api.networking.v1.IngressLoadBalancerIngress': { ports: atomic },
  'io.k8s.api.networking.v1.NetworkPolicySpec': { ingress: atomic, egress: atomic, policyTypes: atomic },
  'io.k8s.api.networking.v1.NetworkPolicyIngressRule': { ports: atomic, from: atomic },
  'io.k8s.api.networking.v1.NetworkPolicyEgressRule': { ports: atomic, to: atomic },
  'io.k8s.api.networking.v1.IPBlock': { except: atomic },
  'io.k8s.api.networking.v1alpha1.ServiceCIDRSpec': { cidrs: atomic },
  'io.k8s.api.networking.v1alpha1.ServiceCIDRStatus': { conditions: { mergeKey: 'type', strategy: 'merge', ...keyedBy('type') } },
  'io.k8s.api.discovery.v1.EndpointSlice': { endpoints: atomic, ports: atomic },
  'io.k8s.api.discovery.v1.Endpoint': { addresses: set },
  'io.k8s.api.discovery.v1.EndpointHints': { forZones: atomic },
  'io.k8s.api.rbac.v1.Role': { rules: atomic },
  'io.k8s.api.rbac.v1.ClusterRole': { rules: atomic },
  'io.k8s.api.rbac.v1.RoleBinding': { subjects: atomic },
  'io.k8s.api.rbac.v1.ClusterRoleBinding': { subjects: atomic },
  'io.k8s.api.rbac.v1.AggregationRule': { clusterRoleSelectors: atomic },
  'io.k8s.api.rbac.v1.PolicyRule': {
    verbs: atomic,
    apiGroups: atomic,
    resources: atomic,
    resourceNames: atomic,
    nonResourceURLs: atomic,
  },
  'io.k8s.api.storage.v1.StorageClass': { mountOptions: atomic, allowedTopologies: atomic },
  'io.k8s.api.storage.v1.CSIDriverSpec': { volumeLifecycleModes: set, tokenRequests: atomic },
  'io.k8s.api.storage.v1.CSINodeSpec': { drivers: mergeBy('name', keyedBy('name')) },
  'io.k8s.api.storage.v1.CSINodeDriver': { topologyKeys: atomic },

  // ---- the remaining groups' condition lists and keyed lists
  'io.k8s.api.certificates.v1.CertificateSigningRequestSpec': { usages: atomic, groups: atomic },
  'io.k8s.api.certificates.v1.CertificateSigningRequestStatus': { conditions: { listType: 'map', listMapKeys: ['type'] } },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec': { versions: atomic },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionNames': { shortNames: atomic, categories: atomic },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionStatus': {
    conditions: keyedBy('type'),
    storedVersions: atomic,
  },
  'io.k8s.api.flowcontrol.v1.FlowSchemaStatus': { conditions: { mergeKey: 'type', strategy: 'merge', ...keyedBy('type') } },
  'io.k8s.api.flowcontrol.v1.PriorityLevelConfigurationStatus': { conditions: { mergeKey: 'type', strategy: 'merge', ...keyedBy('type') } },
  'io.k8s.api.flowcontrol.v1beta3.FlowSchemaStatus': { conditions: { mergeKey: 'type', strategy: 'merge', ...keyedBy('type') } },
  'io.k8s.api.flowcontrol.v1beta3.PriorityLevelConfigurationStatus': { conditions: { mergeKey: 'type', strategy: 'merge', ...keyedBy('type') } },
  'io.k8s.api.flowcontrol.v1.FlowSchemaSpec': { rules: atomic },
  'io.k8s.api.flowcontrol.v1.PolicyRulesWithSubjects': { subjects: atomic, resourceRules: atomic, nonResourceRules: atomic },
  'io.k8s.api.admissionregistration.v1.MutatingWebhookConfiguration': { webhooks: mergeBy('name', keyedBy('name')) },
  'io.k8s.api.admissionregistration.v1.ValidatingWebhookConfiguration': { webhooks: mergeBy('name', keyedBy('name')) },
  'io.k8s.api.admissionregistration.v1.MutatingWebhook': { rules: atomic, admissionReviewVersions: atomic, matchConditions: mergeBy('name', keyedBy('name')) },
  'io.k8s.api.admissionregistration.v1.ValidatingWebhook': { rules: atomic, admissionReviewVersions: atomic, matchConditions: mergeBy('name', keyedBy('name')) },
  'io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyStatus': { conditions: keyedBy('type') },
  'io.k8s.api.admissionregistration.v1beta1.ValidatingAdmissionPolicyStatus': { conditions: keyedBy('type') },
  'io.k8s.api.admissionregistration.v1alpha1.ValidatingAdmissionPolicyStatus': { conditions: keyedBy('type') },
  'io.k8s.api.apiserverinternal.v1alpha1.StorageVersionStatus': { conditions: keyedBy('type'), storageVersions: atomic },
  'io.k8s.api.storagemigration.v1alpha1.StorageVersionMigrationStatus': { conditions: keyedBy('type') },
};

/**
 * `+structType=atomic` types: an apply or patch replaces them whole (the
 * generator emits `x-kubernetes-map-type: atomic` on their definitions).
 */
export const structTypes: Readonly<Record<string, 'atomic' | 'granular'>> = {
  [meta + 'LabelSelector']: 'atomic',
  [core + 'ObjectReference']: 'atomic',
  [core + 'LocalObjectReference']: 'atomic',
  [core + 'TypedLocalObjectReference']: 'atomic',
  [core + 'SecretReference']: 'atomic',
  [core + 'ConfigMapKeySelector']: 'atomic',
  [core + 'SecretKeySelector']: 'atomic',
  [core + 'ObjectFieldSelector']: 'atomic',
  [core + 'ResourceFieldSelector']: 'atomic',
  [core + 'NodeSelector']: 'atomic',
  [core + 'NodeSelectorTerm']: 'atomic',
  [core + 'TopologySelectorTerm']: 'atomic',
  [core + 'ClaimSource']: 'atomic',
  'io.k8s.api.rbac.v1.RoleRef': 'atomic',
  'io.k8s.api.rbac.v1.Subject': 'atomic',
};

/** The merge metadata of one field, or undefined when it merges the default way. */
export function fieldPatchMeta(definition: string, field: string): FieldPatchMeta | undefined {
  return patchMeta[definition]?.[field];
}

/** The OpenAPI `x-kubernetes-*` extensions that carry a field's merge metadata. */
export function patchExtensions(m: FieldPatchMeta): Record<string, unknown> {
  const ext: Record<string, unknown> = {};
  if (m.listMapKeys) ext['x-kubernetes-list-map-keys'] = [...m.listMapKeys];
  if (m.listType) ext['x-kubernetes-list-type'] = m.listType;
  if (m.mapType) ext['x-kubernetes-map-type'] = m.mapType;
  if (m.mergeKey) ext['x-kubernetes-patch-merge-key'] = m.mergeKey;
  if (m.strategy) ext['x-kubernetes-patch-strategy'] = m.strategy;
  return ext;
}

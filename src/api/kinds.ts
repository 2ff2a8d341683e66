/**
 * The resource types skiff serves, as a Kubernetes 1.30 API server
 * advertises them in discovery (names, short names, categories, verbs,
 * subresources), each wired to its strategy and Table printer. Types served
 * at two versions (events, HPAs) have an entry per version sharing one
 * storage location and one strategy, which converts between the shapes.
 */
import { printerFor } from './printers/index.js';
import { strategies } from './strategies/index.js';
import { allVerbs, apiVersionOf, type ResourceType, type SubresourceName, type Verb } from './types.js';

interface Row {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: Verb[];
  subresources?: SubresourceName[];
  /** Where objects live when not at this entry's own group/version. */
  storage?: { group: string; version: string; resource?: string };
  /** false for a version served alongside the group's preferred one. */
  preferred?: boolean;
}

const all = ['all'];
const scaled: SubresourceName[] = ['status', 'scale'];

// Groups in the order Kubernetes' discovery lists them; core ('') first.
const rows: Row[] = [
  // core/v1
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], subresources: ['status', 'finalize'] },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, shortNames: ['po'], categories: all, subresources: ['status', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'ephemeralcontainers'] },
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, shortNames: ['no'], subresources: ['status', 'proxy'] },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true, shortNames: ['svc'], categories: all, subresources: ['status', 'proxy'] },
  { group: '', version: 'v1', resource: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep'] },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'] },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'], subresources: ['token'] },
  { group: '', version: 'v1', resource: 'persistentvolumes', kind: 'PersistentVolume', namespaced: false, shortNames: ['pv'], subresources: ['status'] },
  { group: '', version: 'v1', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true, shortNames: ['pvc'], subresources: ['status'] },
  { group: '', version: 'v1', resource: 'replicationcontrollers', kind: 'ReplicationController', namespaced: true, shortNames: ['rc'], categories: all, subresources: scaled },
  { group: '', version: 'v1', resource: 'limitranges', kind: 'LimitRange', namespaced: true, shortNames: ['limits'] },
  { group: '', version: 'v1', resource: 'resourcequotas', kind: 'ResourceQuota', namespaced: true, shortNames: ['quota'], subresources: ['status'] },
  { group: '', version: 'v1', resource: 'podtemplates', kind: 'PodTemplate', namespaced: true },
  // apps/v1
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: all, subresources: scaled },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], categories: all, subresources: scaled },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], categories: all, subresources: scaled },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: all, subresources: ['status'] },
  { group: 'apps', version: 'v1', resource: 'controllerrevisions', kind: 'ControllerRevision', namespaced: true },
  // events.k8s.io/v1: the same objects as core events
  { group: 'events.k8s.io', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'], storage: { group: '', version: 'v1' } },
  // autoscaling: v2 preferred and stored, v1 converted
  { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true, shortNames: ['hpa'], categories: all, subresources: ['status'] },
  { group: 'autoscaling', version: 'v1', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true, shortNames: ['hpa'], categories: all, subresources: ['status'], storage: { group: 'autoscaling', version: 'v2' }, preferred: false },
  // batch/v1
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true, categories: all, subresources: ['status'] },
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true, shortNames: ['cj'], categories: all, subresources: ['status'] },
  // policy/v1
  { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true, shortNames: ['pdb'], subresources: ['status'] },
  // rbac.authorization.k8s.io/v1
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', namespaced: true },
  // storage.k8s.io/v1
  { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', kind: 'StorageClass', namespaced: false, shortNames: ['sc'] },
  // coordination.k8s.io/v1
  { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', namespaced: true },
  // discovery.k8s.io/v1
  { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'EndpointSlice', namespaced: true },
  // settings.k8s.io/v1alpha1: PodPreset, gone upstream since 1.20, kept here in its last shape
  { group: 'settings.k8s.io', version: 'v1alpha1', resource: 'podpresets', kind: 'PodPreset', namespaced: true },
];

function toResourceType(r: Row): ResourceType {
  const storage = { resource: r.storage?.resource ?? r.resource, group: r.storage?.group ?? r.group, version: r.storage?.version ?? r.version };
  const shared = strategies[`${storage.group}/${storage.resource}`];
  if (!shared) throw new Error(`kinds: no strategy for ${storage.group}/${storage.resource}`);
  return {
    group: r.group,
    version: r.version,
    resource: r.resource,
    kind: r.kind,
    listKind: `${r.kind}List`,
    singular: r.kind.toLowerCase(),
    namespaced: r.namespaced,
    shortNames: r.shortNames ?? [],
    categories: r.categories ?? [],
    verbs: r.verbs ?? [...allVerbs],
    subresources: r.subresources ?? [],
    storage,
    preferred: r.preferred ?? true,
    // One strategy per entry so each version prints with its own printer.
    strategy: { ...shared, table: printerFor(r.group, r.resource) },
  };
}

export const resourceTypes: ResourceType[] = rows.map(toResourceType);

const byGVR = new Map(resourceTypes.map((t) => [`${t.group}/${t.version}/${t.resource}`, t]));
const byGVK = new Map(resourceTypes.map((t) => [`${apiVersionOf(t)}/${t.kind}`, t]));

export function findByResource(group: string, version: string, resource: string): ResourceType | undefined {
  return byGVR.get(`${group}/${version}/${resource}`);
}

/** By `apiVersion` as objects carry it (`v1`, `apps/v1`) and kind. */
export function findByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return byGVK.get(`${apiVersion}/${kind}`);
}

/** The preferred-version type with this short name (`po`, `deploy`, ...). */
export function findByShortName(shortName: string): ResourceType | undefined {
  const s = shortName.toLowerCase();
  return resourceTypes.find((t) => t.preferred && t.shortNames.includes(s));
}

/**
 * The preferred-version type a user's word names, as kubectl resolves it:
 * plural, singular, kind or short name, optionally qualified with a group
 * (`deployments.apps`).
 */
export function findByName(name: string): ResourceType | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf('.');
  const [word, group] = dot < 0 ? [lower, undefined] : [lower.slice(0, dot), lower.slice(dot + 1)];
  return resourceTypes.find(
    (t) => t.preferred && (group === undefined || t.group === group) && (t.resource === word || t.singular === word || t.shortNames.includes(word)),
  );
}

export interface GroupVersions {
  group: string;
  /** Most preferred first, as discovery lists them. */
  versions: string[];
  preferredVersion: string;
}

/** Each group with its versions, core first, then the groups in Kubernetes' discovery order. */
export function groupVersions(): GroupVersions[] {
  const out: GroupVersions[] = [];
  for (const t of resourceTypes) {
    let g = out.find((x) => x.group === t.group);
    if (!g) {
      g = { group: t.group, versions: [], preferredVersion: '' };
      out.push(g);
    }
    if (!g.versions.includes(t.version)) {
      if (t.preferred) g.versions.unshift(t.version);
      else g.versions.push(t.version);
    }
    if (t.preferred && !g.preferredVersion) g.preferredVersion = t.version;
  }
  return out;
}

/** The types served at one group/version, for /api/v1 and /apis/<group>/<version>. */
export function resourcesIn(group: string, version: string): ResourceType[] {
  return resourceTypes.filter((t) => t.group === group && t.version === version);
}

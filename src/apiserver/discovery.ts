/**
 * API discovery: the legacy documents (/api, /apis, /api/v1, /apis/<g>,
 * /apis/<g>/<v>) and aggregated discovery (apidiscovery.k8s.io/v2), which
 * kubectl 1.32 asks for first and which saves it one request per group.
 * Everything is derived from the resource table, computed once.
 */
import type { ResourceType, SubresourceName, Verb } from '../api/types.js';

const subresourceVerbs: Record<SubresourceName, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  binding: ['create'],
  eviction: ['create'],
  log: ['get'],
  exec: ['create', 'get'],
  attach: ['create', 'get'],
  portforward: ['create', 'get'],
  proxy: ['create', 'delete', 'get', 'patch', 'update'],
  ephemeralcontainers: ['get', 'patch', 'update'],
  finalize: ['update'],
  token: ['create'],
  approval: ['get', 'patch', 'update'],
};

function subresourceKind(rt: ResourceType, sub: SubresourceName): { group: string; version: string; kind: string } {
  switch (sub) {
    case 'scale':
      return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    case 'eviction':
      return { group: 'policy', version: 'v1', kind: 'Eviction' };
    case 'binding':
      return { group: '', version: 'v1', kind: 'Binding' };
    case 'token':
      return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };
    case 'exec':
      return { group: '', version: 'v1', kind: 'PodExecOptions' };
    case 'attach':
      return { group: '', version: 'v1', kind: 'PodAttachOptions' };
    case 'portforward':
      return { group: '', version: 'v1', kind: 'PodPortForwardOptions' };
    case 'proxy':
      return { group: '', version: 'v1', kind: rt.resource === 'pods' ? 'PodProxyOptions' : rt.resource === 'nodes' ? 'NodeProxyOptions' : 'ServiceProxyOptions' };
    default:
      return { group: rt.group, version: rt.version, kind: rt.kind };
  }
}

export interface GroupInfo {
  name: string;
  versions: string[];
  preferred: string;
}

function storageVersionHash(rt: ResourceType): string {
  // A stable short hash of the storage group/version/kind, as Kubernetes publishes.
  let h = 2166136261;
  for (const ch of `${rt.storage.group}/${rt.storage.version}/${rt.kind}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return Buffer.from(h.toString(16).padStart(8, '0'), 'hex').toString('base64').slice(0, 11);
}

export class Discovery {
  readonly groups: GroupInfo[];
  private readonly byGroupVersion = new Map<string, ResourceType[]>();
  private readonly cache = new Map<string, string>();

  constructor(private readonly resources: readonly ResourceType[], private readonly serverAddress: string) {
    const groups = new Map<string, GroupInfo>();
    for (const rt of resources) {
      const gv = rt.group ? `${rt.group}/${rt.version}` : rt.version;
      let list = this.byGroupVersion.get(gv);
      if (!list) this.byGroupVersion.set(gv, (list = []));
      list.push(rt);
      let g = groups.get(rt.group);
      if (!g) groups.set(rt.group, (g = { name: rt.group, versions: [], preferred: '' }));
      if (!g.versions.includes(rt.version)) g.versions.push(rt.version);
      if (rt.preferred) g.preferred = rt.version;
    }
    for (const g of groups.values()) {
      g.versions.sort(compareVersions);
      if (!g.preferred) g.preferred = g.versions[0]!;
    }
    this.groups = [...groups.values()];
  }

  resourcesOf(groupVersion: string): ResourceType[] | undefined {
    return this.byGroupVersion.get(groupVersion);
  }

  private memo(key: string, make: () => unknown): string {
    let s = this.cache.get(key);
    if (s === undefined) this.cache.set(key, (s = JSON.stringify(make())));
    return s;
  }

  apiVersions(): string {
    return this.memo('api', () => ({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.serverAddress }],
    }));
  }

  private apiGroup(g: GroupInfo) {
    return {
      name: g.name,
      versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${g.name}/${g.preferred}`, version: g.preferred },
    };
  }

  apiGroupList(): string {
    return this.memo('apis', () => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups.filter((g) => g.name).map((g) => this.apiGroup(g)) }));
  }

  apiGroupDoc(name: string): string | undefined {
    const g = this.groups.find((x) => x.name === name && name !== '');
    if (!g) return undefined;
    return this.memo(`group:${name}`, () => ({ kind: 'APIGroup', apiVersion: 'v1', ...this.apiGroup(g) }));
  }

  apiResourceList(groupVersion: string): string | undefined {
    const list = this.byGroupVersion.get(groupVersion);
    if (!list) return undefined;
    return this.memo(`gv:${groupVersion}`, () => {
      const resources: unknown[] = [];
      for (const rt of list) {
        resources.push({
          name: rt.resource,
          singularName: rt.singular,
          namespaced: rt.namespaced,
          kind: rt.kind,
          verbs: rt.verbs,
          ...(rt.shortNames.length ? { shortNames: rt.shortNames } : {}),
          ...(rt.categories.length ? { categories: rt.categories } : {}),
          storageVersionHash: storageVersionHash(rt),
        });
        for (const sub of rt.subresources) {
          const k = subresourceKind(rt, sub);
          resources.push({
            name: `${rt.resource}/${sub}`,
            singularName: '',
            namespaced: rt.namespaced,
            // Both or neither, as Kubernetes writes them: kubectl drain only evicts when it sees both.
            ...(k.group !== rt.group || k.version !== rt.version ? { group: k.group, version: k.version } : {}),
            kind: k.kind,
            verbs: subresourceVerbs[sub],
          });
        }
      }
      return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
    });
  }

  /** apidiscovery.k8s.io/v2 (or v2beta1) APIGroupDiscoveryList for /api (core) or /apis (the rest). */
  aggregated(prefix: 'api' | 'apis', version: 'v2' | 'v2beta1'): string {
    return this.memo(`agg:${prefix}:${version}`, () => ({
      kind: 'APIGroupDiscoveryList',
      apiVersion: `apidiscovery.k8s.io/${version}`,
      metadata: {},
      items: this.groups
        .filter((g) => (prefix === 'api' ? g.name === '' : g.name !== ''))
        .map((g) => ({
          metadata: { name: g.name, creationTimestamp: null },
          versions: [g.preferred, ...g.versions.filter((v) => v !== g.preferred)].map((v) => ({
            version: v,
            resources: (this.byGroupVersion.get(g.name ? `${g.name}/${v}` : v) ?? []).map((rt) => ({
              resource: rt.resource,
              responseKind: { group: rt.group, version: rt.version, kind: rt.kind },
              scope: rt.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: rt.singular,
              verbs: rt.verbs as Verb[],
              ...(rt.shortNames.length ? { shortNames: rt.shortNames } : {}),
              ...(rt.categories.length ? { categories: rt.categories } : {}),
              ...(rt.subresources.length
                ? {
                    subresources: rt.subresources.map((sub) => ({
                      subresource: sub,
                      responseKind: subresourceKind(rt, sub),
                      verbs: subresourceVerbs[sub],
                    })),
                  }
                : {}),
            })),
            freshness: 'Current',
          })),
        })),
    }));
  }
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    const stage = m[2] === 'alpha' ? 1 : m[2] === 'beta' ? 2 : 3;
    return [stage, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [sa, ma, na] = parse(a);
  const [sb, mb, nb] = parse(b);
  return sb! - sa! || mb! - ma! || nb! - na!;
}

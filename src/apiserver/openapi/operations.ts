/**
 * The REST operations of the served resources, in a neutral shape that the
 * v2 and v3 documents both render: one entry per path, one operation per
 * HTTP method, each tagged with the action and group/version/kind that
 * kubectl looks for (explain finds a resource's kind from its GET paths;
 * apply's validation looks for `fieldValidation` on the PATCH operation).
 */
import type { ResourceType, SubresourceName } from '../../api/types.js';
import type { GroupVersionKind } from './schema.js';

export type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';
export type Action = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'connect';

export interface QueryParam {
  name: string;
  type: 'string' | 'integer' | 'boolean';
  description: string;
  uniqueItems?: boolean;
}

/** Body and response types are GVKs or meta definition names resolved by the renderer. */
export type TypeRef = { gvk: GroupVersionKind } | { list: ResourceType } | { meta: 'Status' | 'DeleteOptions' | 'Patch' } | { string: true };

export interface Operation {
  method: Method;
  action: Action;
  operationId: string;
  description: string;
  tag: string;
  gvk: GroupVersionKind;
  query: QueryParam[];
  body?: TypeRef | 'patch';
  responses: Record<string, { description: string; type: TypeRef }>;
}

export interface PathEntry {
  path: string;
  pathParams: Array<'namespace' | 'name'>;
  operations: Operation[];
}

const q = (name: string, type: QueryParam['type'], description: string): QueryParam => ({ name, type, description, uniqueItems: true });

/** Query parameters, with the descriptions Kubernetes gives them (shortened). */
export const params = {
  pretty: q('pretty', 'string', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."),
  dryRun: q('dryRun', 'string', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: q('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.'),
  fieldValidation: q('fieldValidation', 'string', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.'),
  force: q('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.'),
  labelSelector: q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  fieldSelector: q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  watch: q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.'),
  allowWatchBookmarks: q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion.'),
  resourceVersion: q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details. Defaults to unset'),
  resourceVersionMatch: q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set. Defaults to unset'),
  limit: q('limit', 'integer', 'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.'),
  continue: q('continue', 'string', 'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue).'),
  timeoutSeconds: q('timeoutSeconds', 'integer', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.'),
  sendInitialEvents: q('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.'),
  propagationPolicy: q('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground."),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned.'),
  container: q('container', 'string', 'The container for which to stream logs, or in which to execute the command. Defaults to only container if there is one container in the pod.'),
  follow: q('follow', 'boolean', 'Follow the log stream of the pod. Defaults to false.'),
  previous: q('previous', 'boolean', 'Return previous terminated container logs. Defaults to false.'),
  sinceSeconds: q('sinceSeconds', 'integer', 'A relative time in seconds before the current time from which to show logs.'),
  tailLines: q('tailLines', 'integer', 'If set, the number of lines from the end of the logs to show.'),
  timestamps: q('timestamps', 'boolean', 'If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output. Defaults to false.'),
  limitBytes: q('limitBytes', 'integer', 'If set, the number of bytes to read from the server before terminating the log output.'),
  command: q('command', 'string', 'Command is the remote command to execute. argv array. Not executed within a shell.'),
  stdin: q('stdin', 'boolean', 'Redirect the standard input stream of the pod for this call. Defaults to false.'),
  stdout: q('stdout', 'boolean', 'Redirect the standard output stream of the pod for this call.'),
  stderr: q('stderr', 'boolean', 'Redirect the standard error stream of the pod for this call.'),
  tty: q('tty', 'boolean', 'TTY if true indicates that a tty will be allocated for the exec call. Defaults to false.'),
  ports: q('ports', 'integer', 'List of ports to forward. Required when using WebSockets'),
} satisfies Record<string, QueryParam>;

const writeParams = [params.dryRun, params.fieldManager, params.fieldValidation];
const patchParams = [params.dryRun, params.fieldManager, params.fieldValidation, params.force];
const listParams = [
  params.allowWatchBookmarks,
  params.continue,
  params.fieldSelector,
  params.labelSelector,
  params.limit,
  params.resourceVersion,
  params.resourceVersionMatch,
  params.sendInitialEvents,
  params.timeoutSeconds,
  params.watch,
];
const deleteParams = [params.dryRun, params.gracePeriodSeconds, params.orphanDependents, params.propagationPolicy];

const capitalize = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** `apps` → Apps, '' → Core, `rbac.authorization.k8s.io` → RbacAuthorization: the group part of Kubernetes' operation ids. */
export function groupToken(group: string): string {
  if (!group) return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map(capitalize)
    .join('');
}

/** The tag Kubernetes files an operation under: core_v1, apps_v1, rbacAuthorization_v1. */
export function tagOf(group: string, version: string): string {
  const g = groupToken(group);
  return `${g[0]!.toLowerCase()}${g.slice(1)}_${version}`;
}

/** `api/v1` or `apis/apps/v1`: the path prefix (without the leading slash) and the v3 document key. */
export function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** What each subresource is made of: its kind and the operations it offers. */
interface SubresourceSpec {
  gvk?: GroupVersionKind; // default: the resource's own kind
  ops: Array<{ method: Method; action: Action; verb: 'read' | 'replace' | 'patch' | 'create' | 'connect' }>;
  query?: QueryParam[];
  connect?: boolean;
}

const subresourceSpecs: Partial<Record<SubresourceName, SubresourceSpec>> = {
  status: {
    ops: [
      { method: 'get', action: 'get', verb: 'read' },
      { method: 'put', action: 'put', verb: 'replace' },
      { method: 'patch', action: 'patch', verb: 'patch' },
    ],
  },
  scale: {
    gvk: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    ops: [
      { method: 'get', action: 'get', verb: 'read' },
      { method: 'put', action: 'put', verb: 'replace' },
      { method: 'patch', action: 'patch', verb: 'patch' },
    ],
  },
  ephemeralcontainers: {
    ops: [
      { method: 'get', action: 'get', verb: 'read' },
      { method: 'put', action: 'put', verb: 'replace' },
      { method: 'patch', action: 'patch', verb: 'patch' },
    ],
  },
  approval: {
    ops: [
      { method: 'get', action: 'get', verb: 'read' },
      { method: 'put', action: 'put', verb: 'replace' },
      { method: 'patch', action: 'patch', verb: 'patch' },
    ],
  },
  finalize: { ops: [{ method: 'put', action: 'put', verb: 'replace' }] },
  binding: { gvk: { group: '', version: 'v1', kind: 'Binding' }, ops: [{ method: 'post', action: 'post', verb: 'create' }] },
  eviction: { gvk: { group: 'policy', version: 'v1', kind: 'Eviction' }, ops: [{ method: 'post', action: 'post', verb: 'create' }] },
  token: {
    gvk: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
    ops: [{ method: 'post', action: 'post', verb: 'create' }],
  },
  log: {
    ops: [{ method: 'get', action: 'connect', verb: 'read' }],
    query: [params.container, params.follow, params.limitBytes, params.previous, params.sinceSeconds, params.tailLines, params.timestamps],
  },
  exec: {
    connect: true,
    ops: [
      { method: 'get', action: 'connect', verb: 'connect' },
      { method: 'post', action: 'connect', verb: 'connect' },
    ],
    query: [params.command, params.container, params.stderr, params.stdin, params.stdout, params.tty],
  },
  attach: {
    connect: true,
    ops: [
      { method: 'get', action: 'connect', verb: 'connect' },
      { method: 'post', action: 'connect', verb: 'connect' },
    ],
    query: [params.container, params.stderr, params.stdin, params.stdout, params.tty],
  },
  portforward: {
    connect: true,
    ops: [
      { method: 'get', action: 'connect', verb: 'connect' },
      { method: 'post', action: 'connect', verb: 'connect' },
    ],
    query: [params.ports],
  },
};

const ok = (type: TypeRef) => ({ description: 'OK', type });
const unauthorized = { description: 'Unauthorized', type: { string: true } as TypeRef };

/** Every path and operation for the given resources (any mix of group-versions), sorted by path. */
export function operationsFor(resources: readonly ResourceType[]): PathEntry[] {
  const entries = new Map<string, PathEntry>();
  const entry = (path: string, pathParams: PathEntry['pathParams']) => {
    let e = entries.get(path);
    if (!e) entries.set(path, (e = { path, pathParams, operations: [] }));
    return e;
  };
  for (const rt of resources) {
    const gvk: GroupVersionKind = { group: rt.group, version: rt.version, kind: rt.kind };
    const id = `${groupToken(rt.group)}${capitalize(rt.version)}`;
    const ns = rt.namespaced ? 'Namespaced' : '';
    const tag = tagOf(rt.group, rt.version);
    const base = `/${groupVersionPath(rt.group, rt.version)}`;
    const collection = rt.namespaced ? `${base}/namespaces/{namespace}/${rt.resource}` : `${base}/${rt.resource}`;
    const scope: PathEntry['pathParams'] = rt.namespaced ? ['namespace'] : [];
    const item = `${collection}/{name}`;
    const self: TypeRef = { gvk };
    const has = (v: string) => (rt.verbs as string[]).includes(v);
    const op = (o: Omit<Operation, 'tag' | 'gvk'> & { gvk?: GroupVersionKind }): Operation => ({ tag, gvk, ...o, responses: { ...o.responses, '401': unauthorized } });

    const c = entry(collection, scope);
    if (has('list')) {
      c.operations.push(op({ method: 'get', action: 'list', operationId: `list${id}${ns}${rt.kind}`, description: `list or watch objects of kind ${rt.kind}`, query: listParams, responses: { '200': ok({ list: rt }) } }));
      if (rt.namespaced) {
        entry(`${base}/${rt.resource}`, []).operations.push(
          op({ method: 'get', action: 'list', operationId: `list${id}${rt.kind}ForAllNamespaces`, description: `list or watch objects of kind ${rt.kind}`, query: listParams, responses: { '200': ok({ list: rt }) } }),
        );
      }
    }
    if (has('create')) {
      c.operations.push(op({ method: 'post', action: 'post', operationId: `create${id}${ns}${rt.kind}`, description: `create ${article(rt.kind)} ${rt.kind}`, query: writeParams, body: self, responses: { '200': ok(self), '201': { description: 'Created', type: self }, '202': { description: 'Accepted', type: self } } }));
    }
    if (has('deletecollection')) {
      c.operations.push(op({ method: 'delete', action: 'deletecollection', operationId: `delete${id}Collection${ns}${rt.kind}`, description: `delete collection of ${rt.kind}`, query: [...deleteParams, ...listParams.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks')], body: { meta: 'DeleteOptions' }, responses: { '200': ok({ meta: 'Status' }) } }));
    }

    const i = entry(item, [...scope, 'name']);
    if (has('get')) i.operations.push(op({ method: 'get', action: 'get', operationId: `read${id}${ns}${rt.kind}`, description: `read the specified ${rt.kind}`, query: [], responses: { '200': ok(self) } }));
    if (has('update')) i.operations.push(op({ method: 'put', action: 'put', operationId: `replace${id}${ns}${rt.kind}`, description: `replace the specified ${rt.kind}`, query: writeParams, body: self, responses: { '200': ok(self), '201': { description: 'Created', type: self } } }));
    if (has('patch')) i.operations.push(op({ method: 'patch', action: 'patch', operationId: `patch${id}${ns}${rt.kind}`, description: `partially update the specified ${rt.kind}`, query: patchParams, body: 'patch', responses: { '200': ok(self), '201': { description: 'Created', type: self } } }));
    if (has('delete')) i.operations.push(op({ method: 'delete', action: 'delete', operationId: `delete${id}${ns}${rt.kind}`, description: `delete ${article(rt.kind)} ${rt.kind}`, query: deleteParams, body: { meta: 'DeleteOptions' }, responses: { '200': ok({ meta: 'Status' }), '202': { description: 'Accepted', type: { meta: 'Status' } } } }));

    for (const sub of rt.subresources) {
      const spec = subresourceSpecs[sub];
      if (!spec) continue;
      const subGVK = spec.gvk ?? gvk;
      const subType: TypeRef = { gvk: subGVK };
      const s = entry(`${item}/${sub}`, [...scope, 'name']);
      const subName = capitalize(sub);
      for (const o of spec.ops) {
        const what = sub === 'status' || sub === 'scale' ? `${sub} of ` : sub === 'log' ? 'log of ' : '';
        const common = { method: o.method, action: o.action, gvk: subGVK };
        if (o.verb === 'connect') {
          s.operations.push(op({ ...common, gvk, operationId: `connect${id}${capitalize(o.method)}${ns}${rt.kind}${subName}`, description: `connect ${o.method.toUpperCase()} requests to ${sub} of ${rt.kind}`, query: spec.query ?? [], responses: { '200': ok({ string: true }) } }));
        } else if (o.verb === 'read') {
          const type: TypeRef = sub === 'log' ? { string: true } : subType;
          s.operations.push(op({ ...common, operationId: `read${id}${ns}${rt.kind}${subName}`, description: `read ${what}the specified ${rt.kind}`, query: spec.query ?? [], responses: { '200': ok(type) } }));
        } else if (o.verb === 'replace') {
          s.operations.push(op({ ...common, operationId: `replace${id}${ns}${rt.kind}${subName}`, description: `replace ${what}the specified ${rt.kind}`, query: writeParams, body: subType, responses: { '200': ok(subType), '201': { description: 'Created', type: subType } } }));
        } else if (o.verb === 'patch') {
          s.operations.push(op({ ...common, operationId: `patch${id}${ns}${rt.kind}${subName}`, description: `partially update ${what}the specified ${rt.kind}`, query: patchParams, body: 'patch', responses: { '200': ok(subType), '201': { description: 'Created', type: subType } } }));
        } else {
          s.operations.push(op({ ...common, operationId: `create${id}${ns}${rt.kind}${subName}`, description: `create ${sub} of ${article(rt.kind)} ${rt.kind}`, query: writeParams, body: subType, responses: { '200': ok(subType), '201': { description: 'Created', type: subType }, '202': { description: 'Accepted', type: subType } } }));
        }
      }
    }
  }
  return [...entries.values()].filter((e) => e.operations.length > 0).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? 'an' : 'a';
}

/**
 * Turns a request path into what it addresses, like Kubernetes'
 * RequestInfoFactory: `/api/v1/namespaces/default/pods/nginx/status` →
 * {group '', version v1, namespace default, resource pods, name nginx,
 * subresource status}, plus the verb (get, list, watch, create, ...).
 */
export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiPrefix?: 'api' | 'apis';
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** Path segments after the subresource (e.g. proxy paths). */
  rest: string[];
}

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = { isResourceRequest: false, path, verb: method.toLowerCase(), group: '', version: '', resource: '', rest: [] };
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts[0] !== 'api' && parts[0] !== 'apis') return info;
  info.apiPrefix = parts[0];
  let i = 1;
  if (parts[0] === 'apis') {
    if (parts.length < 3) return info; // /apis or /apis/<group>: discovery
    info.group = parts[1]!;
    info.version = parts[2]!;
    i = 3;
  } else {
    if (parts.length < 2) return info; // /api
    info.version = parts[1]!;
    i = 2;
  }
  if (i >= parts.length) return info; // /api/v1 or /apis/g/v: discovery
  info.isResourceRequest = true;
  let watchPrefix = false;
  if (parts[i] === 'watch') {
    // Deprecated `/api/v1/watch/pods` form, still used by some clients.
    watchPrefix = true;
    i++;
  }
  if (parts[i] === 'namespaces' && i + 2 < parts.length && parts[i + 2] !== undefined) {
    // /namespaces/<ns>/<resource>/...  (but /namespaces/<name>/status|finalize is the namespace's subresource)
    const third = parts[i + 2]!;
    if (third === 'status' || third === 'finalize') {
      info.resource = 'namespaces';
      info.name = parts[i + 1];
      info.subresource = third;
      i = parts.length;
    } else {
      info.namespace = parts[i + 1];
      i += 2;
    }
  }
  if (!info.resource) {
    info.resource = parts[i++] ?? '';
    info.name = parts[i++];
    info.subresource = parts[i++];
    info.rest = parts.slice(i);
  }
  if (info.resource === 'namespaces' && info.name && !info.namespace) {
    // A namespace object is addressed by name; its namespace is itself for authz.
  }
  const m = method.toUpperCase();
  const isWatch = watchPrefix || query.get('watch') === 'true' || query.get('watch') === '1';
  switch (m) {
    case 'GET':
    case 'HEAD':
      info.verb = info.name ? (isWatch ? 'watch' : 'get') : isWatch ? 'watch' : 'list';
      // A watch on a single object: list+watch with a name field selector.
      break;
    case 'POST':
      info.verb = 'create';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = info.name ? 'delete' : 'deletecollection';
      break;
    default:
      info.verb = m.toLowerCase();
  }
  return info;
}

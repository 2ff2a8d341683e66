/**
 * The HTTPS front: authenticates each request, then routes it to health,
 * version, discovery, OpenAPI or a resource handler. Every failure leaves as
 * a Status object; anything unexpected is a logged 500, never a crash.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { proxyUpgrade } from './handlers/node-proxy.js';
import { errors, isStatusError, StatusError } from '../api/errors.js';
import type { ResourceType } from '../api/types.js';
import type { Authenticator } from './auth/index.js';
import type { Discovery } from './discovery.js';
import { parseRequestInfo, type RequestInfo } from './http/request-info.js';
import { sendJSON, sendRaw, sendStatusError } from './http/respond.js';
import type { FieldValidation, RequestContext } from './request-context.js';
import { managerFromUserAgent, validateFieldManager } from './patch/index.js';
import type { ApiDeps, HandlerRequest } from './handlers/context.js';
import { dispatchResource } from './handlers/index.js';
import type { OpenAPIService } from './openapi-routes.js';
import { JOIN_PATH_PREFIX, type JoinService } from './join.js';
import { serverVersion } from './version.js';

export interface RouterDeps extends ApiDeps {
  authenticator: Authenticator;
  /** The server CA (PEM), served at /cacerts so agents can check it against their join token's hash, as k3s does. */
  serverCA: string;
  discovery: Discovery;
  openapi: OpenAPIService;
  /** The node join endpoints (/v1-skiff/...); absent, they are 404 like any unknown path. */
  join?: JoinService;
}

/** Paths anyone may read, so load balancers and probes need no credentials. */
const publicPaths = new Set(['/healthz', '/livez', '/readyz', '/version', '/cacerts']);

/**
 * Connection upgrades: exec, attach and port-forward streams, relayed to the
 * pod's node agent after the same authentication and routing as any request.
 */
export function createUpgradeHandler(deps: RouterDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    upgrade(deps, req, socket, head).catch((err: unknown) => {
      const status = isStatusError(err) ? err : errors.internal(err);
      if (!isStatusError(err)) deps.log.error({ err, url: req.url }, 'upgrade failed');
      const body = JSON.stringify(status.status);
      socket.end(`HTTP/1.1 ${status.code} ${status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
  };
}

async function upgrade(deps: RouterDeps, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const query = url.searchParams;
  if (!deps.authenticator.authenticate(req)) throw errors.unauthorized();
  const info = parseRequestInfo(req.method ?? 'GET', url.pathname, query);
  const rt = info.isResourceRequest ? findResource(deps, info) : undefined;
  const sub = info.subresource;
  if (!rt || rt.resource !== 'pods' || !info.name || (sub !== 'exec' && sub !== 'attach' && sub !== 'portforward')) throw notFound();
  await proxyUpgrade({ req, info, query, rt, deps }, socket, head, deps.kubelet);
}

export function createRequestHandler(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      const status = isStatusError(err) ? err : errors.internal(err);
      if (!isStatusError(err)) deps.log.error({ err, method: req.method, url: req.url }, 'request failed');
      if (res.headersSent) res.end();
      else sendStatusError(res, status);
    });
  };
}

async function handle(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  const query = url.searchParams;

  if (publicPaths.has(path) || path.startsWith('/healthz/') || path.startsWith('/livez/') || path.startsWith('/readyz/')) {
    if (path === '/version') sendJSON(res, 200, serverVersion());
    else if (path === '/cacerts') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(deps.serverCA);
    } else {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end(query.has('verbose') ? `[+]ping ok\n[+]etcd ok\n${path.slice(1).split('/')[0]} check passed\n` : 'ok');
    }
    return;
  }

  const user = deps.authenticator.authenticate(req);
  if (!user) throw errors.unauthorized();

  if (deps.join && path.startsWith(JOIN_PATH_PREFIX)) {
    await deps.join.serve(req, res, path, user);
    return;
  }
  if (path === '/api' || path === '/apis') {
    const agg = aggregatedVersion(req.headers.accept);
    if (agg) {
      sendRaw(res, 200, deps.discovery.aggregated(path === '/api' ? 'api' : 'apis', agg), {
        'Content-Type': `application/json;g=apidiscovery.k8s.io;v=${agg};as=APIGroupDiscoveryList`,
      });
    } else {
      sendRaw(res, 200, path === '/api' ? deps.discovery.apiVersions() : deps.discovery.apiGroupList());
    }
    return;
  }
  if (path === '/openapi/v2' || path.startsWith('/openapi/v3')) {
    deps.openapi.serve(req, res, path, query);
    return;
  }

  const info = parseRequestInfo(req.method ?? 'GET', path, query);
  if (!info.apiPrefix) throw notFound();
  if (!info.isResourceRequest) {
    if (info.apiPrefix === 'api' && info.version) {
      const doc = deps.discovery.apiResourceList(info.version);
      if (!doc) throw notFound();
      sendRaw(res, 200, doc);
      return;
    }
    const parts = path.split('/').filter(Boolean);
    const doc = parts.length === 2 ? deps.discovery.apiGroupDoc(parts[1]!) : deps.discovery.apiResourceList(`${parts[1]}/${parts[2]}`);
    if (!doc) throw notFound();
    sendRaw(res, 200, doc);
    return;
  }

  const rt = findResource(deps, info);
  if (!rt) throw notFound();
  if (info.namespace !== undefined && !rt.namespaced) throw notFound();
  const h: HandlerRequest = { req, res, info, query, rt, ctx: requestContext(req, query, user), deps };
  await dispatchResource(h);
}

function findResource(deps: RouterDeps, info: RequestInfo): ResourceType | undefined {
  const gv = info.group ? `${info.group}/${info.version}` : info.version;
  return deps.discovery.resourcesOf(gv)?.find((r) => r.resource === info.resource);
}

function notFound(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource', { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] });
}

/** kubectl asks for `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList` first. */
function aggregatedVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const alt of accept.split(',')) {
    if (!alt.includes('as=APIGroupDiscoveryList') || !alt.includes('g=apidiscovery.k8s.io')) continue;
    if (/v=v2beta1(;|$)/.test(alt.replace(/\s/g, ''))) return 'v2beta1';
    if (/v=v2(;|$)/.test(alt.replace(/\s/g, ''))) return 'v2';
  }
  return undefined;
}

function requestContext(req: IncomingMessage, query: URLSearchParams, user: RequestContext['user']): RequestContext {
  const dry = query.getAll('dryRun');
  for (const d of dry) if (d !== 'All') throw errors.badRequest(`Invalid dry run value: ${d}; supported values: "All"`);
  const fv = query.get('fieldValidation') ?? 'Warn';
  if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
    throw errors.badRequest(`fieldValidation parameter unsupported: ${fv}. Supported values: Ignore, Warn, Strict`);
  }
  const manager = query.get('fieldManager');
  if (manager !== null) validateFieldManager(manager, false);
  return {
    user,
    dryRun: dry.includes('All'),
    fieldManager: manager ?? (managerFromUserAgent(req.headers['user-agent']) || 'unknown'),
    fieldValidation: fv as FieldValidation,
    warnings: [],
  };
}

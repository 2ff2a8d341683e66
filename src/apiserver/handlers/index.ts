/**
 * Routes a resource request by verb and subresource to its handler, after
 * checking that the type serves that verb (405) and subresource (404).
 */
import { errors, StatusError } from '../../api/errors.js';
import type { SubresourceName, Verb } from '../../api/types.js';
import { negotiate, sendJSON } from '../http/respond.js';
import { buildTable } from '../http/table.js';
import type { HandlerRequest } from './context.js';
import { handleList } from './list.js';
import { handleWatch } from './watch.js';
import { handleCreate, handleDelete, handleDeleteCollection, handlePatch, handleUpdate } from './write.js';
import { handleScale } from './scale.js';
import { handleBinding, handleEviction } from './pod-subresources.js';
import { handleFinalize } from './finalize.js';
import { proxyRequest } from './node-proxy.js';

export type { ApiDeps, HandlerRequest } from './context.js';

async function handleGet(h: HandlerRequest): Promise<void> {
  const p = await h.deps.store.get(h.rt, h.info.namespace, h.info.name!);
  const neg = negotiate(h.req.headers.accept, h.query);
  if (neg.rendering === 'table') sendJSON(h.res, 200, buildTable(h.rt, [p.obj], neg, {}));
  else sendJSON(h.res, 200, p.json);
}

function verbNotAllowed(h: HandlerRequest): StatusError {
  return errors.methodNotAllowed(h.info.verb, { group: h.rt.group, resource: h.rt.resource });
}

export async function dispatchResource(h: HandlerRequest): Promise<void> {
  const { info, rt } = h;
  if (rt.namespaced && !info.namespace && info.name && info.verb !== 'watch') {
    // /api/v1/pods/<name> is not a thing: named namespaced objects need their namespace.
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }
  if (!info.subresource) {
    if (!rt.verbs.includes(info.verb as Verb)) throw verbNotAllowed(h);
    switch (info.verb) {
      case 'get':
        return handleGet(h);
      case 'list':
        return handleList(h);
      case 'watch':
        return handleWatch(h);
      case 'create':
        if (info.name) throw verbNotAllowed(h);
        return handleCreate(h);
      case 'update':
        return handleUpdate(h);
      case 'patch':
        return handlePatch(h);
      case 'delete':
        return handleDelete(h);
      case 'deletecollection':
        return handleDeleteCollection(h);
    }
    throw verbNotAllowed(h);
  }
  const sub = info.subresource as SubresourceName;
  if (!rt.subresources.includes(sub) || !info.name) {
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }
  switch (sub) {
    case 'status':
      if (info.verb === 'get') return handleGet(h);
      if (info.verb === 'update') return handleUpdate(h, 'status');
      if (info.verb === 'patch') return handlePatch(h, 'status');
      break;
    case 'scale':
      return handleScale(h);
    case 'binding':
      if (info.verb === 'create') return handleBinding(h);
      break;
    case 'eviction':
      if (info.verb === 'create') return handleEviction(h);
      break;
    case 'finalize':
      if (info.verb === 'update') return handleFinalize(h);
      break;
    case 'log':
    case 'proxy':
      if (info.verb === 'get' || sub === 'proxy') return proxyRequest(h, h.deps.kubelet);
      break;
    case 'exec':
    case 'attach':
    case 'portforward':
      // Without an Upgrade header there is no stream to relay.
      throw errors.badRequest(`Upgrade request required`);
  }
  throw errors.methodNotAllowed(info.verb, { group: rt.group, resource: `${rt.resource}/${sub}` });
}

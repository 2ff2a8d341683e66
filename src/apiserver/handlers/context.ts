/**
 * What every resource handler gets: the resolved request, the registry, the
 * watch cache, and response helpers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceType } from '../../api/types.js';
import type { WatchCache } from '../cache/watch-cache.js';
import type { Store } from '../registry/store.js';
import type { FieldTracker } from '../registry/fields.js';
import type { RequestInfo } from '../http/request-info.js';
import type { RequestContext } from '../request-context.js';
import type { Logger } from '../../util/log.js';
import type { Backend } from '../../storage/backend.js';
import type { KubeletCredentials } from './node-proxy.js';

/** The server-wide parts handlers share. */
export interface ApiDeps {
  store: Store;
  cache: WatchCache;
  backend: Backend;
  fields: FieldTracker;
  /** Every served resource type (all versions). */
  resources: readonly ResourceType[];
  log: Logger;
  /** How to reach node agents for logs, exec, port-forward. */
  kubelet: KubeletCredentials;
}

export interface HandlerRequest {
  req: IncomingMessage;
  res: ServerResponse;
  info: RequestInfo;
  query: URLSearchParams;
  rt: ResourceType;
  ctx: RequestContext;
  deps: ApiDeps;
}

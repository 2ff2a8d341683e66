/**
 * The REST client: JSON over HTTPS to the Kubernetes API, shaped like
 * client-go's dynamic client. One keep-alive agent carries ordinary requests
 * (bounded sockets, so a burst queues in the client rather than opening
 * hundreds of connections); watches get their own agent, because each holds
 * a socket for its whole life and must never starve ordinary requests.
 */
import { Agent, request as httpsRequest } from 'node:https';
import type { ClientRequest, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KObject } from '../api/types.js';
import { tokenBucket, type RateLimiter } from './rate-limit.js';
import { apiVersionFor } from './resources.js';
import { statusErrorFrom } from './status.js';
import { JsonLineSplitter } from './watch-lines.js';
import type {
  Client,
  ClientConfig,
  DeleteOptions,
  GroupVersionResource,
  ListOptions,
  ListResult,
  PatchType,
  ResourceClient,
  WatchEvent,
  WatchHandle,
  WatchOptions,
  WriteOptions,
} from './types.js';

export const DEFAULT_USER_AGENT = 'skiff-client/v0.1.0';
const defaultQps = 200;
const defaultBurst = 400;
/** An ordinary request that sends nothing back for this long is dead. */
const requestTimeoutMs = 60_000;
/** With bookmarks on, the server speaks every 10 s; a minute of silence means a dead connection. */
const bookmarkedWatchIdleMs = 60_000;
/** 429 answers are retried this many times, honouring Retry-After (client-go retries 10). */
const maxThrottleRetries = 5;

const patchContentTypes: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

type Query = Record<string, string | number | boolean | undefined>;

/** A client for the server in `config`; fails at once (with the fix) on an unusable config. */
export function createClient(config: ClientConfig): Client {
  return new RestClient(config);
}

class RestClient implements Client {
  private readonly host: string;
  private readonly port: number;
  private readonly agent: Agent;
  private readonly watchAgent: Agent;
  private readonly limiter: RateLimiter;
  private readonly baseHeaders: OutgoingHttpHeaders;
  private readonly watches = new Set<() => void>();
  private closed = false;
  /** For server-side apply, which requires one: the user agent's program name, as client-go does. */
  readonly fieldManager: string;

  constructor(readonly config: ClientConfig) {
    const problems: string[] = [];
    let url: URL | undefined;
    try {
      url = new URL(config.server);
      if (url.protocol !== 'https:') problems.push(`server ${config.server} must be an https:// URL`);
    } catch {
      problems.push(`server ${JSON.stringify(config.server)} is not a URL; want e.g. https://127.0.0.1:6443`);
    }
    if (!config.ca) problems.push('ca is empty; pass the PEM of the CA that signed the server certificate');
    if ((config.cert === undefined) !== (config.key === undefined)) problems.push('cert and key must be given together');
    if (!config.cert && !config.token) problems.push('no credentials: give cert + key, or token');
    if (problems.length) throw new Error(`invalid client config: ${problems.join('; ')}`);
    this.host = url!.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = Number(url!.port || 443);
    const tls = { ca: config.ca, cert: config.cert, key: config.key };
    this.agent = new Agent({ ...tls, keepAlive: true, maxSockets: 64 });
    this.watchAgent = new Agent({ ...tls, keepAlive: false });
    this.limiter = tokenBucket(config.qps ?? defaultQps, config.burst ?? defaultBurst);
    const userAgent = config.userAgent ?? DEFAULT_USER_AGENT;
    this.fieldManager = userAgent.split('/')[0] || 'skiff-client';
    this.baseHeaders = {
      Accept: 'application/json',
      'User-Agent': userAgent,
      ...(config.token ? { Authorization: `Bearer ${config.token}` } : {}),
    };
  }

  resource<T extends KObject = KObject>(gvr: GroupVersionResource, namespace?: string): ResourceClient<T> {
    return new TypedResource<T>(this, gvr, namespace || undefined);
  }

  async raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    const text = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? String(body) : JSON.stringify(body);
    const h = { ...headers };
    if (text !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
    const res = await this.send(method, path, text, h);
    return { status: res.status, body: res.body };
  }

  close(): void {
    this.closed = true;
    for (const stop of [...this.watches]) stop();
    this.agent.destroy();
    this.watchAgent.destroy();
  }

  /** A JSON call that throws StatusError on a non-2xx answer. */
  async call<R>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<R> {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await this.send(method, path, text, text === undefined ? {} : { 'Content-Type': contentType });
    if (res.status < 200 || res.status >= 300) throw statusErrorFrom(res.status, res.body);
    return (res.body ? JSON.parse(res.body) : undefined) as R;
  }

  private async send(method: string, path: string, body: string | undefined, headers: OutgoingHttpHeaders): Promise<RawResponse> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new Error(`client is closed (${method} ${path})`);
      await this.limiter.take();
      let res: RawResponse;
      try {
        res = await this.once(method, path, body, headers);
      } catch (err) {
        // A keep-alive socket the server closed just as we reused it: safe to
        // resend a read once; writes may have landed, so they surface.
        if (attempt === 0 && method === 'GET' && (err as NodeJS.ErrnoException).code === 'ECONNRESET') continue;
        throw err;
      }
      if (res.status === 429 && attempt < maxThrottleRetries) {
        const after = Number(res.headers['retry-after']);
        await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 10) * 1000 : 1000);
        continue;
      }
      return res;
    }
  }

  private once(method: string, path: string, body: string | undefined, headers: OutgoingHttpHeaders): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: this.agent,
          timeout: requestTimeoutMs,
          headers: {
            ...this.baseHeaders,
            ...headers,
            ...(body !== undefined ? { 'Content-Length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer from ${this.config.server} in ${requestTimeoutMs / 1000} s`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Streams a watch response; see ResourceClient.watch for the contract. */
  watch<T extends KObject>(path: string, idleTimeoutMs: number, onEvent: (ev: WatchEvent<T>) => void, onClose?: (err?: Error) => void): WatchHandle {
    let stopped = false;
    let finished = false;
    let req: ClientRequest | undefined;
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      this.watches.delete(stop);
      req?.destroy();
      if (!stopped) onClose?.(err);
    };
    const stop = () => {
      if (stopped) return;
      stopped = true;
      finish();
    };
    this.watches.add(stop);
    if (this.closed) {
      queueMicrotask(() => finish(new Error('client is closed')));
      return { stop };
    }
    this.limiter.take().then(() => {
      if (finished) return;
      req = httpsRequest(
        { host: this.host, port: this.port, method: 'GET', path, agent: this.watchAgent, headers: this.baseHeaders },
        (res) => {
          if (res.statusCode !== 200) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => finish(statusErrorFrom(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
            res.on('error', finish);
            return;
          }
          res.setEncoding('utf8');
          const lines = new JsonLineSplitter();
          const deliver = (docs: unknown[]) => {
            for (const d of docs) {
              if (finished) return;
              onEvent(d as WatchEvent<T>);
            }
          };
          res.on('data', (chunk: string) => {
            try {
              deliver(lines.push(chunk));
            } catch (err) {
              finish(err as Error);
            }
          });
          res.on('end', () => {
            try {
              deliver(lines.end());
              finish();
            } catch (err) {
              finish(err as Error);
            }
          });
          res.on('error', finish);
          res.on('close', () => finish(new Error('watch connection closed before the stream ended')));
        },
      );
      if (idleTimeoutMs > 0) {
        req.setTimeout(idleTimeoutMs, () => finish(new Error(`watch silent for ${idleTimeoutMs / 1000} s; assuming the connection is dead`)));
      }
      req.on('error', finish);
      req.end();
    }, finish);
    return { stop };
  }
}

function query(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

function listQuery(o: ListOptions = {}): Query {
  return {
    labelSelector: o.labelSelector,
    fieldSelector: o.fieldSelector,
    limit: o.limit,
    continue: o.continue,
    resourceVersion: o.resourceVersion,
    resourceVersionMatch: o.resourceVersionMatch,
  };
}

function writeQuery(o: WriteOptions = {}): Query {
  return { dryRun: o.dryRun ? 'All' : undefined, fieldManager: o.fieldManager, fieldValidation: o.fieldValidation };
}

function deleteBody(o: DeleteOptions = {}): Record<string, unknown> | undefined {
  const body: Record<string, unknown> = {};
  if (o.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = o.gracePeriodSeconds;
  if (o.propagationPolicy) body.propagationPolicy = o.propagationPolicy;
  if (o.preconditions) body.preconditions = o.preconditions;
  if (o.dryRun) body.dryRun = ['All'];
  return Object.keys(body).length ? { kind: 'DeleteOptions', apiVersion: 'v1', ...body } : undefined;
}

/** `/api/v1/namespaces/ns/pods/name/status` and friends. */
export function resourcePath(gvr: GroupVersionResource, namespace?: string, name?: string, subresource?: string): string {
  let p = gvr.group ? `/apis/${gvr.group}/${gvr.version}` : `/api/${gvr.version}`;
  if (namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${gvr.resource}`;
  if (name !== undefined) {
    if (name === '') throw new Error(`a ${gvr.resource} name is required`);
    p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
  }
  return p;
}

class TypedResource<T extends KObject> implements ResourceClient<T> {
  private readonly apiVersion: string;

  constructor(
    private readonly c: RestClient,
    private readonly gvr: GroupVersionResource,
    private readonly namespace: string | undefined,
  ) {
    this.apiVersion = apiVersionFor(gvr);
  }

  private path(name?: string, sub?: string, ns = this.namespace): string {
    return resourcePath(this.gvr, ns, name, sub);
  }

  /** An all-namespaces client still writes an object into its own namespace. */
  private nsOf(obj: KObject): string | undefined {
    return this.namespace ?? (obj.metadata?.namespace || undefined);
  }

  private nameOf(obj: KObject): string {
    const name = obj.metadata?.name;
    if (!name) throw new Error(`cannot update a ${this.gvr.resource} without metadata.name`);
    return name;
  }

  get(name: string): Promise<T> {
    return this.c.call<T>('GET', this.path(name));
  }

  async list(opts?: ListOptions): Promise<ListResult<T>> {
    const l = await this.c.call<{ kind?: string; metadata?: { resourceVersion?: string; continue?: string }; items?: T[] }>(
      'GET',
      this.path() + query(listQuery(opts)),
    );
    // List items travel without apiVersion/kind; put them back so cached
    // objects are self-describing (events and owner references need them).
    const kind = l.kind?.endsWith('List') ? l.kind.slice(0, -4) : undefined;
    const items = l.items ?? [];
    for (const it of items) {
      it.apiVersion ??= this.apiVersion;
      if (kind) it.kind ??= kind;
    }
    return { items, resourceVersion: l.metadata?.resourceVersion ?? '', ...(l.metadata?.continue ? { continue: l.metadata.continue } : {}) };
  }

  watch(opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void, onClose?: (err?: Error) => void): WatchHandle {
    const q = query({
      watch: 'true',
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      resourceVersion: opts.resourceVersion,
      allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
      timeoutSeconds: opts.timeoutSeconds,
    });
    return this.c.watch<T>(this.path() + q, opts.allowWatchBookmarks ? bookmarkedWatchIdleMs : 0, onEvent, onClose);
  }

  create(obj: T, opts?: WriteOptions): Promise<T> {
    return this.c.call<T>('POST', this.path(undefined, undefined, this.nsOf(obj)) + query(writeQuery(opts)), obj);
  }

  update(obj: T, opts?: WriteOptions): Promise<T> {
    return this.c.call<T>('PUT', this.path(this.nameOf(obj), undefined, this.nsOf(obj)) + query(writeQuery(opts)), obj);
  }

  updateStatus(obj: T, opts?: WriteOptions): Promise<T> {
    return this.c.call<T>('PUT', this.path(this.nameOf(obj), 'status', this.nsOf(obj)) + query(writeQuery(opts)), obj);
  }

  patch(name: string, type: PatchType, body: unknown, opts: WriteOptions & { subresource?: string; force?: boolean } = {}): Promise<T> {
    const contentType = patchContentTypes[type];
    if (!contentType) throw new Error(`unknown patch type ${JSON.stringify(type)}; want json, merge, strategic or apply`);
    const q = writeQuery(opts);
    if (type === 'apply') {
      q.fieldManager ??= this.c.fieldManager;
      if (opts.force) q.force = 'true';
    } else if (opts.force) {
      throw new Error('force is only allowed for apply patches');
    }
    return this.c.call<T>('PATCH', this.path(name, opts.subresource) + query(q), body, contentType);
  }

  async delete(name: string, opts?: DeleteOptions): Promise<void> {
    await this.c.call('DELETE', this.path(name), deleteBody(opts));
  }

  async deleteCollection(opts: ListOptions & DeleteOptions): Promise<void> {
    await this.c.call('DELETE', this.path() + query(listQuery(opts)), deleteBody(opts));
  }

  createSubresource<R = unknown>(name: string, subresource: string, body: unknown): Promise<R> {
    return this.c.call<R>('POST', this.path(name, subresource), body);
  }

  getSubresource<R = unknown>(name: string, subresource: string): Promise<R> {
    return this.c.call<R>('GET', this.path(name, subresource));
  }

  updateSubresource<R = unknown>(name: string, subresource: string, body: unknown): Promise<R> {
    return this.c.call<R>('PUT', this.path(name, subresource), body);
  }
}

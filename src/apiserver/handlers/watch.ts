/**
 * WATCH: a chunked stream of `{"type":..., "object":...}` lines.
 *
 * Start points follow Kubernetes: resourceVersion unset → the current state
 * as ADDED events, then changes; "0" → the same from the cache without
 * waiting; N → every change after N (410 Expired as an ERROR event when N is
 * older than the history). With sendInitialEvents=true the initial ADDED
 * events end with a BOOKMARK annotated `k8s.io/initial-events-end`.
 *
 * Selector transitions: an object that stops matching is sent as DELETED,
 * one that starts matching as ADDED, as the watch cache does upstream.
 */
import { apiVersionOf, type KObject } from '../../api/types.js';
import { isStatusError, errors } from '../../api/errors.js';
import type { CacheEvent, CachedObject, Subscription } from '../cache/watch-cache.js';
import { buildFilter } from './filter.js';
import { negotiate } from '../http/respond.js';
import { buildTable, partialMetadata } from '../http/table.js';
import type { HandlerRequest } from './context.js';
import type { Presented } from '../registry/store.js';

/** Past this many unsent bytes a watcher is too slow and is closed (it re-lists). */
const maxBufferedBytes = 32 * 1024 * 1024;
const bookmarkIntervalMs = 10_000;

export async function handleWatch(h: HandlerRequest): Promise<void> {
  const { rt, req, res, query, deps, info } = h;
  const neg = negotiate(req.headers.accept, query);
  const filter = buildFilter(rt, query, info.name);
  const rv = query.get('resourceVersion') ?? '';
  const sendInitial = query.get('sendInitialEvents') === 'true';
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0') || 1800 + Math.floor(Math.random() * 1800);
  const ns = rt.namespaced ? info.namespace : undefined;
  const nsPrefix = ns ? `/registry/${rt.storage.resource}/${ns}/` : undefined;
  if (sendInitial && !bookmarks) {
    throw errors.invalid('ListOptions', 'meta.k8s.io', '', [
      { field: 'allowWatchBookmarks', type: 'FieldValueForbidden', detail: 'allowWatchBookmarks must be set to true when sendInitialEvents is set' },
    ]);
  }
  let fromRev: number | undefined;
  if (rv !== '' && rv !== '0') {
    fromRev = Number(rv);
    if (!Number.isInteger(fromRev) || fromRev < 0) throw errors.badRequest(`invalid resource version: ${rv}`);
  }
  if (rv === '' || sendInitial) await deps.cache.sync();

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();

  let headersSent = false;
  let closed = false;
  let sub: Subscription | undefined;
  const timers: NodeJS.Timeout[] = [];
  const finish = () => {
    if (closed) return;
    closed = true;
    sub?.close();
    for (const t of timers) clearTimeout(t), clearInterval(t);
    res.end();
  };
  req.on('close', finish);
  res.on('close', finish);
  res.on('error', finish);

  const render = (p: Presented): string => {
    if (neg.rendering === 'table') {
      const t = buildTable(rt, [p.obj], neg, {}, !headersSent);
      headersSent = true;
      return JSON.stringify(t);
    }
    if (neg.rendering === 'metadata') return JSON.stringify(partialMetadata(p.obj, neg.metaVersion));
    return p.json;
  };
  // Events of one storage batch arrive in one tick: corked until the next, they leave in one TLS write.
  let corked = false;
  const uncork = () => {
    corked = false;
    res.uncork();
  };
  const write = (type: string, objJson: string) => {
    if (closed) return;
    if (!corked) {
      corked = true;
      res.cork();
      process.nextTick(uncork);
    }
    res.write(`{"type":"${type}","object":${objJson}}\n`);
    if (res.writableLength > maxBufferedBytes) {
      deps.log.warn({ resource: rt.resource }, 'closing a watch whose client is too slow');
      finish();
    }
  };
  const sendObject = (type: string, c: CachedObject) => {
    write(type, render(deps.store.presentCached(rt, c)));
  };
  const bookmark = (rev: number, annotations?: Record<string, string>) => {
    const meta: Record<string, unknown> = { resourceVersion: String(rev) };
    if (annotations) meta.annotations = annotations;
    write('BOOKMARK', JSON.stringify({ kind: rt.kind, apiVersion: apiVersionOf(rt), metadata: meta }));
  };

  const inScope = (c: CachedObject) => !nsPrefix || c.key.startsWith(nsPrefix);
  // Without selectors nothing needs the parsed object: the cached text is sent as it is.
  const selected = (c: CachedObject) => filter.everything || filter(c.obj);
  const onEvent = (ev: CacheEvent) => {
    if (!inScope(ev.object)) return;
    const now = ev.type !== 'DELETED' && selected(ev.object);
    const before = ev.prev !== undefined && selected(ev.prev);
    switch (ev.type) {
      case 'ADDED':
        if (now) sendObject('ADDED', ev.object);
        break;
      case 'MODIFIED':
        if (now && before) sendObject('MODIFIED', ev.object);
        else if (now) sendObject('ADDED', ev.object);
        else if (before) sendObject('DELETED', ev.object);
        break;
      case 'DELETED':
        if (selected(ev.object)) sendObject('DELETED', ev.object);
        break;
    }
  };

  try {
    if (fromRev === undefined || sendInitial) {
      const snapshot = deps.cache.list(rt.storage.resource, ns);
      const at = deps.cache.currentRevision;
      for (const c of snapshot) if (selected(c)) sendObject('ADDED', c);
      if (sendInitial) bookmark(at, { 'k8s.io/initial-events-end': 'true' });
      sub = deps.cache.subscribe(rt.storage.resource, at, onEvent);
    } else {
      sub = deps.cache.subscribe(rt.storage.resource, fromRev, onEvent);
    }
  } catch (err) {
    const status = isStatusError(err) ? err : errors.internal(err);
    write('ERROR', JSON.stringify(status.status));
    finish();
    return;
  }
  if (closed) {
    sub.close();
    return;
  }
  timers.push(setTimeout(finish, timeoutSeconds * 1000));
  if (bookmarks) timers.push(setInterval(() => bookmark(deps.cache.currentRevision), bookmarkIntervalMs));
}

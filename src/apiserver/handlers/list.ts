/**
 * LIST. Whole lists come from the watch cache (after it has caught up with
 * the store, so they are consistent); paginated lists (`limit` smaller than
 * the collection, or `continue`) read the store at the first page's
 * revision, so every page belongs to one snapshot, as with etcd.
 */
import { apiVersionOf, type KObject } from '../../api/types.js';
import { errors } from '../../api/errors.js';
import { CompactedError } from '../../storage/backend.js';
import { collectionPrefix } from '../registry/keys.js';
import { decodeKV } from '../registry/store.js';
import { buildFilter } from './filter.js';
import { negotiate, sendJSON } from '../http/respond.js';
import { sendParts } from '../http/compress.js';
import { buildMetadataList, buildTable } from '../http/table.js';
import type { HandlerRequest } from './context.js';

interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

function encodeContinue(rv: number, lastKey: string): string {
  const t: ContinueToken = { v: 'meta.k8s.io/v1', rv, start: `${lastKey}\u0000` };
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad token');
    return t;
  } catch {
    throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

const continueTooOld =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export interface ListPage {
  items: { obj: Readonly<KObject>; json: string; bytes?: Buffer }[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** Reads one page of a list (shared by LIST and DELETECOLLECTION). */
export async function readList(h: HandlerRequest): Promise<ListPage> {
  const { rt, query, deps, info } = h;
  const filter = buildFilter(rt, query);
  const limit = Math.max(0, Number(query.get('limit') ?? '0') || 0);
  const cont = query.get('continue');
  const rv = query.get('resourceVersion') ?? '';
  const ns = rt.namespaced ? info.namespace : undefined;
  if (cont && rv) throw errors.badRequest('specifying resource version is not allowed when using continue');

  if (!cont) {
    if (rv !== '0') await deps.cache.sync();
    const all = deps.cache.list(rt.storage.resource, ns);
    if (!limit || (all.length <= limit && filter.everything) || rv === '0') {
      const items = [];
      for (const c of all) if (filter.everything || filter(c.obj)) items.push(deps.store.presentCached(rt, c));
      if (!limit || items.length <= limit || rv === '0') {
        return { items, resourceVersion: String(deps.cache.currentRevision) };
      }
    }
  }

  // Paginated read from the store at one revision.
  const token = cont ? decodeContinue(cont) : undefined;
  const revision = token?.rv ?? (await deps.backend.currentRevision());
  let startAfter = token?.start ? token.start.replace(/\u0000$/, '') : undefined;
  const prefix = collectionPrefix(rt, ns);
  const items: ListPage['items'] = [];
  let more = false;
  let remaining: number | undefined;
  let lastKey = '';
  try {
    outer: for (;;) {
      const page = await deps.backend.list(prefix, { revision, limit: Math.max(limit, 100), startAfter });
      for (let i = 0; i < page.items.length; i++) {
        const kv = page.items[i]!;
        if (items.length >= limit) {
          more = true;
          remaining = page.items.length - i + (page.more ? (page.remaining ?? 0) : 0);
          break outer;
        }
        lastKey = startAfter = kv.key;
        const obj = decodeKV(kv);
        if (filter(obj)) items.push(deps.store.present(rt, obj));
      }
      if (!page.more || page.items.length === 0) break;
    }
  } catch (err) {
    if (err instanceof CompactedError) throw errors.expired(continueTooOld);
    throw err;
  }
  const out: ListPage = { items, resourceVersion: String(revision) };
  if (more && lastKey) {
    out.continue = encodeContinue(revision, lastKey);
    if (filter.everything && remaining !== undefined && remaining > 0) out.remainingItemCount = remaining;
  }
  return out;
}

export async function handleList(h: HandlerRequest): Promise<void> {
  const { rt, req, res, query } = h;
  const neg = negotiate(req.headers.accept, query);
  const page = await readList(h);
  const meta: Record<string, unknown> = { resourceVersion: page.resourceVersion };
  if (page.continue) meta.continue = page.continue;
  if (page.remainingItemCount !== undefined) meta.remainingItemCount = page.remainingItemCount;
  if (neg.rendering === 'table') {
    sendJSON(res, 200, buildTable(rt, page.items.map((i) => i.obj), neg, meta));
    return;
  }
  if (neg.rendering === 'metadata') {
    sendJSON(res, 200, buildMetadataList(page.items.map((i) => i.obj), neg, meta));
    return;
  }
  // Written from the bytes the cache already holds: no re-serialising, no giant string.
  const head = Buffer.from(`{"kind":${JSON.stringify(rt.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(rt))},"metadata":${JSON.stringify(meta)},"items":[`);
  const parts: Buffer[] = [head];
  let length = head.length + tail.length;
  page.items.forEach((item, i) => {
    if (i > 0) parts.push(comma);
    const bytes = item.bytes ?? Buffer.from(item.json, 'utf8');
    parts.push(bytes);
    length += bytes.length + (i > 0 ? 1 : 0);
  });
  parts.push(tail);
  await sendParts(res, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' }, parts, length);
}

const comma = Buffer.from(',');
const tail = Buffer.from(']}');

/**
 * CREATE, UPDATE (PUT), PATCH, DELETE and DELETECOLLECTION of a resource or
 * its status subresource. Bodies are decoded and checked (type meta, unknown
 * fields per `fieldValidation`) before the registry is called, so a bad body
 * changes nothing.
 */
import { apiVersionOf, type KObject, type ResourceType } from '../../api/types.js';
import { errors } from '../../api/errors.js';
import { decodeObject, readBody } from '../http/body.js';
import { negotiate, sendJSON } from '../http/respond.js';
import { buildTable } from '../http/table.js';
import type { DeleteOptions, Presented } from '../registry/store.js';
import type { HandlerRequest } from './context.js';
import { readList } from './list.js';
import { patchBuilder, patchTypeOf } from './patch.js';

/** 400 when the body's apiVersion/kind is not what the URL addresses. */
export function checkTypeMeta(rt: ResourceType, body: KObject): void {
  const want = apiVersionOf(rt);
  if (body.apiVersion !== undefined && body.apiVersion !== want) {
    if (body.kind && body.kind !== rt.kind) {
      throw errors.badRequest(`${body.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: no kind "${body.kind}" is registered for version "${body.apiVersion}"`);
    }
    throw errors.badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${want})`);
  }
  if (body.kind !== undefined && body.kind !== rt.kind) {
    throw errors.badRequest(`${body.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: no kind "${body.kind}" is registered for version "${want}"`);
  }
  body.apiVersion = want;
  body.kind = rt.kind;
}

/**
 * What Kubernetes' decoder checks: values of the wrong type are always a 400;
 * unknown fields are rejected (Strict), reported (Warn) or ignored, then dropped.
 */
export function checkUnknownFields(h: HandlerRequest, body: KObject): void {
  const { rt, ctx, deps } = h;
  const found = deps.fields.decode(rt, body);
  if (found.typeError) throw errors.badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: ${found.typeError}`);
  if (ctx.fieldValidation === 'Ignore' || found.unknown.length === 0) return;
  const list = found.unknown.map((f) => `unknown field "${f}"`);
  if (ctx.fieldValidation === 'Strict') {
    throw errors.badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: strict decoding error: ${list.join(', ')}`);
  }
  ctx.warnings.push(...list);
}

function respondObject(h: HandlerRequest, code: number, p: Presented | KObject): void {
  const obj = 'json' in p && 'obj' in p ? (p as Presented) : undefined;
  const neg = negotiate(h.req.headers.accept, h.query);
  if (neg.rendering === 'table') {
    sendJSON(h.res, code, buildTable(h.rt, [obj ? obj.obj : (p as KObject)], neg, {}));
    return;
  }
  sendJSON(h.res, code, obj ? obj.json : p, warningHeadersOf(h));
}

function warningHeadersOf(h: HandlerRequest): Record<string, string> {
  if (!h.ctx.warnings.length) return {};
  return { Warning: h.ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}

export async function handleCreate(h: HandlerRequest): Promise<void> {
  const body = decodeObject(await readBody(h.req), h.req.headers['content-type'], h.rt.kind) as KObject;
  checkTypeMeta(h.rt, body);
  checkUnknownFields(h, body);
  const created = await h.deps.store.create(h.rt, h.info.namespace, body, h.ctx);
  respondObject(h, 201, created);
}

export async function handleUpdate(h: HandlerRequest, subresource?: 'status'): Promise<void> {
  const body = decodeObject(await readBody(h.req), h.req.headers['content-type'], h.rt.kind) as KObject;
  checkTypeMeta(h.rt, body);
  checkUnknownFields(h, body);
  const { result, created } = await h.deps.store.update(h.rt, h.info.namespace, h.info.name!, body, h.ctx, { subresource });
  respondObject(h, created ? 201 : 200, result);
}

export async function handlePatch(h: HandlerRequest, subresource?: 'status'): Promise<void> {
  const type = patchTypeOf(h.req.headers['content-type']);
  const raw = await readBody(h.req);
  const build = patchBuilder(h, type, raw);
  const { result, created } = await h.deps.store.guaranteedUpdate(h.rt, h.info.namespace, h.info.name!, h.ctx, build, {
    subresource,
    honorResourceVersion: true,
    allowCreate: type === 'apply',
  });
  respondObject(h, created ? 201 : 200, result);
}

/** DeleteOptions from the body (kubectl sends one) or the query. */
async function deleteOptions(h: HandlerRequest): Promise<DeleteOptions> {
  const raw = await readBody(h.req);
  let body: Record<string, unknown> = {};
  if (raw.length) body = decodeObject(raw, h.req.headers['content-type'] || 'application/json', 'DeleteOptions');
  const q = h.query;
  const opts: DeleteOptions = {};
  const grace = body.gracePeriodSeconds ?? (q.get('gracePeriodSeconds') !== null ? Number(q.get('gracePeriodSeconds')) : undefined);
  if (grace !== undefined) {
    if (typeof grace !== 'number' || !Number.isInteger(grace)) throw errors.badRequest(`invalid gracePeriodSeconds: ${String(grace)}`);
    opts.gracePeriodSeconds = Math.max(0, grace);
  }
  const policy = (body.propagationPolicy ?? q.get('propagationPolicy') ?? undefined) as string | undefined;
  if (policy !== undefined) {
    if (policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
      throw errors.invalid('DeleteOptions', 'meta.k8s.io', '', [
        { field: 'propagationPolicy', type: 'FieldValueNotSupported', value: policy, supported: ['Foreground', 'Background', 'Orphan', 'nil'] },
      ]);
    }
    opts.propagationPolicy = policy;
  }
  const orphan = body.orphanDependents ?? (q.get('orphanDependents') !== null ? q.get('orphanDependents') === 'true' : undefined);
  if (orphan !== undefined) opts.orphanDependents = Boolean(orphan);
  if (body.preconditions && typeof body.preconditions === 'object') opts.preconditions = body.preconditions as DeleteOptions['preconditions'];
  const dry = body.dryRun;
  if (Array.isArray(dry) && dry.includes('All')) h.ctx.dryRun = true;
  return opts;
}

/**
 * Pods (and anything deleted gracefully) answer with the object; other types
 * answer a Status of Success once gone, as kube-apiserver does.
 */
export async function handleDelete(h: HandlerRequest): Promise<void> {
  const opts = await deleteOptions(h);
  const { obj, deleted } = await h.deps.store.delete(h.rt, h.info.namespace, h.info.name!, opts, h.ctx);
  if (deleted && h.rt.resource !== 'pods') {
    sendJSON(h.res, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: h.info.name, group: h.rt.group, kind: h.rt.resource, uid: obj.metadata?.uid },
    });
    return;
  }
  sendJSON(h.res, 200, obj);
}

export async function handleDeleteCollection(h: HandlerRequest): Promise<void> {
  const opts = await deleteOptions(h);
  const page = await readList(h);
  const items: KObject[] = [];
  for (const item of page.items) {
    const name = item.obj.metadata!.name!;
    try {
      const { obj } = await h.deps.store.delete(h.rt, item.obj.metadata!.namespace, name, opts, h.ctx);
      items.push(obj);
    } catch (err) {
      if ((err as { reason?: string }).reason !== 'NotFound') throw err;
    }
  }
  sendJSON(h.res, 200, { kind: h.rt.listKind, apiVersion: apiVersionOf(h.rt), metadata: { resourceVersion: page.resourceVersion }, items });
}

/**
 * PATCH bodies by Content-Type: JSON patch, merge patch, strategic merge
 * patch (with the type's list merge keys from the OpenAPI schema) and
 * server-side apply. Each becomes an UpdateFn the registry runs against the
 * newest object, retrying on conflict; the engines live in ../patch.
 */
import type { KObject } from '../../api/types.js';
import { errors } from '../../api/errors.js';
import { mediaType } from '../http/body.js';
import { definitions, schemaFor } from '../openapi/index.js';
import type { Schema } from '../openapi/schema.js';
import { applyPatch, definitionsLookup, parseApplyBody, patchTypeFromContentType, serverSideApply, type PatchType } from '../patch/index.js';
import type { UpdateFn } from '../registry/store.js';
import type { HandlerRequest } from './context.js';
import { checkTypeMeta, checkUnknownFields } from './write.js';

export type { PatchType };

export function patchTypeOf(contentType: string | undefined): PatchType {
  const t = patchTypeFromContentType(contentType);
  if (!t) throw errors.unsupportedMediaType(mediaType(contentType) || 'none');
  return t;
}

let lookup: ReturnType<typeof definitionsLookup> | undefined;
function schemaLookup() {
  return (lookup ??= definitionsLookup(definitions() as Record<string, Schema>));
}

export function patchBuilder(h: HandlerRequest, type: PatchType, raw: Buffer): UpdateFn {
  const { rt } = h;
  const schema = schemaFor({ group: rt.group, version: rt.version, kind: rt.kind });
  if (raw.length === 0) throw errors.badRequest('the body of the request was empty');
  const body = raw.toString('utf8');
  if (type !== 'apply') {
    return (current) => {
      const patched = applyPatch(type, current!, body, { schema, lookup: schemaLookup() }) as KObject;
      checkTypeMeta(rt, patched);
      checkUnknownFields(h, patched);
      return patched;
    };
  }
  const applied = parseApplyBody(body) as KObject;
  if (!h.query.get('fieldManager')) {
    throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [{ field: 'fieldManager', type: 'FieldValueRequired', detail: 'is required for apply patch' }]);
  }
  checkTypeMeta(rt, applied);
  checkUnknownFields(h, applied);
  if (applied.metadata?.name && applied.metadata.name !== h.info.name) {
    throw errors.badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${h.info.name})`);
  }
  const force = h.query.get('force') === 'true';
  h.ctx.managedByApply = true;
  return (current) =>
    serverSideApply<KObject>({
      live: current,
      applied,
      manager: h.ctx.fieldManager,
      force,
      apiVersion: `${rt.group ? `${rt.group}/` : ''}${rt.version}`,
      schema,
      lookup: schemaLookup(),
      now: new Date(),
    }).object;
}

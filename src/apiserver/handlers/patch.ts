/**
 * PATCH bodies by Content-Type: JSON patch, merge patch, strategic merge
 * patch (with the type's list merge keys from the OpenAPI schema) and
 * server-side apply. Each becomes an UpdateFn the registry runs against the
 * newest object, retrying on conflict.
 */
import type { KObject } from '../../api/types.js';
import { errors } from '../../api/errors.js';
import { mediaType, parseYamlText } from '../http/body.js';
import { definitions, schemaFor } from '../openapi/index.js';
import type { Schema } from '../openapi/schema.js';
import { decodeJsonPatch, definitionsLookup, jsonPatch, mergePatch, serverSideApply, strategicMergePatch } from '../patch/index.js';
import type { UpdateFn } from '../registry/store.js';
import type { HandlerRequest } from './context.js';
import { checkTypeMeta, checkUnknownFields } from './write.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const byMediaType: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export function patchTypeOf(contentType: string | undefined): PatchType {
  const t = byMediaType[mediaType(contentType)];
  if (!t) {
    throw errors.unsupportedMediaType(mediaType(contentType) || 'none');
  }
  return t;
}

let lookup: ReturnType<typeof definitionsLookup> | undefined;
function schemaLookup() {
  return (lookup ??= definitionsLookup(definitions() as Record<string, Schema>));
}

function parseJSON(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw errors.badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

export function patchBuilder(h: HandlerRequest, type: PatchType, raw: Buffer): UpdateFn {
  const { rt } = h;
  const gvk = { group: rt.group, version: rt.version, kind: rt.kind };
  if (raw.length === 0) throw errors.badRequest('the body of the request was empty');
  const finish = (obj: KObject): KObject => {
    checkTypeMeta(rt, obj);
    checkUnknownFields(h, obj);
    return obj;
  };
  switch (type) {
    case 'json': {
      const ops = decodeJsonPatch(raw.toString('utf8'));
      return (current) => finish(jsonPatch(current!, ops) as KObject);
    }
    case 'merge': {
      const patch = parseJSON(raw);
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw errors.badRequest('error decoding patch: merge patch must be a JSON object');
      return (current) => finish(mergePatch(current!, patch) as KObject);
    }
    case 'strategic': {
      const patch = parseJSON(raw);
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw errors.badRequest('error decoding patch: strategic merge patch must be a JSON object');
      const schema = schemaFor(gvk);
      return (current) => finish(strategicMergePatch(current!, patch, schema, schemaLookup()) as KObject);
    }
    case 'apply': {
      const applied = parseYamlText(raw.toString('utf8'), rt.kind) as KObject;
      if (applied === null || typeof applied !== 'object' || Array.isArray(applied)) throw errors.badRequest('error decoding YAML: apply patch must be an object');
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
      const schema = schemaFor(gvk);
      return (current) =>
        serverSideApply({
          live: current,
          applied,
          manager: h.ctx.fieldManager,
          force,
          apiVersion: `${rt.group ? `${rt.group}/` : ''}${rt.version}`,
          schema,
          lookup: schemaLookup(),
          now: new Date(),
        }).object as KObject;
    }
  }
}

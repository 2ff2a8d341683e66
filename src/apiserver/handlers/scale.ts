/**
 * The scale subresource (`kubectl scale`, HPA): an autoscaling/v1 Scale
 * view of a workload's spec.replicas, status.replicas and selector.
 */
import type { KObject } from '../../api/types.js';
import { errors } from '../../api/errors.js';
import { selectorToString, labelSelectorFromObject } from '../../api/labels.js';
import { decodeObject, readBody } from '../http/body.js';
import { sendJSON } from '../http/respond.js';
import type { HandlerRequest } from './context.js';
import { patchBuilder, patchTypeOf } from './patch.js';

interface Scale extends KObject {
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

function selectorOf(obj: KObject): string | undefined {
  const spec = obj.spec as { selector?: unknown } | undefined;
  const sel = spec?.selector;
  if (!sel) return undefined;
  if (obj.kind === 'ReplicationController') {
    // RC selectors are plain maps.
    return Object.entries(sel as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');
  }
  return selectorToString(labelSelectorFromObject(sel as Parameters<typeof labelSelectorFromObject>[0]));
}

export function toScale(obj: KObject): Scale {
  const m = obj.metadata!;
  const status = (obj.status ?? {}) as { replicas?: number };
  const sel = selectorOf(obj);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: (obj.spec as { replicas?: number } | undefined)?.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, ...(sel ? { selector: sel } : {}) },
  };
}

export async function handleScale(h: HandlerRequest): Promise<void> {
  const { deps, rt, info } = h;
  const ns = info.namespace;
  const name = info.name!;
  if (info.verb === 'get') {
    const { obj } = await deps.store.get(rt, ns, name);
    sendJSON(h.res, 200, toScale(obj));
    return;
  }
  let buildScale: (current: Scale) => Scale;
  if (info.verb === 'update') {
    const body = decodeObject(await readBody(h.req), h.req.headers['content-type'], 'Scale') as Scale;
    if (body.kind && body.kind !== 'Scale') throw errors.badRequest(`${body.kind} in version "v1" cannot be handled as a Scale`);
    buildScale = () => body;
  } else if (info.verb === 'patch') {
    const raw = await readBody(h.req);
    const type = patchTypeOf(h.req.headers['content-type']);
    const patchScale = patchBuilder({ ...h, rt: scaleType(h) }, type, raw);
    buildScale = (current) => patchScale(current) as Scale;
  } else {
    throw errors.methodNotAllowed(info.verb, { group: rt.group, resource: `${rt.resource}/scale` });
  }
  const { result } = await deps.store.guaranteedUpdate(rt, ns, name, h.ctx, async (current) => {
    const cur = current!;
    const scale = await buildScale(toScale(cur));
    const replicas = scale.spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid('Scale', 'autoscaling', name, [{ field: 'spec.replicas', type: 'FieldValueInvalid', value: replicas, detail: 'must be greater than or equal to 0' }]);
    }
    const rv = scale.metadata?.resourceVersion;
    const next = structuredClone(cur);
    (next.spec as { replicas?: number }).replicas = replicas;
    if (rv) next.metadata!.resourceVersion = rv;
    return next;
  }, { honorResourceVersion: true });
  sendJSON(h.res, 200, toScale(result.obj));
}

/** The autoscaling/v1 Scale type, for patching a Scale view. */
function scaleType(h: HandlerRequest): HandlerRequest['rt'] {
  return { ...h.rt, group: 'autoscaling', version: 'v1', kind: 'Scale', resource: `${h.rt.resource}/scale`, strategy: {} };
}

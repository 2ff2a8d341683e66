/**
 * namespaces/<name>/finalize: how the namespace controller clears
 * spec.finalizers once a Terminating namespace is empty; the namespace then
 * goes away.
 */
import type { KObject } from '../../api/types.js';
import { decodeObject, readBody } from '../http/body.js';
import { sendJSON } from '../http/respond.js';
import type { HandlerRequest } from './context.js';

export async function handleFinalize(h: HandlerRequest): Promise<void> {
  const body = decodeObject(await readBody(h.req), h.req.headers['content-type'], 'Namespace') as KObject;
  const finalizers = ((body.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).slice();
  const { result } = await h.deps.store.guaranteedUpdate(h.rt, undefined, h.info.name!, h.ctx, (current) => {
    const ns = current!;
    ns.spec = { ...((ns.spec as object) ?? {}), finalizers };
    if (!finalizers.length) delete (ns.spec as { finalizers?: string[] }).finalizers;
    const rv = body.metadata?.resourceVersion;
    if (rv) ns.metadata!.resourceVersion = rv;
    return ns;
  }, { subresource: 'finalize', honorResourceVersion: true });
  sendJSON(h.res, 200, result.json);
}

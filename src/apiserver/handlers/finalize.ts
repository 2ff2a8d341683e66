/**
 * namespaces/<name>/finalize: how the namespace controller clears
 * spec.finalizers once a Terminating namespace is empty; the namespace then
 * goes away.
 */
import type { KObject } from '../../api/types.js';
import { prepareNamespaceFinalize } from '../../api/strategies/index.js';
import { decodeObject, readBody } from '../http/body.js';
import { sendJSON } from '../http/respond.js';
import type { HandlerRequest } from './context.js';

export async function handleFinalize(h: HandlerRequest): Promise<void> {
  const body = decodeObject(await readBody(h.req), h.req.headers['content-type'], 'Namespace') as KObject;
  const { result } = await h.deps.store.guaranteedUpdate(h.rt, undefined, h.info.name!, h.ctx, (current) => {
    const next = structuredClone(body);
    prepareNamespaceFinalize(next, current!);
    return next;
  }, { subresource: 'finalize', honorResourceVersion: true });
  sendJSON(h.res, 200, result.json);
}

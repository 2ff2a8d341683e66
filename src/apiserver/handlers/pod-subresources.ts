/**
 * pods/binding (how a scheduler places a pod) and pods/eviction (how
 * `kubectl drain` removes one while honouring PodDisruptionBudgets).
 */
import type { KObject } from '../../api/types.js';
import { errors, StatusError } from '../../api/errors.js';
import { labelSelectorFromObject, matches } from '../../api/labels.js';
import { decodeObject, readBody } from '../http/body.js';
import { sendJSON } from '../http/respond.js';
import type { HandlerRequest } from './context.js';
import type { DeleteOptions } from '../registry/store.js';

const success = (code: number) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code });

interface PodCondition {
  type: string;
  status: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export async function handleBinding(h: HandlerRequest): Promise<void> {
  const body = decodeObject(await readBody(h.req), h.req.headers['content-type'], 'Binding') as KObject & { target?: { kind?: string; name?: string } };
  const name = h.info.name!;
  const target = body.target;
  if (body.metadata?.name && body.metadata.name !== name) {
    throw errors.badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
  }
  if (!target?.name) {
    throw errors.invalid('Binding', '', name, [{ field: 'target.name', type: 'FieldValueRequired' }]);
  }
  if (target.kind && target.kind !== 'Node') {
    throw errors.invalid('Binding', '', name, [{ field: 'target.kind', type: 'FieldValueNotSupported', value: target.kind, supported: ['Node'] }]);
  }
  const pods = h.rt;
  await h.deps.store.guaranteedUpdate(pods, h.info.namespace, name, h.ctx, (current) => {
    const pod = current!;
    const spec = pod.spec as { nodeName?: string };
    if (pod.metadata?.deletionTimestamp) {
      throw errors.conflict({ group: '', resource: 'pods' }, name, 'pod is being deleted, cannot be assigned to a host');
    }
    if (spec.nodeName) {
      throw errors.conflict({ group: '', resource: 'pods' }, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    }
    if (body.metadata?.uid && body.metadata.uid !== pod.metadata?.uid) {
      throw errors.conflict({ group: '', resource: 'pods' }, name, `Precondition failed: UID in precondition: ${body.metadata.uid}, UID in object meta: ${pod.metadata?.uid}`);
    }
    spec.nodeName = target.name;
    // The binding's annotations are copied onto the pod, as Kubernetes does.
    const annotations = body.metadata?.annotations;
    if (annotations && Object.keys(annotations).length) pod.metadata!.annotations = { ...pod.metadata!.annotations, ...annotations };
    const status = ((pod.status ??= {}) as { conditions?: PodCondition[] });
    const conds = (status.conditions ??= []);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const existing = conds.find((c) => c.type === 'PodScheduled');
    if (existing) {
      if (existing.status !== 'True') existing.lastTransitionTime = now;
      existing.status = 'True';
      delete existing.reason;
      delete existing.message;
    } else {
      conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
    }
    return pod;
  }, { subresource: 'binding' });
  sendJSON(h.res, 201, success(201));
}

interface Budget extends KObject {
  spec?: { selector?: Parameters<typeof labelSelectorFromObject>[0]; minAvailable?: number | string; maxUnavailable?: number | string };
  status?: { disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; observedGeneration?: number; disruptedPods?: Record<string, string> };
}

export async function handleEviction(h: HandlerRequest): Promise<void> {
  const body = decodeObject(await readBody(h.req), h.req.headers['content-type'], 'Eviction') as KObject & { deleteOptions?: DeleteOptions };
  const name = h.info.name!;
  const ns = h.info.namespace!;
  const { obj: pod } = await h.deps.store.get(h.rt, ns, name);
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  const terminal = phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata?.deletionTimestamp;
  if (!terminal) {
    const pdbType = h.deps.resources.find((r) => r.group === 'policy' && r.resource === 'poddisruptionbudgets' && r.version === 'v1');
    if (pdbType) {
      await h.deps.cache.sync();
      const budgets = h.deps.cache
        .list(pdbType.storage.resource, ns)
        .map((c) => c.obj as Budget)
        .filter((b) => b.spec?.selector && matches(labelSelectorFromObject(b.spec.selector), pod.metadata?.labels));
      if (budgets.length > 1) {
        throw new StatusError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
      }
      const pdb = budgets[0];
      if (pdb) {
        const st = pdb.status ?? {};
        if ((st.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 1)) {
          throw tooMany(`The disruption budget ${pdb.metadata?.name} is still being processed by the server.`);
        }
        if ((st.disruptionsAllowed ?? 0) < 1) {
          throw tooMany(`The disruption budget ${pdb.metadata?.name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`);
        }
        await h.deps.store.guaranteedUpdate(pdbType, ns, pdb.metadata!.name!, h.ctx, (cur) => {
          const b = cur as Budget;
          const s = (b.status ??= {});
          if ((s.disruptionsAllowed ?? 0) < 1) throw tooMany(`The disruption budget ${pdb.metadata?.name} needs ${s.desiredHealthy ?? 0} healthy pods and has ${s.currentHealthy ?? 0} currently`);
          s.disruptionsAllowed = (s.disruptionsAllowed ?? 0) - 1;
          s.disruptedPods = { ...(s.disruptedPods ?? {}), [name]: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
          return b;
        }, { subresource: 'status' });
      }
    }
  }
  await h.deps.store.delete(h.rt, ns, name, body.deleteOptions ?? {}, h.ctx);
  sendJSON(h.res, 201, success(201));
}

function tooMany(cause: string): StatusError {
  return new StatusError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
    causes: [{ reason: 'DisruptionBudget', message: cause }],
  });
}

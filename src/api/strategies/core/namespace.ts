/** Namespaces: Active on create, the `kubernetes` finalizer, finalizers changed only through /finalize. */
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../types.js';
import { defaultNamespace } from '../../defaults/core.js';
import { isDNS1123Label } from '../../validation/names.js';
import { validateNamespace } from '../../validation/misc.js';
import { makeStrategy, str } from '../common.js';

export const namespaceStrategy = makeStrategy<Namespace>({
  namespaced: false,
  name: isDNS1123Label,
  status: true,
  default: defaultNamespace,
  initialStatus: () => ({ phase: 'Active' }),
  prepareForCreate(ns) {
    // Required on create only: the namespace controller removes it over the namespace's life.
    const spec = (ns.spec ??= {});
    const finalizers = (spec.finalizers ??= []);
    if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
  },
  prepareForUpdate(ns, old) {
    if (old.spec?.finalizers) ns.spec = { ...ns.spec, finalizers: [...old.spec.finalizers] };
    else if (ns.spec) delete ns.spec.finalizers;
  },
  prepareForDelete(ns) {
    ns.status = { ...ns.status, phase: 'Terminating' };
  },
  validate: validateNamespace,
  selectableFields: (ns) => ({ 'status.phase': str(ns.status?.phase) }),
});

/**
 * The namespaces/finalize subresource: only spec.finalizers comes from the
 * request; the rest stays as stored. Not part of the Strategy contract, so
 * the registry calls it by name.
 */
export function prepareNamespaceFinalize(obj: KObject, old: KObject): void {
  const finalizers = (obj.spec as Namespace['spec'])?.finalizers;
  const resourceVersion = obj.metadata?.resourceVersion;
  for (const k of Object.keys(obj)) delete obj[k];
  Object.assign(obj, structuredClone(old));
  obj.spec = { ...(obj.spec as object), finalizers: finalizers ?? [] };
  if (resourceVersion !== undefined) obj.metadata = { ...obj.metadata, resourceVersion };
}

/**
 * Objects every cluster has from its first start: the four built-in
 * namespaces. Created through the registry like any client's object, and
 * only when missing, so restarts change nothing.
 */
import type { ResourceType } from '../api/types.js';
import { isStatusError } from '../api/errors.js';
import type { Store } from './registry/store.js';
import { systemContext } from './request-context.js';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function bootstrap(store: Store, resources: readonly ResourceType[]): Promise<void> {
  const namespaces = resources.find((r) => r.group === '' && r.resource === 'namespaces')!;
  for (const name of systemNamespaces) {
    try {
      await store.create(namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, systemContext());
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
    }
  }
}

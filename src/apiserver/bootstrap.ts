/**
 * Objects every cluster has from its first start: the four built-in
 * namespaces, and the `kubernetes` Service (10.43.0.1:443) in `default`
 * whose Endpoints point at this API server. Created through the registry
 * like any client's object, only when missing (the Endpoints are brought up
 * to date when the server's address changed), so restarts change nothing else.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KObject, ResourceType } from '../api/types.js';
import { isStatusError } from '../api/errors.js';
import type { Store } from './registry/store.js';
import { systemContext } from './request-context.js';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
export const kubernetesServiceIP = '10.43.0.1';

export interface BootstrapOptions {
  /** Where clients reach this API server (the Endpoints of `kubernetes`). */
  address: string;
  port: number;
}

function core(resources: readonly ResourceType[], resource: string): ResourceType {
  return resources.find((r) => r.group === '' && r.version === 'v1' && r.resource === resource)!;
}

async function createIfMissing(store: Store, rt: ResourceType, namespace: string | undefined, obj: KObject): Promise<boolean> {
  // Look first: a create would run admission (e.g. claim the Service's IP) before finding the object exists.
  try {
    await store.getStored(rt, namespace, obj.metadata!.name!);
    return false;
  } catch (err) {
    if (!isStatusError(err, 'NotFound')) throw err;
  }
  try {
    await store.create(rt, namespace, obj, systemContext());
    return true;
  } catch (err) {
    if (!isStatusError(err, 'AlreadyExists')) throw err;
    return false;
  }
}

export async function bootstrap(store: Store, resources: readonly ResourceType[], opts: BootstrapOptions): Promise<void> {
  const namespaces = core(resources, 'namespaces');
  for (const name of systemNamespaces) {
    await createIfMissing(store, namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  await createIfMissing(store, core(resources, 'services'), 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', labels },
    spec: { type: 'ClusterIP', clusterIP: kubernetesServiceIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: opts.port }] },
  });
  const subsets = [{ addresses: [{ ip: opts.address }], ports: [{ name: 'https', port: opts.port, protocol: 'TCP' }] }];
  const endpoints = core(resources, 'endpoints');
  const made = await createIfMissing(store, endpoints, 'default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', labels }, subsets });
  if (!made) {
    await store.guaranteedUpdate(endpoints, 'default', 'kubernetes', systemContext(), (cur) => {
      if (isDeepStrictEqual(cur!.subsets, subsets)) return cur!;
      return { ...cur!, subsets };
    });
  }
}

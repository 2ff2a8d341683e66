/**
 * Configuration and accounting: secrets, config maps, service accounts and
 * resource quotas.
 */
import type { ConfigMap, ResourceQuota, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { ageColumn, ageOf, col, nameColumn, nameOf, printer, quantity } from './format.js';

export const secretPrinter = printer<Secret>(
  [
    nameColumn,
    col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
    col('Data', 'string', 'Data contains the secret data.'),
    ageColumn,
  ],
  (obj, now) => [nameOf(obj), obj.type ?? '', Object.keys(obj.data ?? {}).length, ageOf(obj, now)],
);

export const configMapPrinter = printer<ConfigMap>(
  [nameColumn, col('Data', 'string', 'Data contains the configuration data.'), ageColumn],
  (obj, now) => [nameOf(obj), Object.keys(obj.data ?? {}).length + Object.keys(obj.binaryData ?? {}).length, ageOf(obj, now)],
);

export const serviceAccountPrinter = printer<ServiceAccount>(
  [nameColumn, col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), ageColumn],
  (obj, now) => [nameOf(obj), obj.secrets?.length ?? 0, ageOf(obj, now)],
);

/** The REQUEST and LIMIT cells: `used/hard` per resource in status.hard, `limits.*` in the second. */
export function quotaCells(quota: ResourceQuota): [request: string, limit: string] {
  const hard = quota.status?.hard ?? {};
  const used = quota.status?.used ?? {};
  const request: string[] = [];
  const limit: string[] = [];
  for (const resource of Object.keys(hard).sort()) {
    const pieces = resource.split('.');
    const target = pieces.length > 1 && pieces[0] === 'limits' ? limit : request;
    target.push(`${resource}: ${quantity(used[resource])}/${quantity(hard[resource])}`);
  }
  return [request.join(', '), limit.join(', ')];
}

export const resourceQuotaPrinter = printer<ResourceQuota>(
  [
    nameColumn,
    ageColumn,
    col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  (obj, now) => [nameOf(obj), ageOf(obj, now), ...quotaCells(obj)],
);

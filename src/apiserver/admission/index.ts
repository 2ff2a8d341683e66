/**
 * Admission: steps that look beyond the object itself (other objects, the
 * cluster's address pools) before a create is written. Each plugin handles
 * only the types it cares about. A plugin may mutate the new object and
 * return a `release` callback that the registry calls once the write has
 * either failed or become visible in the watch cache.
 */
import type { KObject, ResourceType } from '../../api/types.js';
import type { WatchCache } from '../cache/watch-cache.js';
import { ServiceAllocator } from './service-allocation.js';
import { defaultTolerations, podPresets } from './pod-defaults.js';

export interface AdmissionPlugin {
  readonly name: string;
  admitCreate?(rt: ResourceType, obj: KObject): (() => void) | undefined;
}

export function serviceAllocation(cache: WatchCache): AdmissionPlugin {
  const allocator = new ServiceAllocator(cache);
  return {
    name: 'ServiceAllocation',
    admitCreate(rt, obj) {
      if (rt.group !== '' || rt.resource !== 'services') return undefined;
      return allocator.allocate(obj);
    },
  };
}

export function defaultAdmission(cache: WatchCache): AdmissionPlugin[] {
  return [podPresets(cache), defaultTolerations(), serviceAllocation(cache)];
}

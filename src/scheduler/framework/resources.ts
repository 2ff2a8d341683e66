/**
 * Resource arithmetic the way kube-scheduler counts it: CPU in millicores,
 * memory and storage in bytes, extended resources by name; a pod asks for
 * max(sum of app containers + sidecars, the largest init step) + overhead.
 */
import type { Container, Pod, ResourceRequirements } from 'kubernetes-types/core/v1.js';
import { tryParseQuantity } from '../../api/validation/quantity.js';

export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended resources (nvidia.com/gpu, hugepages-2Mi, ...), absent when none. */
  scalar?: Map<string, number>;
}

/** What the scheduler assumes a container without requests uses, for spreading (not for fit). */
export const defaultMilliCPURequest = 100;
export const defaultMemoryRequest = 200 * 1024 * 1024;

export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0 };
}

function quantity(q: unknown): number {
  if (typeof q !== 'string' && typeof q !== 'number') return 0;
  return tryParseQuantity(q) ?? 0;
}

/** Adds a resource list (requests, allocatable) to r. */
export function addResourceList(r: Resource, list: Readonly<Record<string, unknown>> | undefined): void {
  if (!list) return;
  for (const name in list) {
    const v = list[name];
    switch (name) {
      case 'cpu':
        r.milliCPU += Math.ceil(quantity(v) * 1000);
        break;
      case 'memory':
        r.memory += quantity(v);
        break;
      case 'ephemeral-storage':
        r.ephemeralStorage += quantity(v);
        break;
      case 'pods':
        break;
      default:
        if (isScalarResource(name)) {
          r.scalar ??= new Map();
          r.scalar.set(name, (r.scalar.get(name) ?? 0) + quantity(v));
        }
    }
  }
}

/** Extended (domain-prefixed, not kubernetes.io), hugepages and attachable-volume resources. */
export function isScalarResource(name: string): boolean {
  if (name.startsWith('hugepages-') || name.startsWith('attachable-volumes-')) return true;
  return name.includes('/') && !name.startsWith('kubernetes.io/') && !name.includes('.kubernetes.io/');
}

export function addResource(into: Resource, r: Resource, sign = 1): void {
  into.milliCPU += sign * r.milliCPU;
  into.memory += sign * r.memory;
  into.ephemeralStorage += sign * r.ephemeralStorage;
  if (r.scalar) {
    into.scalar ??= new Map();
    for (const [k, v] of r.scalar) into.scalar.set(k, (into.scalar.get(k) ?? 0) + sign * v);
  }
}

function maxInto(into: Resource, r: Resource): void {
  into.milliCPU = Math.max(into.milliCPU, r.milliCPU);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  if (r.scalar) {
    into.scalar ??= new Map();
    for (const [k, v] of r.scalar) into.scalar.set(k, Math.max(into.scalar.get(k) ?? 0, v));
  }
}

function containerRequests(c: Container): Resource {
  const r = emptyResource();
  addResourceList(r, requestsOf(c.resources));
  return r;
}

/** Requests, falling back to limits as the API server's defaulting would. */
function requestsOf(res: ResourceRequirements | undefined): Record<string, unknown> | undefined {
  if (!res) return undefined;
  if (!res.limits) return res.requests as Record<string, unknown> | undefined;
  return { ...(res.limits as Record<string, unknown>), ...(res.requests as Record<string, unknown> | undefined) };
}

export interface PodRequests {
  requests: Resource;
  /** CPU and memory with zero requests counted as the defaults, for scoring. */
  nonZeroMilliCPU: number;
  nonZeroMemory: number;
}

export function podRequests(pod: Pod): PodRequests {
  const spec = pod.spec;
  const total = emptyResource();
  let nonZeroMilliCPU = 0;
  let nonZeroMemory = 0;
  for (const c of spec?.containers ?? []) {
    const r = containerRequests(c);
    addResource(total, r);
    nonZeroMilliCPU += r.milliCPU || defaultMilliCPURequest;
    nonZeroMemory += r.memory || defaultMemoryRequest;
  }
  if (spec?.initContainers?.length) {
    // Sidecars (restartable init containers) run alongside what follows them.
    const sidecars = emptyResource();
    const initMax = emptyResource();
    for (const c of spec.initContainers) {
      const r = containerRequests(c);
      if (c.restartPolicy === 'Always') {
        addResource(sidecars, r);
        maxInto(initMax, sidecars);
      } else {
        const step = emptyResource();
        addResource(step, sidecars);
        addResource(step, r);
        maxInto(initMax, step);
      }
    }
    addResource(total, sidecars);
    nonZeroMilliCPU += sidecars.milliCPU;
    nonZeroMemory += sidecars.memory;
    maxInto(total, initMax);
    nonZeroMilliCPU = Math.max(nonZeroMilliCPU, initMax.milliCPU);
    nonZeroMemory = Math.max(nonZeroMemory, initMax.memory);
  }
  if (spec?.overhead) {
    const o = emptyResource();
    addResourceList(o, spec.overhead as Record<string, unknown>);
    addResource(total, o);
    nonZeroMilliCPU += o.milliCPU;
    nonZeroMemory += o.memory;
  }
  return { requests: total, nonZeroMilliCPU, nonZeroMemory };
}

/** Pod QoS class, as Kubernetes computes it from requests and limits (pkg/apis/core/helper/qos). */
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import { tryParseQuantity } from '../../validation/quantity.js';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const computeResources = ['cpu', 'memory'];

function positive(list: Record<string, unknown> | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const name of computeResources) {
    const q = list?.[name];
    const v = typeof q === 'string' || typeof q === 'number' ? tryParseQuantity(q) : undefined;
    if (v !== undefined && v > 0) out.set(name, v);
  }
  return out;
}

export function podQOSClass(spec: PodSpec | undefined): QOSClass {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  const containers: Container[] = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  for (const c of containers) {
    for (const [k, v] of positive(c.resources?.requests)) requests.set(k, (requests.get(k) ?? 0) + v);
    const lim = positive(c.resources?.limits);
    for (const [k, v] of lim) limits.set(k, (limits.get(k) ?? 0) + v);
    if (!computeResources.every((k) => lim.has(k))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [k, v] of requests) if (limits.get(k) !== v) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

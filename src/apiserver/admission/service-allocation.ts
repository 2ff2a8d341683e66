/**
 * ClusterIP and NodePort allocation for Services, done by the API server at
 * create time as kube-apiserver's service storage does: ClusterIPs from
 * 10.43.0.0/16 (10.43.0.1 is the `kubernetes` service, 10.43.0.10 DNS),
 * node ports from 30000-32767. Addresses in use are read from the watch
 * cache; in-flight allocations are reserved in memory so concurrent creates
 * never pick the same one.
 */
import type { KObject } from '../../api/types.js';
import { errors, field, type FieldError } from '../../api/errors.js';
import type { WatchCache } from '../cache/watch-cache.js';

export const serviceCIDR = { base: (10 << 24) | (43 << 16), size: 1 << 16 };
export const nodePortRange = { min: 30000, max: 32767 };

interface ServicePort {
  name?: string;
  port: number;
  nodePort?: number;
  protocol?: string;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
}

function ipToInt(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function intToIP(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function inServiceRange(ip: number): boolean {
  const base = serviceCIDR.base >>> 0;
  return ip > base && ip < base + serviceCIDR.size - 1;
}

export class ServiceAllocator {
  private readonly reservedIPs = new Set<string>();
  private readonly reservedPorts = new Set<number>();

  constructor(private readonly cache: WatchCache) {}

  private used(): { ips: Set<string>; ports: Set<number> } {
    const ips = new Set(this.reservedIPs);
    const ports = new Set(this.reservedPorts);
    for (const c of this.cache.list('services')) {
      const spec = (c.obj.spec ?? {}) as ServiceSpec;
      if (spec.clusterIP && spec.clusterIP !== 'None') ips.add(spec.clusterIP);
      for (const p of spec.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
    }
    return { ips, ports };
  }

  /**
   * Fills spec.clusterIP(s) and node ports of a new Service; throws 422 for
   * an address outside the range or already taken. Returns a release
   * function for when the write fails.
   */
  allocate(svc: KObject): () => void {
    const spec = (svc.spec ??= {}) as ServiceSpec;
    const name = svc.metadata?.name ?? '';
    const { ips, ports } = this.used();
    const causes: FieldError[] = [];
    const taken: { ip?: string; ports: number[] } = { ports: [] };
    if (spec.type !== 'ExternalName') {
      const wanted = spec.clusterIP ?? spec.clusterIPs?.[0];
      if (wanted === 'None') {
        spec.clusterIP = 'None';
        spec.clusterIPs = ['None'];
      } else if (wanted) {
        const n = ipToInt(wanted);
        if (n === undefined || !inServiceRange(n)) {
          causes.push(field.invalid('spec.clusterIPs', [wanted], `failed to allocate IP ${wanted}: the provided IP (${wanted}) is not in the valid range. The range of valid IPs is 10.43.0.0/16`));
        } else if (ips.has(wanted)) {
          causes.push(field.invalid('spec.clusterIPs', [wanted], `failed to allocate IP ${wanted}: provided IP is already allocated`));
        } else {
          taken.ip = wanted;
        }
      } else {
        const base = serviceCIDR.base >>> 0;
        // Random start, then linear probe, like Kubernetes' bitmap allocator.
        const span = serviceCIDR.size - 2;
        const start = Math.floor(Math.random() * span);
        for (let i = 0; i < span; i++) {
          const candidate = intToIP(base + 1 + ((start + i) % span));
          if (!ips.has(candidate) && candidate !== '10.43.0.1' && candidate !== '10.43.0.10') {
            taken.ip = candidate;
            break;
          }
        }
        if (!taken.ip) throw errors.internal(new Error('failed to allocate a serviceIP: range is full'));
      }
      if (taken.ip) {
        spec.clusterIP = taken.ip;
        spec.clusterIPs = [taken.ip];
      }
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      (spec.ports ?? []).forEach((p, i) => {
        if (p.nodePort) {
          if (p.nodePort < nodePortRange.min || p.nodePort > nodePortRange.max) {
            causes.push(field.invalid(`spec.ports[${i}].nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${nodePortRange.min}-${nodePortRange.max}`));
          } else if (ports.has(p.nodePort) || taken.ports.includes(p.nodePort)) {
            causes.push(field.invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated'));
          } else taken.ports.push(p.nodePort);
          return;
        }
        const span = nodePortRange.max - nodePortRange.min + 1;
        const start = Math.floor(Math.random() * span);
        for (let k = 0; k < span; k++) {
          const candidate = nodePortRange.min + ((start + k) % span);
          if (!ports.has(candidate) && !taken.ports.includes(candidate)) {
            p.nodePort = candidate;
            taken.ports.push(candidate);
            return;
          }
        }
        throw errors.internal(new Error('failed to allocate a nodePort: range is full'));
      });
    }
    if (causes.length) throw errors.invalid('Service', '', name, causes);
    if (taken.ip) this.reservedIPs.add(taken.ip);
    for (const p of taken.ports) this.reservedPorts.add(p);
    // Reservations end once the write is done: then the cache (or nothing) holds them.
    return () => {
      if (taken.ip) this.reservedIPs.delete(taken.ip);
      for (const p of taken.ports) this.reservedPorts.delete(p);
    };
  }
}

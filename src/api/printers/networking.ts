/**
 * Services and what routes to them: endpoints, endpoint slices, ingresses,
 * ingress classes and network policies.
 */
import type { Endpoints, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { ageColumn, ageOf, col, formatLabelSelector, formatLabels, listWithMore, nameColumn, nameOf, printer, wide } from './format.js';

/**
 * loadBalancerStatusStringer: the ingress points' IPs (else hostnames),
 * sorted and de-duplicated. Kubernetes clips this to 16 characters only for
 * non-wide output, and the server always prints wide.
 */
function loadBalancerAddresses(ingress: { ip?: string; hostname?: string }[] | undefined): string {
  const set = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  return [...set].sort().join(',');
}

/** getServiceExternalIP. */
export function serviceExternalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const externalIPs = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(svc.status?.loadBalancer?.ingress);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** makePortString: `80/TCP`, `80:30080/TCP`, comma-joined. */
export function servicePorts(ports: ServicePort[] | undefined): string {
  return (ports ?? [])
    .map((p) => {
      const protocol = p.protocol ?? 'TCP';
      return p.nodePort && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
    })
    .join(',');
}

export const servicePrinter = printer<Service>(
  [
    nameColumn,
    col('Type', 'string', 'type determines how the Service is exposed.'),
    col('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageColumn,
    wide('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.'),
  ],
  (obj, now) => {
    const spec = obj.spec ?? {};
    // clusterIPs is the source of truth; clusterIP covers objects written before it was defaulted.
    const clusterIP = spec.clusterIPs?.[0] || spec.clusterIP || '<none>';
    return [nameOf(obj), spec.type ?? 'ClusterIP', clusterIP, serviceExternalIP(obj), servicePorts(spec.ports) || '<none>', ageOf(obj, now), formatLabels(spec.selector)];
  },
);

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** formatEndpoints: up to three `ip:port` entries, then ` + N more...`. */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(a.ip, port.port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsPrinter = printer<Endpoints>(
  [nameColumn, col('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), ageColumn],
  (obj, now) => [nameOf(obj), formatEndpoints(obj), ageOf(obj, now)],
);

export const endpointSlicePrinter = printer<EndpointSlice>(
  [
    nameColumn,
    col('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice.'),
    col('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice.'),
    ageColumn,
  ],
  (obj, now) => {
    const ports = (obj.ports ?? []).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name !== undefined && p.name !== null ? p.name : '*'));
    const addresses = (obj.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return [nameOf(obj), obj.addressType ?? '', listWithMore(ports), listWithMore(addresses), ageOf(obj, now)];
  },
);

/** formatHosts: up to three rule hosts, `*` when none. */
function formatHosts(rules: { host?: string }[] | undefined): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  const all = rules ?? [];
  for (const rule of all) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${all.length - max} more...` : ret;
}

export const ingressPrinter = printer<Ingress>(
  [
    nameColumn,
    col('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn,
  ],
  (obj, now) => [
    nameOf(obj),
    obj.spec?.ingressClassName ?? '<none>',
    formatHosts(obj.spec?.rules),
    loadBalancerAddresses(obj.status?.loadBalancer?.ingress),
    (obj.spec?.tls?.length ?? 0) > 0 ? '80, 443' : '80',
    ageOf(obj, now),
  ],
);

export const ingressClassPrinter = printer<IngressClass>(
  [
    nameColumn,
    col('Controller', 'string', 'Controller that is responsible for handling this class'),
    col('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn,
  ],
  (obj, now) => {
    const p = obj.spec?.parameters;
    let parameters = '<none>';
    if (p) parameters = `${p.kind}${p.apiGroup !== undefined && p.apiGroup !== null ? `.${p.apiGroup}` : ''}/${p.name}`;
    return [nameOf(obj), obj.spec?.controller ?? '', parameters, ageOf(obj, now)];
  },
);

export const networkPolicyPrinter = printer<NetworkPolicy>(
  [nameColumn, col('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'), ageColumn],
  (obj, now) => [nameOf(obj), formatLabelSelector(obj.spec?.podSelector ?? {}), ageOf(obj, now)],
);

/** Services (ValidateService / ValidateServiceUpdate subset). */
import { isIP } from 'node:net';
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { GoValue, field, type FieldError } from '../errors.js';
import { validateLabels } from './meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidPortName, isValidPortNum, portRangeError } from './names.js';

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const protocols = ['SCTP', 'TCP', 'UDP'];
const ipError = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

function goServicePort(p: ServicePort): GoValue {
  const tp = p.targetPort;
  const target = typeof tp === 'string' ? `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(tp)}}` : `intstr.IntOrString{Type:0, IntVal:${tp ?? 0}, StrVal:""}`;
  return new GoValue(
    `core.ServicePort{Name:${JSON.stringify(p.name ?? '')}, Protocol:${JSON.stringify(p.protocol ?? '')}, AppProtocol:(*string)(nil), Port:${p.port}, TargetPort:${target}, NodePort:${p.nodePort ?? 0}}`,
  );
}

export function validateService(svc: Service): FieldError[] {
  const spec = svc.spec ?? {};
  const errs: FieldError[] = [];
  const type = spec.type ?? '';
  if (!type) errs.push(field.required('spec.type'));
  else if (!serviceTypes.includes(type)) errs.push(field.notSupported('spec.type', type, serviceTypes));
  const headless = spec.clusterIP === 'None';
  const ports = spec.ports ?? [];
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(field.required('spec.ports'));
  if (type === 'ExternalName') {
    if (!spec.externalName) errs.push(field.required('spec.externalName'));
    else for (const m of isDNS1123Subdomain(spec.externalName.replace(/\.$/, ''))) errs.push(field.invalid('spec.externalName', spec.externalName, m));
  }
  if (spec.clusterIP && spec.clusterIP !== 'None' && !isIP(spec.clusterIP)) errs.push(field.invalid('spec.clusterIPs[0]', spec.clusterIP, ipError));
  if (headless && (type === 'NodePort' || type === 'LoadBalancer')) {
    errs.push(field.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`));
  }
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.push(field.required(`${path}.name`));
    if (p.name) {
      for (const m of isDNS1123Label(p.name)) errs.push(field.invalid(`${path}.name`, p.name, m));
      if (names.has(p.name)) errs.push(field.duplicate(`${path}.name`, p.name));
      names.add(p.name);
    }
    if (!isValidPortNum(p.port)) errs.push(field.invalid(`${path}.port`, p.port, portRangeError));
    if (!p.protocol) errs.push(field.required(`${path}.protocol`));
    else if (!protocols.includes(p.protocol)) errs.push(field.notSupported(`${path}.protocol`, p.protocol, protocols));
    const tp = p.targetPort;
    if (typeof tp === 'number' && !isValidPortNum(tp)) errs.push(field.invalid(`${path}.targetPort`, tp, portRangeError));
    if (typeof tp === 'string') for (const m of isValidPortName(tp)) errs.push(field.invalid(`${path}.targetPort`, tp, m));
    if (p.nodePort) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') errs.push(field.forbidden(`${path}.nodePort`, `may not be used when \`type\` is '${type}'`));
      else if (!isValidPortNum(p.nodePort)) errs.push(field.invalid(`${path}.nodePort`, p.nodePort, portRangeError));
    }
    const key = `${p.port}/${p.protocol}`;
    if (seen.has(key)) errs.push(field.duplicate(path, goServicePort(p)));
    seen.add(key);
  });
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  const affinities = ['ClientIP', 'None'];
  if (!spec.sessionAffinity) errs.push(field.required('spec.sessionAffinity'));
  else if (!affinities.includes(spec.sessionAffinity)) errs.push(field.notSupported('spec.sessionAffinity', spec.sessionAffinity, affinities));
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (spec.sessionAffinity === 'ClientIP' && timeout != null && (timeout <= 0 || timeout > 86400)) {
    errs.push(field.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, 'must be greater than 0 and less than 86400'));
  }
  const policies = ['Cluster', 'Local'];
  if (spec.externalTrafficPolicy) {
    const external = type === 'NodePort' || type === 'LoadBalancer' || (spec.externalIPs?.length ?? 0) > 0;
    if (!external) errs.push(field.invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
    else if (!policies.includes(spec.externalTrafficPolicy)) errs.push(field.notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, policies));
  }
  if (spec.internalTrafficPolicy && !policies.includes(spec.internalTrafficPolicy)) {
    errs.push(field.notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, policies));
  }
  const familyPolicies = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];
  if (spec.ipFamilyPolicy && !familyPolicies.includes(spec.ipFamilyPolicy)) errs.push(field.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, familyPolicies));
  (spec.ipFamilies ?? []).forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(field.notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
  });
  (spec.externalIPs ?? []).forEach((ip, i) => {
    if (!isIP(ip)) errs.push(field.invalid(`spec.externalIPs[${i}]`, ip, ipError));
  });
  return errs;
}

/** A service keeps its cluster IP for life unless it turns into or out of an ExternalName. */
export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const n = svc.spec ?? {};
  const o = old.spec ?? {};
  if (n.type === 'ExternalName' || o.type === 'ExternalName') return [];
  if (o.clusterIP && n.clusterIP !== o.clusterIP) return [field.invalid('spec.clusterIPs[0]', n.clusterIP ?? '', 'may not change once set')];
  return [];
}

/** Services: allocated values survive updates that leave them out; cluster IPs never change. */
import type { Service } from 'kubernetes-types/core/v1.js';
import { defaultService } from '../../defaults/core.js';
import { isDNS1035Label } from '../../validation/names.js';
import { validateService, validateServiceUpdate } from '../../validation/service.js';
import { makeStrategy, str } from '../common.js';

const hasNodePorts = (s: Service) => s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer';

export const serviceStrategy = makeStrategy<Service>({
  namespaced: true,
  name: isDNS1035Label,
  status: true,
  default: defaultService,
  prepareForUpdate(svc, old) {
    // `kubectl apply` and `replace` send specs without the allocated IP and ports; keep them, as patchAllocatedValues does.
    const n = (svc.spec ??= {});
    const o = old.spec ?? {};
    if (n.type !== 'ExternalName' && o.type !== 'ExternalName') {
      if (!n.clusterIP && o.clusterIP) n.clusterIP = o.clusterIP;
      if (!n.clusterIPs?.length && o.clusterIPs?.length && n.clusterIP === o.clusterIP) n.clusterIPs = [...o.clusterIPs];
    }
    if (hasNodePorts(svc) && hasNodePorts(old)) {
      for (const p of n.ports ?? []) {
        if (p.nodePort) continue;
        const prev = (o.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
        if (prev?.nodePort) p.nodePort = prev.nodePort;
      }
    }
    if (n.type === 'LoadBalancer' && o.type === 'LoadBalancer' && n.externalTrafficPolicy === 'Local' && !n.healthCheckNodePort && o.healthCheckNodePort) {
      n.healthCheckNodePort = o.healthCheckNodePort;
    }
  },
  validate: validateService,
  validateUpdate: validateServiceUpdate,
  selectableFields: (svc) => ({ 'spec.clusterIP': str(svc.spec?.clusterIP), 'spec.type': str(svc.spec?.type) }),
});

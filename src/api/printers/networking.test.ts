import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../types.js';
import { endpointSlicePrinter, endpointsPrinter, ingressClassPrinter, ingressPrinter, networkPolicyPrinter, servicePrinter } from './networking.js';

const now = new Date('2024-05-01T12:00:00Z');
const meta = { name: 'svc', creationTimestamp: new Date(now.getTime() - 45 * 86400_000).toISOString() };
const row = (p: { row(o: KObject, n: Date): unknown[] }, o: object) => p.row(o as KObject, now);

test('service rows by type', () => {
  const svc = (spec: Service['spec'], status?: Service['status']): Service => ({ metadata: meta, spec, status });
  const cases: [Service, unknown[]][] = [
    [
      svc({ type: 'ClusterIP', clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], selector: { k8s: 'dns' } }),
      ['svc', 'ClusterIP', '10.43.0.10', '<none>', '53/UDP,53/TCP', '45d', 'k8s=dns'],
    ],
    [
      svc({ type: 'NodePort', clusterIPs: ['10.43.1.2'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }], externalIPs: ['1.2.3.4'] }),
      ['svc', 'NodePort', '10.43.1.2', '1.2.3.4', '80:30080/TCP', '45d', '<none>'],
    ],
    [
      svc({ type: 'LoadBalancer', clusterIPs: ['10.43.1.3'], ports: [{ port: 443, nodePort: 31443 }] }),
      ['svc', 'LoadBalancer', '10.43.1.3', '<pending>', '443:31443/TCP', '45d', '<none>'],
    ],
    [
      svc(
        { type: 'LoadBalancer', clusterIPs: ['10.43.1.3'], ports: [{ port: 443 }], externalIPs: ['9.9.9.9'] },
        { loadBalancer: { ingress: [{ ip: '5.6.7.8' }, { hostname: 'lb.example.com' }, { ip: '1.1.1.1' }] } },
      ),
      ['svc', 'LoadBalancer', '10.43.1.3', '1.1.1.1,5.6.7.8,lb.example.com,9.9.9.9', '443/TCP', '45d', '<none>'],
    ],
    [svc({ type: 'ExternalName', externalName: 'db.example.com' }), ['svc', 'ExternalName', '<none>', 'db.example.com', '<none>', '45d', '<none>']],
    [svc({ clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80 }] }), ['svc', 'ClusterIP', 'None', '<none>', '80/TCP', '45d', '<none>']],
    // clusterIPs not yet defaulted: fall back to clusterIP.
    [svc({ type: 'ClusterIP', clusterIP: '10.43.0.1', ports: [{ port: 443 }] }), ['svc', 'ClusterIP', '10.43.0.1', '<none>', '443/TCP', '45d', '<none>']],
  ];
  for (const [s, want] of cases) assert.deepEqual(row(servicePrinter, s), want, JSON.stringify(s.spec));
  assert.deepEqual(
    servicePrinter.columns.map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Type:0', 'Cluster-IP:0', 'External-IP:0', 'Port(s):0', 'Age:0', 'Selector:1'],
  );
});

test('endpoints list at most three addresses', () => {
  const ep = (subsets: object[] | undefined) => row(endpointsPrinter, { metadata: meta, subsets })[1];
  assert.equal(ep(undefined), '<none>');
  assert.equal(ep([{ addresses: [{ ip: '10.42.0.5' }], ports: [{ port: 8080 }] }]), '10.42.0.5:8080');
  assert.equal(ep([{ addresses: [{ ip: 'fd00::5' }], ports: [{ port: 80 }] }]), '[fd00::5]:80');
  assert.equal(ep([{ addresses: [{ ip: '10.42.0.5' }, { ip: '10.42.0.6' }] }]), '10.42.0.5,10.42.0.6');
  assert.equal(
    ep([{ addresses: [{ ip: 'a' }, { ip: 'b' }], ports: [{ port: 1, name: 'x' }, { port: 2, name: 'y' }] }, { addresses: [{ ip: 'c' }], ports: [{ port: 3 }] }]),
    'a:1,b:1,a:2 + 2 more...',
  );
});

test('endpoint slice row', () => {
  assert.deepEqual(
    row(endpointSlicePrinter, {
      metadata: meta,
      addressType: 'IPv4',
      ports: [{ port: 80 }, { name: 'metrics' }, {}],
      endpoints: [{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3', '10.0.0.4'] }],
    }),
    ['svc', 'IPv4', '80,metrics,*', '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...', '45d'],
  );
  assert.deepEqual(row(endpointSlicePrinter, { metadata: meta, addressType: 'IPv6' }).slice(2, 4), ['<unset>', '<unset>']);
});

test('ingress, ingress class and network policy rows', () => {
  assert.deepEqual(
    row(ingressPrinter, {
      metadata: meta,
      spec: { ingressClassName: 'nginx', rules: [{ host: 'a.com' }, {}, { host: 'b.com' }, { host: 'c.com' }, { host: 'd.com' }], tls: [{ hosts: ['a.com'] }] },
      status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
    }),
    ['svc', 'nginx', 'a.com,b.com,c.com + 2 more...', '1.2.3.4', '80, 443', '45d'],
  );
  assert.deepEqual(row(ingressPrinter, { metadata: meta, spec: {} }), ['svc', '<none>', '*', '', '80', '45d']);
  assert.deepEqual(
    row(ingressClassPrinter, { metadata: meta, spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'p' } } }),
    ['svc', 'k8s.io/ingress-nginx', 'IngressParameters.k8s.example.com/p', '45d'],
  );
  assert.deepEqual(row(networkPolicyPrinter, { metadata: meta, spec: { podSelector: {} } }), ['svc', '<none>', '45d']);
  assert.deepEqual(row(networkPolicyPrinter, { metadata: meta, spec: { podSelector: { matchLabels: { role: 'db' } } } })[1], 'role=db');
});

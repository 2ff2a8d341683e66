import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { containerConfig, expandVars, resolveEnv, resourceFieldValue, sandboxConfig, EnvError } from './runtime-config.js';

it('expands $(VAR) like Kubernetes', () => {
  const vars = new Map([['A', 'x'], ['B', 'y']]);
  const cases: [string, string][] = [
    ['$(A)-$(B)', 'x-y'],
    ['$$(A)', '$(A)'],
    ['$(MISSING)', '$(MISSING)'],
    ['$(A', '$(A'],
    ['cost $5', 'cost $5'],
  ];
  for (const [input, want] of cases) assert.equal(expandVars(input, vars), want, input);
});

const pod: Pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'a' } },
  spec: {
    containers: [
      {
        name: 'c',
        image: 'busybox',
        command: ['echo', '$(GREETING)'],
        env: [
          { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'GREETING', value: 'hi $(NAME)' },
          { name: 'PASS', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        ],
        ports: [{ containerPort: 80, hostPort: 8080 }],
        resources: { limits: { cpu: '500m', memory: '64Mi' } },
      },
    ],
  },
};

it('resolves env from the downward API and secrets, in order', () => {
  const env = resolveEnv(pod.spec!.containers[0], {
    field: (p) => (p === 'metadata.name' ? 'p' : undefined),
    configMap: () => undefined,
    secret: (n) => (n === 's' ? { k: 'secret' } : undefined),
  });
  assert.deepEqual(env, [
    { key: 'NAME', value: 'p' },
    { key: 'GREETING', value: 'hi p' },
    { key: 'PASS', value: 'secret' },
  ]);
  assert.throws(() => resolveEnv(pod.spec!.containers[0], { field: () => '', configMap: () => undefined, secret: () => undefined }), EnvError);
});

it('builds sandbox and container configs with labels, host ports, DNS and limits', () => {
  const sb = sandboxConfig(pod, { logDirectory: '/logs', clusterDNS: '10.43.0.10', clusterDomain: 'cluster.local', attempt: 2 });
  assert.deepEqual(sb.metadata, { name: 'p', uid: 'u1', namespace: 'ns', attempt: 2 });
  assert.equal(sb.labels!['io.kubernetes.pod.uid'], 'u1');
  assert.equal(sb.labels!.app, 'a');
  assert.deepEqual(sb.portMappings, [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }]);
  assert.deepEqual(sb.dnsConfig, { servers: ['10.43.0.10'], searches: ['ns.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] });
  const cc = containerConfig(pod, pod.spec!.containers[0], {
    attempt: 1,
    imageRef: 'sha256:abc',
    env: [{ key: 'GREETING', value: 'hi p' }],
    mounts: [],
    logPath: 'c/1.log',
    isInit: false,
  });
  assert.deepEqual(cc.command, ['echo', 'hi p']);
  assert.equal(cc.metadata.attempt, 1);
  assert.equal(cc.linux!.resources!.cpuQuota, 50_000);
  assert.equal(cc.linux!.resources!.cpuPeriod, 100_000);
  assert.equal(cc.linux!.resources!.cpuShares, 512);
  assert.equal(cc.linux!.resources!.memoryLimitInBytes, 64 * 1024 * 1024);
  assert.equal(cc.labels!['io.kubernetes.container.name'], 'c');
});

describe('resourceFieldValue', () => {
  const node = { cpu: 2, memory: 8 * 1024 ** 3, ephemeralStorage: 0 };
  const p = {
    metadata: { name: 'p', namespace: 'd', uid: 'u' },
    spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { cpu: '100m' } } }, { name: 'free', image: 'x' }] },
  };
  // [container, resource, divisor, expected]
  const table: [string, string, string | undefined, string | undefined][] = [
    ['c', 'limits.cpu', undefined, '1'],
    ['c', 'limits.cpu', '1m', '250'],
    ['c', 'requests.cpu', '1m', '100'],
    ['c', 'limits.memory', '1Mi', '64'],
    ['c', 'limits.memory', undefined, String(64 * 1024 * 1024)],
    ['free', 'limits.cpu', undefined, '2'],
    ['free', 'limits.memory', '1Gi', '8'],
    ['free', 'requests.memory', undefined, '0'],
    ['c', 'limits.nvidia.com/gpu', undefined, undefined],
    ['nope', 'limits.cpu', undefined, undefined],
  ];
  for (const [c, r, d, want] of table) it(`${c} ${r} / ${d ?? 1}`, () => assert.equal(resourceFieldValue(p, c, r, d, node), want));
});

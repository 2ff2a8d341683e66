import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types.js';
import { errors, fieldErrorText } from '../errors.js';
import { findByResource } from '../kinds.js';

/** Run a type's strategy the way the registry does on create, and return the messages. */
function createErrors(group: string, resource: string, obj: KObject): string[] {
  const t = findByResource(group, group === '' ? 'v1' : group === 'batch' || group === 'apps' ? 'v1' : 'v1', resource)!;
  const o = structuredClone(obj);
  t.strategy.default?.(o);
  t.strategy.prepareForCreate?.(o);
  return (t.strategy.validate?.(o) ?? []).map(fieldErrorText);
}

const pod = (spec: Record<string, unknown>, name = 'p'): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec });

test('pod validation messages read like Kubernetes', () => {
  const cases: [string, KObject, string[]][] = [
    ['valid', pod({ containers: [{ name: 'c', image: 'nginx' }] }), []],
    ['no containers', pod({ containers: [] }), ['spec.containers: Required value']],
    ['no image', pod({ containers: [{ name: 'c' }] }), ['spec.containers[0].image: Required value']],
    ['duplicate names', pod({ containers: [{ name: 'c', image: 'a' }, { name: 'c', image: 'b' }] }), ['spec.containers[1].name: Duplicate value: "c"']],
    [
      'bad container name',
      pod({ containers: [{ name: 'Web', image: 'a' }] }),
      [
        `spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ],
    ],
    ['restart policy', pod({ restartPolicy: 'Sometimes', containers: [{ name: 'c', image: 'a' }] }), ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
    [
      'dns policy',
      pod({ dnsPolicy: 'Google', containers: [{ name: 'c', image: 'a' }] }),
      ['spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"'],
    ],
    ['port range', pod({ containers: [{ name: 'c', image: 'a', ports: [{ containerPort: 70000 }] }] }), ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    [
      'protocol',
      pod({ containers: [{ name: 'c', image: 'a', ports: [{ containerPort: 80, protocol: 'HTTP' }] }] }),
      ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
    ],
    [
      'requests above limits',
      pod({ containers: [{ name: 'c', image: 'a', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] }),
      ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    ],
    [
      'bad quantity',
      pod({ containers: [{ name: 'c', image: 'a', resources: { limits: { memory: '1GB' } } }] }),
      [`spec.containers[0].resources.limits[memory]: Invalid value: "1GB": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`],
    ],
    ['missing volume', pod({ containers: [{ name: 'c', image: 'a', volumeMounts: [{ name: 'data', mountPath: '/d' }] }] }), ['spec.containers[0].volumeMounts[0].name: Not found: "data"']],
    [
      'duplicate volume',
      pod({ containers: [{ name: 'c', image: 'a' }], volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }),
      ['spec.volumes[1].name: Duplicate value: "v"'],
    ],
    [
      'two probe handlers',
      pod({ containers: [{ name: 'c', image: 'a', livenessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } } }] }),
      ['spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type'],
    ],
    ['no probe handler', pod({ containers: [{ name: 'c', image: 'a', readinessProbe: {} }] }), ['spec.containers[0].readinessProbe: Required value: must specify a handler type']],
    [
      'env name',
      pod({ containers: [{ name: 'c', image: 'a', env: [{ name: '1X', value: 'v' }] }] }),
      [
        `spec.containers[0].env[0].name: Invalid value: "1X": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`,
      ],
    ],
    [
      'bad label',
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', labels: { app: 'bad value' } }, spec: { containers: [{ name: 'c', image: 'a' }] } },
      [
        `metadata.labels: Invalid value: "bad value": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    ],
    [
      'bad name',
      pod({ containers: [{ name: 'c', image: 'a' }] }, 'My_Pod'),
      [
        `metadata.name: Invalid value: "My_Pod": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ],
    ],
  ];
  for (const [name, obj, want] of cases) assert.deepEqual(createErrors('', 'pods', obj), want, name);
});

test('the Invalid status wraps causes like the API server', () => {
  const msgs = createErrors('', 'pods', pod({ containers: [{ name: 'c' }] }));
  const err = errors.invalid('Pod', '', 'p', [{ field: 'spec.containers[0].image', type: 'FieldValueRequired' }]);
  assert.equal(err.message, `Pod "p" is invalid: ${msgs[0]}`);
});

const deployment = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' }, spec });
const tmpl = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'a' }], ...extra } });

test('controller validation messages', () => {
  assert.deepEqual(createErrors('apps', 'deployments', deployment({ selector: { matchLabels: { app: 'a' } }, template: tmpl({ app: 'b' }) })), [
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`',
  ]);
  assert.deepEqual(createErrors('apps', 'deployments', deployment({ selector: { matchLabels: { app: 'a' } }, template: tmpl({ app: 'a' }, { restartPolicy: 'Never' }) })), [
    'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
  ]);
  assert.deepEqual(createErrors('apps', 'deployments', deployment({ replicas: -1, selector: { matchLabels: { app: 'a' } }, template: tmpl({ app: 'a' }) })), [
    'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
  ]);
  assert.deepEqual(createErrors('apps', 'deployments', deployment({ selector: {}, template: tmpl({ app: 'a' }) })), [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
  ]);
  const job: KObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'default', uid: 'u1' }, spec: { template: tmpl({}, { restartPolicy: 'Always' }) } };
  assert.deepEqual(createErrors('batch', 'jobs', job), ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
  const badMode: KObject = { ...job, spec: { completionMode: 'Sometimes', template: tmpl({}, { restartPolicy: 'Never' }) } };
  assert.deepEqual(createErrors('batch', 'jobs', badMode), ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"']);
});

test('cron schedules and time zones', () => {
  const cj = (schedule: string, timeZone?: string): KObject => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'c', namespace: 'default' },
    spec: { schedule, timeZone, jobTemplate: { spec: { template: tmpl({}, { restartPolicy: 'OnFailure' }) } } },
  });
  for (const ok of ['*/5 * * * *', '@hourly', '@daily', '@weekly', '@monthly', '@yearly', '@annually', '@midnight', '0 0 * * MON-FRI']) {
    assert.deepEqual(createErrors('batch', 'cronjobs', cj(ok)), [], ok);
  }
  for (const bad of ['@every 5m', '* * * * * *', 'bad', '61 * * * *']) {
    const errs = createErrors('batch', 'cronjobs', cj(bad));
    assert.equal(errs.length, 1, bad);
    assert.ok(errs[0].startsWith(`spec.schedule: Invalid value: "${bad}": `), errs[0]);
  }
  assert.deepEqual(createErrors('batch', 'cronjobs', cj('@hourly', 'Europe/Paris')), []);
  assert.deepEqual(createErrors('batch', 'cronjobs', cj('@hourly', 'Mars/Olympus')), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
});

test('services, config maps, secrets, namespaces', () => {
  const svc = (name: string, spec: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
  assert.deepEqual(createErrors('', 'services', svc('web', { ports: [{ port: 80 }], selector: { app: 'web' } })), []);
  assert.deepEqual(createErrors('', 'services', svc('web', {})), ['spec.ports: Required value']);
  assert.deepEqual(createErrors('', 'services', svc('web', { type: 'Magic', ports: [{ port: 80 }] })), [
    'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
  ]);
  assert.deepEqual(createErrors('', 'services', svc('1web', { ports: [{ port: 80 }] })), [
    `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
  ]);
  assert.deepEqual(createErrors('', 'services', svc('web', { ports: [{ port: 80 }, { port: 81 }] })), ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value']);

  const cm = (data: Record<string, string>): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data });
  assert.deepEqual(createErrors('', 'configmaps', cm({ 'ok.key_1-x': 'v' })), []);
  assert.deepEqual(createErrors('', 'configmaps', cm({ 'bad key': 'v' })), [
    `data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
  ]);
  assert.deepEqual(createErrors('', 'configmaps', cm({ big: 'x'.repeat(1024 * 1024 + 1) })), [': Too long: must have at most 1048576 bytes']);

  const tls: KObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } };
  assert.deepEqual(createErrors('', 'secrets', tls), ['data[tls.key]: Required value']);

  const ns: KObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } };
  assert.equal(createErrors('', 'namespaces', ns)[0].split(':').slice(0, 2).join(':'), 'metadata.name: Invalid value');
});

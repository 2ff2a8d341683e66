// The manifests under examples/ come from the seed notes, whose YAML had
// typos (containnerPort, emptuDir, images:, a probe with three handlers...).
// These checks catch that class of mistake without a server: every file
// parses, names a kind Kubernetes 1.30 (or skiff) serves, and its Pod specs
// use only real Container fields and consistent references.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

type Obj = Record<string, unknown>;

// Runs from test/ under tsx and from dist/test/ after the build.
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'examples'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('examples/ not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

const examplesDir = join(repoRoot(), 'examples');
const files = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml')).sort();

// kind -> [served apiVersion, file-name prefix]
const kinds: Record<string, [string, string]> = {
  Pod: ['v1', 'pod'],
  Service: ['v1', 'service'],
  ConfigMap: ['v1', 'configmap'],
  Secret: ['v1', 'secret'],
  ReplicationController: ['v1', 'rc'],
  PersistentVolume: ['v1', 'pv'],
  PersistentVolumeClaim: ['v1', 'pvc'],
  Deployment: ['apps/v1', 'deployment'],
  ReplicaSet: ['apps/v1', 'replicaset'],
  DaemonSet: ['apps/v1', 'daemonset'],
  StatefulSet: ['apps/v1', 'statefulset'],
  Job: ['batch/v1', 'job'],
  CronJob: ['batch/v1', 'cronjob'],
  HorizontalPodAutoscaler: ['autoscaling/v1', 'hpa'],
  PodPreset: ['settings.k8s.io/v1alpha1', 'podpreset'],
};

// core/v1 Container fields (Kubernetes 1.30).
const containerFields = new Set([
  'args', 'command', 'env', 'envFrom', 'image', 'imagePullPolicy', 'lifecycle', 'livenessProbe', 'name',
  'ports', 'readinessProbe', 'resizePolicy', 'resources', 'restartPolicy', 'securityContext', 'startupProbe',
  'stdin', 'stdinOnce', 'terminationMessagePath', 'terminationMessagePolicy', 'tty', 'volumeDevices',
  'volumeMounts', 'workingDir',
]);
const portFields = new Set(['containerPort', 'hostIP', 'hostPort', 'name', 'protocol']);
const probeFields = new Set([
  'exec', 'httpGet', 'tcpSocket', 'grpc', 'initialDelaySeconds', 'timeoutSeconds', 'periodSeconds',
  'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds',
]);
const probeHandlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const volumeSources = [
  'emptyDir', 'hostPath', 'secret', 'configMap', 'persistentVolumeClaim', 'downwardAPI', 'projected', 'nfs',
  'csi', 'ephemeral',
];
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

interface Doc { file: string; obj: Obj }

function load(file: string): Doc[] {
  const text = readFileSync(join(examplesDir, file), 'utf8');
  const docs = parseAllDocuments(text);
  assert.ok(docs.length > 0, `${file}: no YAML documents`);
  const out: Doc[] = [];
  for (const doc of docs) {
    assert.deepEqual(doc.errors.map((e) => e.message), [], `${file}: YAML errors`);
    assert.deepEqual(doc.warnings.map((e) => e.message), [], `${file}: YAML warnings`);
    const obj = doc.toJS() as unknown;
    assert.ok(isObj(obj), `${file}: a document is not a mapping`);
    out.push({ file, obj });
  }
  return out;
}

// The Pod specs a manifest carries: its own, or its controller's template.
function podSpecs(obj: Obj): { where: string; spec: Obj; labels: Obj | undefined }[] {
  const spec = obj.spec as Obj | undefined;
  if (!isObj(spec)) return [];
  const fromTemplate = (tpl: unknown, where: string) => {
    assert.ok(isObj(tpl) && isObj(tpl.spec), `${where} is missing`);
    const meta = tpl.metadata as Obj | undefined;
    return { where, spec: tpl.spec as Obj, labels: meta?.labels as Obj | undefined };
  };
  switch (obj.kind) {
    case 'Pod': return [{ where: 'spec', spec, labels: (obj.metadata as Obj).labels as Obj | undefined }];
    case 'CronJob': return [fromTemplate((spec.jobTemplate as Obj)?.spec && ((spec.jobTemplate as Obj).spec as Obj).template, 'spec.jobTemplate.spec.template')];
    case 'ReplicationController': case 'ReplicaSet': case 'Deployment': case 'DaemonSet': case 'StatefulSet': case 'Job':
      return [fromTemplate(spec.template, 'spec.template')];
    default: return [];
  }
}

function checkPodSpec(where: string, spec: Obj, extraVolumes: string[]): string[] {
  const problems: string[] = [];
  const volumes = new Set(extraVolumes);
  for (const v of list(spec.volumes)) {
    const sources = volumeSources.filter((s) => s in v);
    if (sources.length !== 1) problems.push(`${where}.volumes[${String(v.name)}] has ${sources.length} sources`);
    volumes.add(String(v.name));
  }
  const names = new Set<string>();
  for (const field of ['initContainers', 'containers'] as const) {
    list(spec[field]).forEach((c, i) => {
      const at = `${where}.${field}[${i}]`;
      for (const k of Object.keys(c)) if (!containerFields.has(k)) problems.push(`${at}: unknown field "${k}"`);
      if (typeof c.name !== 'string' || !dns1123Label.test(c.name)) problems.push(`${at}.name invalid`);
      else if (names.has(c.name)) problems.push(`${at}.name duplicated`);
      else names.add(c.name);
      if (typeof c.image !== 'string' || c.image === '') problems.push(`${at}.image: Required value`);
      list(c.ports).forEach((p, j) => {
        for (const k of Object.keys(p)) if (!portFields.has(k)) problems.push(`${at}.ports[${j}]: unknown field "${k}"`);
        const port = p.containerPort;
        if (typeof port !== 'number' || port < 1 || port > 65535) problems.push(`${at}.ports[${j}].containerPort invalid`);
      });
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        const pr = c[probe];
        if (pr === undefined) continue;
        if (!isObj(pr)) { problems.push(`${at}.${probe} is not an object`); continue; }
        for (const k of Object.keys(pr)) if (!probeFields.has(k)) problems.push(`${at}.${probe}: unknown field "${k}"`);
        const handlers = probeHandlers.filter((h) => h in pr);
        if (handlers.length !== 1) problems.push(`${at}.${probe} has ${handlers.length} handlers`);
        for (const t of ['successThreshold', 'failureThreshold', 'periodSeconds', 'timeoutSeconds'])
          if (t in pr && !(typeof pr[t] === 'number' && (pr[t] as number) >= 1)) problems.push(`${at}.${probe}.${t} must be >= 1`);
        if (probe !== 'readinessProbe' && 'successThreshold' in pr && pr.successThreshold !== 1)
          problems.push(`${at}.${probe}.successThreshold must be 1`);
      }
      if (field === 'initContainers' && 'readinessProbe' in c) problems.push(`${at}: init containers take no readinessProbe`);
      for (const m of list(c.volumeMounts))
        if (!volumes.has(String(m.name))) problems.push(`${at}.volumeMounts: no volume "${String(m.name)}"`);
    });
  }
  if (list(spec.containers).length === 0) problems.push(`${where}.containers: Required value`);
  if (spec.restartPolicy !== undefined && !['Always', 'OnFailure', 'Never'].includes(String(spec.restartPolicy)))
    problems.push(`${where}.restartPolicy invalid`);
  return problems;
}

describe('examples/', () => {
  it('holds the seed examples', () => {
    assert.ok(files.length >= 30, `only ${files.length} examples`);
    for (const want of ['pod-liveness-exec.yaml', 'pod-volume-applogs.yaml', 'hpa-php-apache.yaml', 'configmap-cm-appvars.yaml', 'pod-hook-demo.yaml'])
      assert.ok(files.includes(want), `${want} missing`);
  });

  const seen = new Map<string, string>();
  for (const file of files) {
    it(file, () => {
      const text = readFileSync(join(examplesDir, file), 'utf8');
      assert.match(text, /^# From seeds\/\d{3}/, 'first line names the seed it comes from');
      assert.match(text, /\n# Fixes:/, 'a "Fixes:" comment says what changed');
      const docs = load(file);
      const prefixes = new Set<string>();
      for (const { obj } of docs) {
        const kind = obj.kind;
        assert.equal(typeof kind, 'string', 'kind');
        const served = kinds[kind as string];
        assert.ok(served, `kind ${String(kind)} is not one the examples may use`);
        assert.equal(obj.apiVersion, served[0], `${String(kind)} apiVersion`);
        prefixes.add(served[1]);
        assert.ok(isObj(obj.metadata), 'metadata');
        const meta = obj.metadata;
        const name = meta.name;
        assert.ok(typeof name === 'string' && dns1123Subdomain.test(name) && name.length <= 253, `metadata.name ${String(name)}`);
        if (kind === 'Service') assert.match(name, dns1035Label, 'a Service name is a DNS-1035 label');
        const key = `${String(kind)}/${String(meta.namespace ?? 'default')}/${name}`;
        assert.equal(seen.get(key), undefined, `${key} is also defined in ${seen.get(key)}`);
        seen.set(key, file);

        const claimTemplates = list((obj.spec as Obj | undefined)?.volumeClaimTemplates).map((t) => String((t.metadata as Obj).name));
        for (const { where, spec, labels } of podSpecs(obj)) {
          assert.deepEqual(checkPodSpec(where, spec, claimTemplates), []);
          if (kind === 'Job' || kind === 'CronJob')
            assert.ok(['OnFailure', 'Never'].includes(String(spec.restartPolicy)), 'a Job template sets restartPolicy OnFailure or Never');
          if (['ReplicationController', 'ReplicaSet', 'Deployment', 'DaemonSet', 'StatefulSet'].includes(kind as string))
            assert.ok(spec.restartPolicy === undefined || spec.restartPolicy === 'Always', 'controllers need restartPolicy Always');
          const selector = (obj.spec as Obj).selector as Obj | undefined;
          const matchLabels = (kind === 'ReplicationController' ? selector : selector?.matchLabels) as Obj | undefined;
          for (const [k, v] of Object.entries(matchLabels ?? {}))
            assert.equal(labels?.[k], v, `template labels must match selector ${k}=${String(v)}`);
        }
      }
      assert.ok(prefixes.has(file.split('-')[0]!), `file name ${file} starts with its kind (${[...prefixes].join(', ')})`);
    });
  }
});

describe('example checks', () => {
  // The seed's own mistakes must be caught, or the checks above prove nothing.
  const cases: [string, Obj, RegExp][] = [
    ['containnerPort', { containers: [{ name: 'a', image: 'i', ports: [{ containnerPort: 80 }] }] }, /unknown field "containnerPort"/],
    ['images', { containers: [{ name: 'a', images: 'i' }] }, /unknown field "images".*|image: Required value/],
    ['three probe handlers', { containers: [{ name: 'a', image: 'i', livenessProbe: { exec: { command: ['x'] }, httpGet: { port: 1 }, tcpSocket: { port: 1 } } }] }, /3 handlers/],
    ['successThreshold 0', { containers: [{ name: 'a', image: 'i', livenessProbe: { exec: { command: ['x'] }, successThreshold: 0 } }] }, /successThreshold must be >= 1/],
    ['emptuDir', { containers: [{ name: 'a', image: 'i' }], volumes: [{ name: 'v', emptuDir: {} }] }, /has 0 sources/],
    ['mount of no volume', { containers: [{ name: 'a', image: 'i', volumeMounts: [{ name: 'x', mountPath: '/x' }] }] }, /no volume "x"/],
  ];
  for (const [name, spec, want] of cases) {
    it(`rejects ${name}`, () => {
      const problems = checkPodSpec('spec', spec, []);
      assert.ok(problems.some((p) => want.test(p)), `got: ${problems.join('; ')}`);
    });
  }
  it('accepts a clean spec', () => {
    assert.deepEqual(checkPodSpec('spec', { containers: [{ name: 'a', image: 'i', ports: [{ containerPort: 80 }] }] }, []), []);
  });
});

// The API server as kubectl first meets it: version, discovery, OpenAPI
// (explain), the built-in namespaces, and authentication.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type Cluster } from './harness.js';
import { tableRows } from './manifests.js';

describe('API server: discovery and authentication', () => {
  let c: Cluster;
  before(async () => {
    c = await startServer();
  });
  after(async () => {
    await c?.stop();
  });

  it('kubectl version shows the server version', async () => {
    const r = await c.kubectlOk(['version']);
    assert.match(r.stdout, /^Client Version: v1\.\d+\.\d+/m);
    assert.match(r.stdout, /^Server Version: v1\.\d+\.\d+/m);
    const json = JSON.parse((await c.kubectlOk(['version', '-o', 'json'])).stdout);
    assert.equal(json.serverVersion.major, '1');
    assert.match(json.serverVersion.minor, /^\d+\+?$/);
    assert.match(json.serverVersion.gitVersion, /^v1\.\d+\.\d+/);
    assert.match(json.serverVersion.platform, /^linux\//);
  });

  it('kubectl api-resources lists the core, apps, autoscaling and settings resources', async () => {
    const r = await c.kubectlOk(['api-resources']);
    assert.match(r.stdout, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND\s*$/m);
    // name, short names, group/version, namespaced, kind
    const want: [string, string, string, string, string][] = [
      ['pods', 'po', 'v1', 'true', 'Pod'],
      ['services', 'svc', 'v1', 'true', 'Service'],
      ['configmaps', 'cm', 'v1', 'true', 'ConfigMap'],
      ['secrets', '', 'v1', 'true', 'Secret'],
      ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
      ['nodes', 'no', 'v1', 'false', 'Node'],
      ['replicationcontrollers', 'rc', 'v1', 'true', 'ReplicationController'],
      ['persistentvolumes', 'pv', 'v1', 'false', 'PersistentVolume'],
      ['persistentvolumeclaims', 'pvc', 'v1', 'true', 'PersistentVolumeClaim'],
      ['events', 'ev', 'v1', 'true', 'Event'],
      ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment'],
      ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet'],
      ['daemonsets', 'ds', 'apps/v1', 'true', 'DaemonSet'],
      ['statefulsets', 'sts', 'apps/v1', 'true', 'StatefulSet'],
      ['jobs', '', 'batch/v1', 'true', 'Job'],
      ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob'],
      ['horizontalpodautoscalers', 'hpa', 'autoscaling/v2', 'true', 'HorizontalPodAutoscaler'],
      ['podpresets', '', 'settings.k8s.io/v1alpha1', 'true', 'PodPreset'],
    ];
    for (const [name, short, gv, namespaced, kind] of want) {
      const row = new RegExp(`^${name}\\s+${short ? short + '\\s+' : ''}${gv.replace(/\./g, '\\.')}\\s+${namespaced}\\s+${kind}\\s*$`, 'm');
      assert.match(r.stdout, row, `api-resources row for ${name}`);
    }
    const wide = await c.kubectlOk(['api-resources', '--api-group=apps', '-o', 'wide']);
    const verbs = /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment\s+([a-z,]+)\s+all\s*$/m.exec(wide.stdout);
    assert.ok(verbs, `wide row for deployments in:\n${wide.stdout}`);
    assert.deepEqual(verbs[1]!.split(',').sort(), ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    const names = await c.kubectlOk(['api-resources', '--namespaced=false', '-o', 'name']);
    assert.ok(names.stdout.split('\n').includes('namespaces'));
    assert.ok(!names.stdout.split('\n').includes('pods'), 'pods are namespaced');
  });

  it('kubectl api-versions lists the served group versions', async () => {
    const lines = (await c.kubectlOk(['api-versions'])).stdout.trim().split('\n');
    for (const gv of ['v1', 'apps/v1', 'batch/v1', 'autoscaling/v1', 'autoscaling/v2', 'settings.k8s.io/v1alpha1'])
      assert.ok(lines.includes(gv), `${gv} in ${lines.join(' ')}`);
  });

  it('kubectl explain pod.spec.containers prints its fields from the OpenAPI document', async () => {
    const r = await c.kubectlOk(['explain', 'pod.spec.containers']);
    assert.match(r.stdout, /^KIND:\s+Pod$/m);
    assert.match(r.stdout, /^VERSION:\s+v1$/m);
    assert.match(r.stdout, /^FIELD:\s+containers\s+<\[\]Container>$/m);
    assert.match(r.stdout, /^DESCRIPTION:$/m);
    assert.match(r.stdout, /^FIELDS:$/m);
    assert.match(r.stdout, /^\s+image\s+<string>$/m);
    assert.match(r.stdout, /^\s+name\s+<string>\s+-required-$/m);
    assert.match(r.stdout, /^\s+livenessProbe\s+<Probe>$/m);
    const dep = await c.kubectlOk(['explain', 'deployment.spec.replicas']);
    assert.match(dep.stdout, /^GROUP:\s+apps$/m);
    assert.match(dep.stdout, /^FIELD:\s+replicas\s+<integer>$/m);
  });

  it('has the default, kube-system, kube-public and kube-node-lease namespaces, all Active', async () => {
    const r = await c.kubectlOk(['get', 'namespaces']);
    const rows = tableRows(r.stdout);
    assert.deepEqual(rows[0], ['NAME', 'STATUS', 'AGE']);
    const status = new Map(rows.slice(1).map((row) => [row[0], row[1]]));
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
      assert.equal(status.get(ns), 'Active', `namespace ${ns}`);
  });

  it('refuses anonymous requests with 401 Unauthorized', async () => {
    const r = await c.request('GET', '/api/v1/pods', { anonymous: true });
    assert.equal(r.status, 401);
    assert.equal(r.json?.kind, 'Status');
    assert.equal(r.json?.status, 'Failure');
    assert.equal(r.json?.reason, 'Unauthorized');
    assert.equal(r.json?.code, 401);
    const ok = await c.request('GET', '/api/v1/pods');
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json?.kind, 'PodList');
    assert.match(String(ok.json?.metadata?.resourceVersion), /^\d+$/);
  });

  it('kubectl cluster-info names the control plane URL', async () => {
    const r = await c.kubectlOk(['cluster-info']);
    assert.match(r.stdout, new RegExp(`Kubernetes control plane.* is running at .*${c.url.replace(/[./]/g, '\\$&')}`));
  });
});

// Bad input gets a clear Status error and changes nothing: validation,
// malformed bodies, unknown resources, oversized requests.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type Cluster } from './harness.js';
import { configMap, pod } from './manifests.js';

describe('API server: bad input', () => {
  let c: Cluster;
  before(async () => {
    c = await startServer();
  });
  after(async () => {
    await c?.stop();
  });

  const podNames = async () =>
    (await c.kubectlOk(['get', 'pods', '-o', 'name'])).stdout.trim().split('\n').filter(Boolean);

  it('a pod without an image is Invalid: spec.containers[0].image: Required value', async () => {
    const r = await c.kubectl(['create', '-f', '-'], { input: pod('noimage', { container: { image: undefined } }) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The Pod "noimage" is invalid: spec\.containers\[0\]\.image: Required value/);
    const raw = await c.request('POST', '/api/v1/namespaces/default/pods', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'noimage' }, spec: { containers: [{ name: 'c' }] } }),
    });
    assert.equal(raw.status, 422);
    assert.equal(raw.json.reason, 'Invalid');
    assert.equal(raw.json.details.name, 'noimage');
    assert.equal(raw.json.details.kind, 'Pod');
    assert.deepEqual(
      raw.json.details.causes.map((x: any) => [x.reason, x.field]),
      [['FieldValueRequired', 'spec.containers[0].image']],
    );
    assert.deepEqual(await podNames(), []);
  });

  it('a name that is not a DNS-1123 subdomain is Invalid', async () => {
    const r = await c.kubectl(['create', '-f', '-'], { input: pod('Bad_Name') });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The Pod "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '\.'/);
    const long = await c.kubectl(['create', 'configmap', 'x'.repeat(254)]);
    assert.equal(long.code, 1);
    assert.match(long.stderr, /is invalid: metadata\.name: Invalid value: .*must be no more than 253 characters/);
    assert.deepEqual(await podNames(), []);
  });

  it('several field errors are reported together', async () => {
    const r = await c.kubectl(['create', '-f', '-'], {
      input: pod('many', { container: { name: 'Bad_Container', image: undefined, ports: [{ containerPort: 70000 }] } }),
    });
    assert.equal(r.code, 1);
    // kubectl lists the Status causes one per line.
    assert.match(r.stderr, /The Pod "many" is invalid: \n\* /);
    assert.match(r.stderr, /^\* spec\.containers\[0\]\.name: Invalid value: "Bad_Container"/m);
    assert.match(r.stderr, /^\* spec\.containers\[0\]\.image: Required value$/m);
    assert.match(r.stderr, /^\* spec\.containers\[0\]\.ports\[0\]\.containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive$/m);
  });

  it('an unknown resource type is named as such', async () => {
    const r = await c.kubectl(['get', 'foo']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: the server doesn't have a resource type "foo"/);
    const raw = await c.request('GET', '/api/v1/namespaces/default/foos');
    assert.equal(raw.status, 404);
    assert.equal(raw.json?.kind, 'Status');
    assert.equal(raw.json?.reason, 'NotFound');
  });

  it('malformed YAML is refused by kubectl and by the server, creating nothing', async () => {
    const client = await c.kubectl(['create', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n' });
    assert.equal(client.code, 1);
    assert.match(client.stderr, /error (parsing|converting YAML)/);

    const yamlBody = await c.request('POST', '/api/v1/namespaces/default/pods', {
      headers: { 'Content-Type': 'application/yaml' },
      body: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n',
    });
    assert.equal(yamlBody.status, 400, yamlBody.body);
    assert.equal(yamlBody.json?.kind, 'Status');
    assert.equal(yamlBody.json?.reason, 'BadRequest');
    assert.deepEqual(await podNames(), []);
  });

  it('malformed JSON, a wrong kind and a namespace mismatch are 400 BadRequest', async () => {
    const cases: [string, string, string][] = [
      ['truncated JSON', '/api/v1/namespaces/default/pods', '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"trunc"'],
      ['not an object', '/api/v1/namespaces/default/pods', '[1,2,3]'],
      ['a ConfigMap sent to pods', '/api/v1/namespaces/default/pods', configMapJson('cm-as-pod')],
      ['namespace in body differs from the path', '/api/v1/namespaces/default/configmaps', configMapJson('wrong-ns', 'kube-system')],
    ];
    for (const [what, path, body] of cases) {
      const r = await c.request('POST', path, { headers: { 'Content-Type': 'application/json' }, body });
      assert.equal(r.status, 400, `${what}: ${r.body}`);
      assert.equal(r.json?.kind, 'Status', what);
      assert.equal(r.json?.reason, 'BadRequest', what);
      assert.ok(String(r.json?.message).length > 0, `${what} says why`);
    }
    assert.deepEqual(await podNames(), []);
    const cms = await c.kubectlOk(['get', 'configmaps', '-A', '-o', 'name']);
    assert.doesNotMatch(cms.stdout, /cm-as-pod|wrong-ns/);
  });

  it('a body over 3 MiB is refused with 413, through kubectl too', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024 + 512 * 1024);
    const raw = await c.request('POST', '/api/v1/namespaces/default/configmaps', {
      headers: { 'Content-Type': 'application/json' },
      body: configMapJson('too-big', undefined, { blob: big }),
    });
    assert.equal(raw.status, 413);
    assert.equal(raw.json?.kind, 'Status');
    assert.equal(raw.json?.reason, 'RequestEntityTooLarge');
    const viaKubectl = await c.kubectl(['create', '-f', '-'], { input: configMap('too-big', { blob: big }), timeoutMs: 60_000 });
    assert.equal(viaKubectl.code, 1);
    assert.match(viaKubectl.stderr, /Request entity too large|RequestEntityTooLarge/);
    const got = await c.kubectl(['get', 'configmap', 'too-big']);
    assert.match(got.stderr, /NotFound/);
    // A body just under the limit's order of magnitude is fine.
    const ok = await c.kubectl(['create', '-f', '-'], { input: configMap('big-but-ok', { blob: 'y'.repeat(512 * 1024) }) });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), 'configmap/big-but-ok created');
  });

  it('getting and deleting what does not exist is NotFound', async () => {
    const get = await c.kubectl(['get', 'configmap', 'nothing-here']);
    assert.equal(get.code, 1);
    assert.match(get.stderr, /Error from server \(NotFound\): configmaps "nothing-here" not found/);
    const del = await c.kubectl(['delete', 'pod', 'nothing-here']);
    assert.equal(del.code, 1);
    assert.match(del.stderr, /Error from server \(NotFound\): pods "nothing-here" not found/);
    const ns = await c.kubectl(['get', 'pods', '-n', 'no-such-namespace', '-o', 'name']);
    assert.equal(ns.code, 0, 'listing in a missing namespace is an empty list, as in Kubernetes');
    const create = await c.kubectl(['create', '-f', '-'], { input: pod('orphan', { namespace: 'no-such-namespace' }) });
    assert.equal(create.code, 1);
    assert.match(create.stderr, /Error from server \(NotFound\).*namespaces "no-such-namespace" not found/);
  });
});

function configMapJson(name: string, namespace?: string, data: Record<string, string> = { k: 'v' }): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace ? { namespace } : {}) }, data });
}

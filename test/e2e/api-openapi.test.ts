// OpenAPI v2 as kubectl fetches it: protobuf only (client-go's discovery asks
// for nothing else). kubectl validates a `kind: List` file on the client side
// against that document, since the server cannot validate a List's fields, and
// `explain --output=plaintext-openapiv2` reads it too.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { decodeV2 } from '../../src/apiserver/openapi/index.js';
import { startServer, type Cluster } from './harness.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the kubeconfig and the decoded document are walked as plain objects */

const protoType = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

const configMap = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { key: name },
  ...extra,
});
const list = (...items: object[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

/** A GET with the kubeconfig's credentials that keeps the body as bytes (the harness's request() decodes it as text). */
function getBytes(c: Cluster, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer; ms: number }> {
  const kc = parseYaml(readFileSync(c.kubeconfig, 'utf8')) as any;
  const ctx = kc.contexts?.find((x: any) => x.name === kc['current-context'])?.context ?? kc.contexts?.[0]?.context;
  const user = kc.users?.find((u: any) => u.name === ctx?.user)?.user ?? kc.users?.[0]?.user ?? {};
  const secret = (data: unknown, file: unknown) =>
    typeof data === 'string' ? Buffer.from(data, 'base64') : typeof file === 'string' ? readFileSync(file) : undefined;
  const h = typeof user.token === 'string' ? { ...headers, Authorization: `Bearer ${user.token}` } : headers;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = httpsRequest(
      `${c.url}${path}`,
      {
        headers: h,
        cert: secret(user['client-certificate-data'], user['client-certificate']),
        key: secret(user['client-key-data'], user['client-key']),
        rejectUnauthorized: false,
        timeout: 30_000,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), ms: performance.now() - t0 }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

describe('API server: OpenAPI v2 as protobuf', () => {
  let c: Cluster;
  before(async () => {
    c = await startServer();
  });
  after(async () => {
    await c?.stop();
  });

  it('serves /openapi/v2 as protobuf when asked, JSON otherwise, with ETags per representation', async (t) => {
    const pb = await getBytes(c, '/openapi/v2', { Accept: protoType });
    assert.equal(pb.status, 200);
    assert.equal(pb.headers['content-type'], 'application/octet-stream');
    // Document.swagger (field 1, length-delimited) comes first: 0x0a, 3, "2.0".
    assert.deepEqual([...pb.body.subarray(0, 5)], [0x0a, 3, ...Buffer.from('2.0')]);
    const doc = decodeV2(pb.body) as any;
    const cmPath = doc.paths.path.find((p: any) => p.name === '/api/v1/namespaces/{namespace}/configmaps/{name}');
    assert.ok(cmPath?.value.patch, 'the ConfigMap item path has a PATCH operation');
    t.diagnostic(`/openapi/v2 protobuf: ${pb.body.length} bytes, first request ${pb.ms.toFixed(0)} ms`);
    const again = await getBytes(c, '/openapi/v2', { Accept: protoType });
    t.diagnostic(`/openapi/v2 protobuf: second request ${again.ms.toFixed(0)} ms`);
    assert.ok(again.body.equals(pb.body), 'the same bytes every time');

    const etag = String(pb.headers.etag);
    const cached = await getBytes(c, '/openapi/v2', { Accept: protoType, 'If-None-Match': etag });
    assert.equal(cached.status, 304);

    const json = await c.request('GET', '/openapi/v2', { headers: { Accept: 'application/json' } });
    assert.equal(json.status, 200);
    assert.equal(json.json.swagger, '2.0');
    assert.notEqual(json.headers.etag, etag);
    const none = await c.request('GET', '/openapi/v2', { headers: { Accept: 'application/vnd.kubernetes.protobuf' } });
    assert.equal(none.status, 406);
  });

  it('kubectl create -f of a kind: List validates against the v2 document and creates every item', async () => {
    const r = await c.kubectl(['create', '-n', 'default', '-f', '-'], { input: list(configMap('list-a'), configMap('list-b'), configMap('list-c')) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    for (const n of ['list-a', 'list-b', 'list-c']) assert.match(r.stdout, new RegExp(`^configmap/${n} created$`, 'm'));
    const got = await c.kubectlOk(['get', 'configmap', 'list-b', '-n', 'default', '-o', 'jsonpath={.data.key}']);
    assert.equal(got.stdout, 'list-b');
  });

  it('refuses a List with an unknown field on the client side, creating nothing', async () => {
    const input = list(configMap('bad-a'), configMap('bad-b', { dataa: { x: 'y' } }));
    for (const verb of ['create', 'apply']) {
      const r = await c.kubectl([verb, '-n', 'default', '-f', '-'], { input });
      assert.equal(r.code, 1, `${verb}: ${r.stdout}`);
      assert.match(
        r.stderr,
        /error validating "STDIN": error validating data: ValidationError\(ConfigMap\): unknown field "dataa" in io\.k8s\.api\.core\.v1\.ConfigMap; if you choose to ignore these errors, turn validation off with --validate=false/,
      );
    }
    const names = await c.kubectlOk(['get', 'configmaps', '-n', 'default', '-o', 'name']);
    assert.doesNotMatch(names.stdout, /bad-/);
  });

  it('kubectl get -o yaml of a List round-trips through apply -f', async () => {
    const dumped = await c.kubectlOk(['get', 'configmaps', 'list-a', 'list-c', '-n', 'default', '-o', 'yaml']);
    assert.match(dumped.stdout, /^kind: List$/m);
    const r = await c.kubectl(['apply', '-f', '-'], { input: dumped.stdout });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^configmap\/list-a (configured|unchanged)$/m);
  });

  it('kubectl explain reads v2 (plaintext-openapiv2) and v3', async () => {
    const v2 = await c.kubectlOk(['explain', 'pods', '--output=plaintext-openapiv2']);
    assert.match(v2.stdout, /^KIND:\s+Pod$/m);
    assert.match(v2.stdout, /^VERSION:\s+v1$/m);
    assert.match(v2.stdout, /^\s+spec\t<Object>$/m);
    const field = await c.kubectlOk(['explain', 'deployment.spec.replicas', '--output=plaintext-openapiv2']);
    assert.match(field.stdout, /^FIELD:\s+replicas <integer>$/m);
    assert.match(field.stdout, /^KIND:\s+Deployment$/m);

    const v3 = await c.kubectlOk(['explain', 'pod.spec.containers']);
    assert.match(v3.stdout, /^FIELD: containers <\[\]Container>$/m);
    assert.match(v3.stdout, /^\s+image\t<string>$/m);
  });
});

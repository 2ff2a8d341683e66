// The node join endpoints on a real API server: who may call them, what
// a serving certificate request must look like, and that what comes back
// is a kubelet serving certificate the node proxy will trust.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { startApiServer, type TestApiServer } from '../../test/support/api-server.js';
import { createClient, type Client } from '../client/index.js';
import { StatusError } from '../api/errors.js';
import { inspectCert, isIssuedBy, issueClientCert, loadPki, readJoinToken } from './auth/index.js';
import { CLIENT_CA_PATH, SERVING_KUBELET_PATH, parseServingCertRequest } from './join.js';

function splitPem(text: string): { cert?: string; key?: string } {
  return {
    cert: /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/.exec(text)?.[0],
    key: /-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----\n/.exec(text)?.[0],
  };
}

/** A request with no credentials at all (the REST client insists on some). */
function anonymous(url: string, ca: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method, ca, headers: body === undefined ? {} : { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('parseServingCertRequest', () => {
  const bad: [string, string, RegExp][] = [
    ['not JSON', '{nodeName', /^the request body is not JSON/],
    ['a list', '["n1"]', /must be a JSON object/],
    ['no node name', '{"addresses":[]}', /^nodeName: Required value$/],
    ['an empty node name', '{"nodeName":""}', /^nodeName: Required value$/],
    ['a number for a name', '{"nodeName":7}', /^nodeName: Required value$/],
    ['upper case', '{"nodeName":"Node1"}', /^nodeName: Invalid value: "Node1": a lowercase RFC 1123 subdomain/],
    ['an underscore', '{"nodeName":"node_1"}', /^nodeName: Invalid value: "node_1": a lowercase RFC 1123 subdomain/],
    ['a trailing dash', '{"nodeName":"node-"}', /^nodeName: Invalid value/],
    ['too long', JSON.stringify({ nodeName: 'a'.repeat(254) }), /must be no more than 253 characters/],
    ['addresses not a list', '{"nodeName":"n1","addresses":"10.0.0.1"}', /^addresses: Invalid value: must be a list of IP addresses$/],
    ['a host name as address', '{"nodeName":"n1","addresses":["node1.example.com"]}', /^addresses\[0\]: Invalid value: "node1.example.com": must be a valid IP address/],
    ['an IPv4 out of range', '{"nodeName":"n1","addresses":["10.0.0.1","999.1.1.1"]}', /^addresses\[1\]: Invalid value: "999.1.1.1"/],
    ['a CIDR', '{"nodeName":"n1","addresses":["10.0.0.0/24"]}', /^addresses\[0\]: Invalid value: "10.0.0.0\/24"/],
    ['a number as address', '{"nodeName":"n1","addresses":[10]}', /^addresses\[0\]: Invalid value: 10:/],
    ['too many addresses', JSON.stringify({ nodeName: 'n1', addresses: Array.from({ length: 17 }, (_, i) => `10.0.0.${i}`) }), /^addresses: Too many: 17/],
  ];
  for (const [what, body, message] of bad) {
    it(`refuses ${what} with 400 BadRequest`, () => {
      assert.throws(
        () => parseServingCertRequest(Buffer.from(body)),
        (err: unknown) => err instanceof StatusError && err.code === 400 && err.reason === 'BadRequest' && message.test(err.message),
      );
    });
  }

  const good: [string, string, { nodeName: string; addresses: string[] }][] = [
    ['a plain name', '{"nodeName":"n1","addresses":["10.0.0.5"]}', { nodeName: 'n1', addresses: ['10.0.0.5'] }],
    ['a dotted name and IPv6', '{"nodeName":"node-1.rack.example","addresses":["fd00::2","127.0.0.1"]}', { nodeName: 'node-1.rack.example', addresses: ['fd00::2', '127.0.0.1'] }],
    ['no addresses', '{"nodeName":"n1"}', { nodeName: 'n1', addresses: [] }],
  ];
  for (const [what, body, want] of good) {
    it(`accepts ${what}`, () => assert.deepEqual(parseServingCertRequest(Buffer.from(body)), want));
  }
});

describe('node join endpoints', () => {
  let api: TestApiServer;
  let serverCA: string;
  let joiner: Client;
  const clients: Client[] = [];
  const newClient = (creds: { token?: string; cert?: string; key?: string }) => {
    const c = createClient({ server: api.url, ca: serverCA, ...creds });
    clients.push(c);
    return c;
  };
  const status = (body: string) => JSON.parse(body) as { kind: string; code: number; reason: string; message: string };

  before(async () => {
    api = await startApiServer();
    serverCA = readFileSync(`${api.dataDir}/tls/server-ca.crt`, 'utf8');
    joiner = newClient({ token: (await readJoinToken(api.dataDir))! });
  });
  after(async () => {
    for (const c of clients) c.close();
    await api.stop();
  });

  it('gives the join token holder a serving certificate signed by the server CA for the node and its addresses', async () => {
    const res = await joiner.raw('POST', SERVING_KUBELET_PATH, { nodeName: 'joined-1', addresses: ['10.1.2.3', 'fd00::7'] });
    assert.equal(res.status, 200, res.body);
    const { cert, key } = splitPem(res.body);
    assert.ok(cert && key, res.body);
    assert.ok(isIssuedBy({ cert, key }, { cert: serverCA }), 'chains to the server CA and matches its key');
    const info = inspectCert(cert);
    assert.equal(info.commonName, 'system:node:joined-1');
    assert.deepEqual(info.sans, ['joined-1', 'localhost', '127.0.0.1', '10.1.2.3', 'FD00:0:0:0:0:0:0:7']);
  });

  it('serves the client CA to the join token holder', async () => {
    const res = await joiner.raw('GET', CLIENT_CA_PATH);
    assert.equal(res.status, 200);
    assert.equal(res.body, readFileSync(`${api.dataDir}/tls/client-ca.crt`, 'utf8'));
  });

  it('lets an admin in as well', async () => {
    const res = await api.client.raw('POST', SERVING_KUBELET_PATH, { nodeName: 'by-admin', addresses: [] });
    assert.equal(res.status, 200, res.body);
    assert.equal(inspectCert(splitPem(res.body).cert!).commonName, 'system:node:by-admin');
  });

  const wrongToken = 'K10' + '0'.repeat(64) + '::server:nottheone';
  for (const who of ['nobody', 'a wrong token', 'the bare secret of a wrong token']) {
    for (const [method, path] of [
      ['POST', SERVING_KUBELET_PATH],
      ['GET', CLIENT_CA_PATH],
    ] as const) {
      it(`answers ${who} on ${method} ${path} with 401`, async () => {
        const body = method === 'POST' ? { nodeName: 'n1', addresses: [] } : undefined;
        const res =
          who === 'nobody'
            ? await anonymous(api.url, serverCA, method, path, body)
            : await newClient({ token: who === 'a wrong token' ? wrongToken : 'nottheone' }).raw(method, path, body);
        assert.equal(res.status, 401);
        assert.deepEqual([status(res.body).kind, status(res.body).reason], ['Status', 'Unauthorized']);
      });
    }
  }

  it('forbids an authenticated user who is neither the join token holder nor an admin', async () => {
    const pki = await loadPki(api.dataDir);
    const alice = await issueClientCert(pki.clientCA, { commonName: 'alice', organizations: ['developers'] });
    const res = await newClient(alice).raw('POST', SERVING_KUBELET_PATH, { nodeName: 'n1', addresses: [] });
    assert.equal(res.status, 403);
    assert.equal(status(res.body).reason, 'Forbidden');
    assert.match(status(res.body).message, /User "alice" cannot/);
  });

  it('answers a bad request body with a 400 Status', async () => {
    for (const body of [{ nodeName: 'Bad_Name', addresses: [] }, { nodeName: 'n1', addresses: ['not-an-ip'] }, 'not json']) {
      const res = await joiner.raw('POST', SERVING_KUBELET_PATH, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const s = status(res.body);
      assert.deepEqual([s.kind, s.code, s.reason], ['Status', 400, 'BadRequest']);
    }
  });

  it('answers other methods with 405 and other paths with 404', async () => {
    assert.equal((await joiner.raw('GET', SERVING_KUBELET_PATH)).status, 405);
    assert.equal((await joiner.raw('POST', CLIENT_CA_PATH, {})).status, 405);
    const res = await joiner.raw('GET', '/v1-skiff/server-ca.key');
    assert.equal(res.status, 404);
    assert.equal(status(res.body).reason, 'NotFound');
  });
});

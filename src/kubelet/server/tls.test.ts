// A joined agent's kubelet TLS material from a real API server: fetched
// and kept on first start, reused while good, renewed when it would not do,
// and the kept copy used when the server cannot be asked.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startApiServer, type TestApiServer } from '../../../test/support/api-server.js';
import { createCA, inspectCert, isIssuedBy, issueKubeletServingCert, readJoinToken } from '../../apiserver/auth/index.js';
import { createClient, type Client } from '../../client/index.js';
import { silentLogger } from '../../util/log.js';
import { joinedKubeletTLS, joinedTLSPaths, servingCertProblem } from './tls.js';

const DAY = 86_400_000;

describe('joinedKubeletTLS', () => {
  let api: TestApiServer;
  let serverCA: string;
  let clientCA: string;
  let client: Client;
  let dataDir: string;
  const dirs: string[] = [];
  /** Every request the agent side made, as `METHOD path`. */
  let calls: string[];
  const counting: Pick<Client, 'raw'> = {
    raw: (method, path, body, headers) => {
      calls.push(`${method} ${path}`);
      return client.raw(method, path, body, headers);
    },
  };
  const down: Pick<Client, 'raw'> = {
    raw: async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
    },
  };
  const opts = (over: Partial<Parameters<typeof joinedKubeletTLS>[0]> = {}) => ({
    client: counting,
    serverCA,
    dataDir,
    nodeName: 'joined',
    addresses: ['127.0.0.1'],
    log: silentLogger(),
    ...over,
  });

  before(async () => {
    api = await startApiServer();
    serverCA = readFileSync(join(api.dataDir, 'tls', 'server-ca.crt'), 'utf8');
    clientCA = readFileSync(join(api.dataDir, 'tls', 'client-ca.crt'), 'utf8');
    client = createClient({ server: api.url, ca: serverCA, token: (await readJoinToken(api.dataDir))! });
  });
  after(async () => {
    client.close();
    await api.stop();
  });
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'skiff-joined-tls-'));
    dirs.push(dataDir);
    calls = [];
  });
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('asks the server on first start and keeps what it got under agent/tls', async () => {
    const tls = await joinedKubeletTLS(opts({ addresses: ['10.9.8.7'] }));
    assert.deepEqual(calls, ['GET /v1-skiff/client-ca.crt', 'POST /v1-skiff/serving-kubelet.crt']);
    assert.equal(tls.clientCA, clientCA);
    assert.ok(isIssuedBy(tls, { cert: serverCA }));
    const info = inspectCert(tls.cert);
    assert.equal(info.commonName, 'system:node:joined');
    assert.ok(info.sans.includes('joined') && info.sans.includes('10.9.8.7'), info.sans.join(','));
    const paths = joinedTLSPaths(dataDir);
    assert.equal(readFileSync(paths.servingCert, 'utf8'), tls.cert);
    assert.equal(readFileSync(paths.servingKey, 'utf8'), tls.key);
    assert.equal(readFileSync(paths.clientCA, 'utf8'), clientCA);
    assert.equal(statSync(paths.servingKey).mode & 0o777, 0o600);
  });

  it('reuses a kept certificate that still fits, asking only for the client CA', async () => {
    const first = await joinedKubeletTLS(opts());
    calls = [];
    const second = await joinedKubeletTLS(opts());
    assert.deepEqual(calls, ['GET /v1-skiff/client-ca.crt']);
    assert.equal(second.cert, first.cert);
    assert.equal(second.key, first.key);
  });

  it('renews a certificate close to expiry, for a new address, or from another CA', async () => {
    const first = await joinedKubeletTLS(opts());
    const lateInLife = new Date(inspectCert(first.cert).notAfter.getTime() - 30 * DAY);
    const renewed = await joinedKubeletTLS(opts({ now: lateInLife }));
    assert.notEqual(renewed.cert, first.cert);

    const moved = await joinedKubeletTLS(opts({ addresses: ['127.0.0.2'] }));
    assert.notEqual(moved.cert, renewed.cert);
    assert.ok(inspectCert(moved.cert).sans.includes('127.0.0.2'));

    const strangerCA = await createCA('stranger');
    const foreign = await issueKubeletServingCert(strangerCA, 'joined', ['127.0.0.2']);
    writeFileSync(joinedTLSPaths(dataDir).servingCert, foreign.cert);
    writeFileSync(joinedTLSPaths(dataDir).servingKey, foreign.key);
    const replaced = await joinedKubeletTLS(opts({ addresses: ['127.0.0.2'] }));
    assert.ok(isIssuedBy(replaced, { cert: serverCA }));
  });

  it('falls back to the kept files when the server cannot be asked', async () => {
    const first = await joinedKubeletTLS(opts());
    const lateInLife = new Date(inspectCert(first.cert).notAfter.getTime() - 30 * DAY);
    const kept = await joinedKubeletTLS(opts({ client: down, now: lateInLife }));
    assert.deepEqual([kept.cert, kept.key, kept.clientCA], [first.cert, first.key, clientCA]);
  });

  it('fails with nothing kept and no server, or a kept certificate already expired', async () => {
    await assert.rejects(joinedKubeletTLS(opts({ client: down })), /cannot get the kubelet client CA from the server: connect ECONNREFUSED/);
    assert.equal(existsSync(joinedTLSPaths(dataDir).servingCert), false);
    const first = await joinedKubeletTLS(opts());
    const expired = new Date(inspectCert(first.cert).notAfter.getTime() + DAY);
    await assert.rejects(joinedKubeletTLS(opts({ client: down, now: expired })), /cannot get a kubelet serving certificate from the server/);
  });

  it('refuses a serving certificate that does not chain to the pinned server CA', async () => {
    const otherCA = (await createCA('not-the-pinned-one')).cert;
    await assert.rejects(joinedKubeletTLS(opts({ serverCA: otherCA })), /not signed by the server CA/);
  });

  it('passes the server’s refusal on', async () => {
    await assert.rejects(joinedKubeletTLS(opts({ nodeName: 'Not_A_Node' })), /HTTP 400: .*nodeName: Invalid value/);
  });
});

describe('servingCertProblem', () => {
  it('names what is wrong with a kept certificate', async () => {
    const ca = await createCA('ca');
    const pair = await issueKubeletServingCert(ca, 'n1', ['10.0.0.1']);
    const now = new Date();
    assert.equal(servingCertProblem(pair, ca.cert, 'n1', ['10.0.0.1'], now, 90), undefined);
    assert.equal(servingCertProblem(undefined, ca.cert, 'n1', [], now, 90), 'missing');
    assert.equal(servingCertProblem(pair, ca.cert, 'n2', ['10.0.0.1'], now, 90), 'lacks SANs n2');
    assert.equal(servingCertProblem(pair, ca.cert, 'n1', ['10.0.0.2'], now, 90), 'lacks SANs 10.0.0.2');
    assert.equal(servingCertProblem(pair, ca.cert, 'n1', [], new Date(now.getTime() + 300 * DAY), 90), 'expires soon');
    assert.equal(servingCertProblem(pair, (await createCA('other')).cert, 'n1', [], now, 90), 'not issued by the server CA, or key mismatch');
  });
});

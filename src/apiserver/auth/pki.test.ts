import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCA, issueClientCert, issueKubeletServingCert } from './certs.js';
import { apiServerSans, ensurePki, pkiPaths } from './pki.js';

const DAY = 86_400_000;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'skiff-pki-'));
}

describe('ensurePki on a fresh data dir', () => {
  let dir: string;
  let pki: Awaited<ReturnType<typeof ensurePki>>;
  before(async () => {
    dir = await tempDir();
    pki = await ensurePki(dir, { tlsSans: ['skiff.example.test', '192.0.2.7'], hostname: 'Node-One' });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes every file, keys 0600 and certificates 0644', async () => {
    const p = pkiPaths(dir);
    for (const key of [p.serverCAKey, p.clientCAKey, p.servingKey, p.adminKey, p.kubeletClientKey, p.serviceAccountKey]) {
      assert.equal((await stat(key)).mode & 0o777, 0o600, key);
    }
    for (const cert of [p.serverCACert, p.clientCACert, p.servingCert, p.adminCert, p.kubeletClientCert]) {
      assert.equal((await stat(cert)).mode & 0o777, 0o644, cert);
    }
    assert.equal(pki.written.length, 11);
  });

  it('chains leaves to the right CA and not to the other', () => {
    const serverCA = new X509Certificate(pki.serverCA.cert);
    const clientCA = new X509Certificate(pki.clientCA.cert);
    const serving = new X509Certificate(pki.serving.cert);
    const admin = new X509Certificate(pki.admin.cert);
    assert.ok(serverCA.ca && clientCA.ca);
    assert.ok(serverCA.verify(serverCA.publicKey), 'server CA is self-signed');
    assert.ok(serving.verify(serverCA.publicKey));
    assert.ok(admin.verify(clientCA.publicKey));
    assert.equal(serving.verify(clientCA.publicKey), false);
    assert.equal(admin.verify(serverCA.publicKey), false);
    assert.ok(serving.checkIssued(serverCA));
    assert.equal(serving.ca, false);
  });

  it('names the admin system:admin in system:masters', () => {
    const admin = new X509Certificate(pki.admin.cert);
    assert.match(admin.subject, /^CN=system:admin$/m);
    assert.match(admin.subject, /^O=system:masters$/m);
    assert.ok(admin.keyUsage?.includes('1.3.6.1.5.5.7.3.2'), 'clientAuth usage');
  });

  it('serves every in-cluster name, loopback, the hostname and --tls-san values', () => {
    const serving = new X509Certificate(pki.serving.cert);
    for (const host of [
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
      'node-one',
      'skiff.example.test',
    ]) {
      assert.equal(serving.checkHost(host), host, host);
    }
    for (const ip of ['127.0.0.1', '::1', '10.43.0.1', '192.0.2.7']) {
      assert.ok(serving.checkIP(ip), ip);
    }
    assert.equal(serving.checkHost('other.example.test'), undefined);
    assert.ok(serving.keyUsage?.includes('1.3.6.1.5.5.7.3.1'), 'serverAuth usage');
  });

  it('gives CAs ten years and leaves one', () => {
    const years = (pem: string) => (new Date(new X509Certificate(pem).validTo).getTime() - Date.now()) / (365 * DAY);
    assert.ok(Math.abs(years(pki.serverCA.cert) - 10) < 0.02);
    assert.ok(Math.abs(years(pki.clientCA.cert) - 10) < 0.02);
    assert.ok(Math.abs(years(pki.serving.cert) - 1) < 0.01);
    assert.ok(Math.abs(years(pki.admin.cert) - 1) < 0.01);
  });

  it('changes nothing on a second start', async () => {
    const again = await ensurePki(dir, { tlsSans: ['skiff.example.test', '192.0.2.7'], hostname: 'node-one' });
    assert.deepEqual(again.written, []);
    assert.equal(again.serving.cert, pki.serving.cert);
    assert.equal(again.admin.key, pki.admin.key);
    assert.equal(again.serviceAccountKey, pki.serviceAccountKey);
  });
});

describe('ensurePki renewal', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('re-issues leaves within 90 days of expiry and keeps the CAs', async () => {
    const first = await ensurePki(dir, { hostname: 'h' });
    const stillFine = await ensurePki(dir, { hostname: 'h', now: new Date(Date.now() + 270 * DAY) });
    assert.deepEqual(stillFine.written, [], '95 days left is not yet due');
    const later = new Date(Date.now() + 280 * DAY);
    const renewed = await ensurePki(dir, { hostname: 'h', now: later });
    const p = pkiPaths(dir);
    assert.deepEqual(renewed.written.sort(), [p.adminCert, p.adminKey, p.kubeletClientCert, p.kubeletClientKey, p.servingCert, p.servingKey].sort());
    assert.equal(renewed.serverCA.cert, first.serverCA.cert);
    assert.equal(renewed.clientCA.key, first.clientCA.key);
    const serving = new X509Certificate(renewed.serving.cert);
    assert.ok(new Date(serving.validTo).getTime() > later.getTime() + 360 * DAY);
    assert.ok(serving.verify(new X509Certificate(first.serverCA.cert).publicKey));
    assert.equal(await readFile(p.servingCert, 'utf8'), renewed.serving.cert);
  });

  it('re-issues only the serving certificate when a SAN is added', async () => {
    const before = await ensurePki(dir, { hostname: 'h' });
    const after = await ensurePki(dir, { hostname: 'h', tlsSans: ['10.1.2.3'] });
    const p = pkiPaths(dir);
    assert.deepEqual(after.written.sort(), [p.servingCert, p.servingKey].sort());
    assert.equal(after.admin.cert, before.admin.cert);
    assert.ok(new X509Certificate(after.serving.cert).checkIP('10.1.2.3'));
  });

  it('re-issues leaves that a replaced CA did not sign', async () => {
    const p = pkiPaths(dir);
    const other = await createCA('someone-else');
    await writeFile(p.clientCACert, other.cert);
    await writeFile(p.clientCAKey, other.key);
    const after = await ensurePki(dir, { hostname: 'h', tlsSans: ['10.1.2.3'] });
    assert.deepEqual(after.written.sort(), [p.adminCert, p.adminKey, p.kubeletClientCert, p.kubeletClientKey].sort());
    assert.ok(new X509Certificate(after.admin.cert).verify(new X509Certificate(other.cert).publicKey));
  });

  it('refuses to replace a CA whose key is gone', async () => {
    const p = pkiPaths(dir);
    await unlink(p.serverCAKey);
    await assert.rejects(ensurePki(dir, { hostname: 'h' }), /server-ca\.key is missing/);
  });
});

describe('issuing certificates for others', () => {
  it('issues a node client certificate that the client CA verifies', async () => {
    const ca = await createCA('test-client-ca');
    const node = await issueClientCert(ca, { commonName: 'system:node:worker-1', organizations: ['system:nodes'] });
    const cert = new X509Certificate(node.cert);
    assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey));
    assert.match(cert.subject, /^CN=system:node:worker-1$/m);
    assert.match(cert.subject, /^O=system:nodes$/m);
    assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(node.key)));
  });

  it('issues a kubelet serving certificate for the node name and its addresses', async () => {
    const ca = await createCA('test-server-ca');
    const kubelet = await issueKubeletServingCert(ca, 'worker-1', ['192.0.2.10', 'fd00::10']);
    const cert = new X509Certificate(kubelet.cert);
    assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey));
    assert.equal(cert.checkHost('worker-1'), 'worker-1');
    assert.ok(cert.checkIP('192.0.2.10'));
    assert.ok(cert.checkIP('fd00::10'));
    assert.ok(cert.checkIP('127.0.0.1'));
  });

  it('lists each SAN once however it is spelled', () => {
    const sans = apiServerSans({ hostname: 'LOCALHOST', tlsSans: ['0:0:0:0:0:0:0:1', 'Kubernetes', 'extra.test', ' '] });
    assert.equal(sans.filter((s) => s.toLowerCase() === 'localhost').length, 1);
    assert.ok(!sans.includes('0:0:0:0:0:0:0:1'));
    assert.ok(!sans.includes('Kubernetes'));
    assert.ok(sans.includes('extra.test'));
    assert.ok(!sans.includes(''));
  });
});

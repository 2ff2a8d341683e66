/**
 * Certificate issuing. Keys are ECDSA P-256 (fast to make, accepted by Go's
 * TLS stack that kubectl uses) and travel as PEM: certificates as
 * "CERTIFICATE", private keys as PKCS#8 "PRIVATE KEY". Nothing here touches
 * the disk; pki.ts decides what lives where.
 */
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it before it loads
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

/** A certificate and its private key, both PEM. */
export interface CertAndKey {
  cert: string;
  key: string;
}

/** Who a client certificate speaks for: Kubernetes reads CN as the user and each O as a group. */
export interface CertSubject {
  commonName: string;
  organizations?: string[];
}

export interface IssueOptions {
  /** The clock to issue against; tests move it. */
  now?: Date;
  validityDays?: number;
}

export const CA_VALIDITY_DAYS = 3650;
export const LEAF_VALIDITY_DAYS = 365;
const DAY_MS = 86_400_000;
// Back-dated so a peer whose clock runs a little behind still accepts a fresh certificate.
const BACKDATE_MS = 60 * 60 * 1000;

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const subtle = webcrypto.subtle;

const KEY_ALG: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGN_ALG: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(KEY_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string;
}

/** Imports a PEM private key (PKCS#8, or SEC1 "EC PRIVATE KEY") for signing. */
async function importSigningKey(pem: string): Promise<CryptoKey> {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`unsupported CA key: want an ECDSA P-256 key, got ${key.asymmetricKeyType}`);
  }
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return subtle.importKey('pkcs8', der, KEY_ALG, false, ['sign']);
}

function serialNumber(): string {
  const b = randomBytes(16);
  // Positive and full length: DER integers with the top bit set read as negative.
  b[0] = (b[0]! & 0x7f) | 0x40;
  return b.toString('hex');
}

function validity(opts: IssueOptions | undefined, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const now = (opts?.now ?? new Date()).getTime();
  return {
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + (opts?.validityDays ?? defaultDays) * DAY_MS),
  };
}

function subjectName(s: CertSubject): x509.JsonName {
  return [...(s.organizations ?? []).map((o) => ({ O: [o] })), { CN: [s.commonName] }];
}

/** A self-signed certificate authority. */
export async function createCA(commonName: string, opts?: IssueOptions): Promise<CertAndKey> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: subjectName({ commonName }),
    ...validity(opts, CA_VALIDITY_DAYS),
    keys,
    signingAlgorithm: SIGN_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}

interface LeafRequest {
  subject: CertSubject;
  usages: x509.ExtendedKeyUsage[];
  sans?: string[];
}

async function issueLeaf(ca: CertAndKey, req: LeafRequest, opts?: IssueOptions): Promise<CertAndKey> {
  const caCert = new x509.X509Certificate(ca.cert);
  const signingKey = await importSigningKey(ca.key);
  const keys = await generateKeys();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(req.usages, false),
    await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
  ];
  if (req.sans && req.sans.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        req.sans.map((value): x509.JsonGeneralName => ({ type: isIP(value) ? 'ip' : 'dns', value })),
        false,
      ),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: subjectName(req.subject),
    // The issuer must match the CA's subject byte for byte, so reuse its encoded name.
    issuer: caCert.subjectName,
    ...validity(opts, LEAF_VALIDITY_DAYS),
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: SIGN_ALG,
    extensions,
  });
  return { cert: cert.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}

/**
 * A client certificate: the API server maps CN to the user name and each O
 * to a group (`system:node:<name>` / `system:nodes` for node agents).
 */
export function issueClientCert(ca: CertAndKey, subject: CertSubject, opts?: IssueOptions): Promise<CertAndKey> {
  return issueLeaf(ca, { subject, usages: [x509.ExtendedKeyUsage.clientAuth] }, opts);
}

/** A TLS serving certificate for the given DNS names and IP addresses. */
export function issueServingCert(ca: CertAndKey, subject: CertSubject, sans: string[], opts?: IssueOptions): Promise<CertAndKey> {
  return issueLeaf(ca, { subject, usages: [x509.ExtendedKeyUsage.serverAuth], sans: dedupe(sans) }, opts);
}

/**
 * The serving certificate of a node agent's kubelet API (logs, exec,
 * port-forward): signed by the server CA so the API server and kubectl trust
 * it, named like the kubelet-serving signer expects.
 */
export function issueKubeletServingCert(
  serverCA: CertAndKey,
  nodeName: string,
  addresses: string[],
  opts?: IssueOptions,
): Promise<CertAndKey> {
  return issueServingCert(
    serverCA,
    { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'] },
    [nodeName, 'localhost', '127.0.0.1', ...addresses],
    opts,
  );
}

function dedupe(sans: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of sans) {
    const v = s.trim();
    if (!v) continue;
    const k = canonicalSan(v);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(v);
  }
  return out;
}

/**
 * One spelling per name: DNS names compare case-insensitively and IPv6
 * addresses have many spellings (`::1`, `0:0:0:0:0:0:0:1`, which node prints).
 */
export function canonicalSan(san: string): string {
  const v = san.trim();
  const fam = isIP(v);
  if (fam === 4) return `ip:${v}`;
  if (fam === 6) return `ip:${expandIPv6(v)}`;
  return `dns:${v.toLowerCase()}`;
}

function expandIPv6(addr: string): string {
  let a = addr.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (v4) {
    const [p, q, r, s] = v4.slice(1).map(Number) as [number, number, number, number];
    a = a.slice(0, v4.index) + ((p << 8) | q).toString(16) + ':' + ((r << 8) | s).toString(16);
  }
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16).toString(16)).join(':');
}

/** What renewal decisions need to know about a certificate. */
export interface CertInfo {
  subject: string;
  commonName: string | undefined;
  notAfter: Date;
  sans: string[];
}

export function inspectCert(pem: string): CertInfo {
  const c = new X509Certificate(pem);
  const sans = (c.subjectAltName ?? '')
    .split(/,\s*/)
    .filter(Boolean)
    .map((entry) => entry.replace(/^(DNS|IP Address):/, ''));
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(c.subject)?.[1];
  return { subject: c.subject, commonName: cn, notAfter: new Date(c.validTo), sans };
}

/** True when `cert` carries a signature by `ca` and its private key matches it. */
export function isIssuedBy(pair: CertAndKey, ca: Pick<CertAndKey, 'cert'>): boolean {
  try {
    const c = new X509Certificate(pair.cert);
    const issuer = new X509Certificate(ca.cert);
    return c.checkIssued(issuer) && c.verify(issuer.publicKey) && c.checkPrivateKey(createPrivateKey(pair.key));
  } catch {
    return false;
  }
}

/**
 * The server's certificates on disk, under `<data-dir>/tls/`, made on first
 * start and kept fresh on every start after:
 *
 *   server-ca.crt/.key                 signs serving certificates (API server, kubelets)
 *   client-ca.crt/.key                 signs client certificates (admin, nodes)
 *   serving-kube-apiserver.crt/.key    the API server's TLS certificate
 *   client-admin.crt/.key              CN=system:admin, O=system:masters (the kubeconfig's user)
 *   client-kube-apiserver.crt/.key     CN=kube-apiserver-kubelet-client: the only caller node agents accept
 *   service.key                        signs service account tokens
 *
 * CAs are kept for as long as they exist (agents and kubeconfigs trust them);
 * a leaf is re-issued when it is missing, no longer matches its CA or key,
 * lacks a wanted SAN, or is within `renewBeforeDays` of expiry.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../util/log.js';
import {
  canonicalSan,
  createCA,
  inspectCert,
  isIssuedBy,
  issueClientCert,
  issueServingCert,
  type CertAndKey,
  type CertSubject,
} from './certs.js';
import { readIfExists, writePrivateFile, writePublicFile } from './files.js';

export const RENEW_BEFORE_DAYS = 90;

/** The in-cluster names of the API server plus the first service IP (10.43.0.1). */
export const DEFAULT_APISERVER_SANS = [
  '127.0.0.1',
  '::1',
  'localhost',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
  '10.43.0.1',
] as const;

export const ADMIN_SUBJECT: CertSubject = { commonName: 'system:admin', organizations: ['system:masters'] };
const APISERVER_SUBJECT: CertSubject = { commonName: 'kube-apiserver' };
/** The API server's identity towards node agents (logs, exec, port-forward). */
export const KUBELET_CLIENT_SUBJECT: CertSubject = { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'] };

export interface PkiPaths {
  dir: string;
  serverCACert: string;
  serverCAKey: string;
  clientCACert: string;
  clientCAKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  kubeletClientCert: string;
  kubeletClientKey: string;
  serviceAccountKey: string;
}

export function pkiPaths(dataDir: string): PkiPaths {
  const dir = join(dataDir, 'tls');
  return {
    dir,
    serverCACert: join(dir, 'server-ca.crt'),
    serverCAKey: join(dir, 'server-ca.key'),
    clientCACert: join(dir, 'client-ca.crt'),
    clientCAKey: join(dir, 'client-ca.key'),
    servingCert: join(dir, 'serving-kube-apiserver.crt'),
    servingKey: join(dir, 'serving-kube-apiserver.key'),
    adminCert: join(dir, 'client-admin.crt'),
    adminKey: join(dir, 'client-admin.key'),
    kubeletClientCert: join(dir, 'client-kube-apiserver.crt'),
    kubeletClientKey: join(dir, 'client-kube-apiserver.key'),
    serviceAccountKey: join(dir, 'service.key'),
  };
}

export interface Pki {
  paths: PkiPaths;
  serverCA: CertAndKey;
  clientCA: CertAndKey;
  serving: CertAndKey;
  admin: CertAndKey;
  kubeletClient: CertAndKey;
  /** PEM private key (PKCS#8, ECDSA P-256) that signs service account tokens. */
  serviceAccountKey: string;
  /** Files this call wrote (empty when everything on disk was still good). */
  written: string[];
}

export interface PkiOptions {
  /** Extra SANs for the API server's certificate (`--tls-san`). */
  tlsSans?: string[];
  /** Defaults to os.hostname(). */
  hostname?: string;
  now?: Date;
  renewBeforeDays?: number;
  log?: Logger;
}

/** Every SAN the API server's certificate carries for these options. */
export function apiServerSans(opts: Pick<PkiOptions, 'tlsSans' | 'hostname'> = {}): string[] {
  const host = (opts.hostname ?? osHostname()).toLowerCase();
  const all = [...DEFAULT_APISERVER_SANS, host, ...(opts.tlsSans ?? [])].map((s) => s.trim()).filter(Boolean);
  const seen = new Set<string>();
  return all.filter((s) => {
    const k = canonicalSan(s);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

async function readPair(certPath: string, keyPath: string): Promise<CertAndKey | undefined> {
  const [cert, key] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) {
    const missing = cert === undefined ? certPath : keyPath;
    throw new Error(`${missing} is missing but its pair exists; restore it, or remove both to make new ones`);
  }
  return { cert, key };
}

async function writePair(certPath: string, keyPath: string, pair: CertAndKey, written: string[]): Promise<void> {
  await writePrivateFile(keyPath, pair.key);
  await writePublicFile(certPath, pair.cert);
  written.push(certPath, keyPath);
}

async function ensureCA(certPath: string, keyPath: string, cn: string, opts: PkiOptions, written: string[]): Promise<CertAndKey> {
  const existing = await readPair(certPath, keyPath);
  const now = opts.now ?? new Date();
  if (existing) {
    const info = inspectCert(existing.cert);
    if (info.notAfter.getTime() - now.getTime() < (opts.renewBeforeDays ?? RENEW_BEFORE_DAYS) * 86_400_000) {
      // Replacing a CA would break every agent and kubeconfig that trusts it; an operator must decide.
      opts.log?.warn({ file: certPath, notAfter: info.notAfter.toISOString() }, 'certificate authority expires soon; it is kept');
    }
    return existing;
  }
  const ca = await createCA(`${cn}@${Math.floor(now.getTime() / 1000)}`, { now });
  await writePair(certPath, keyPath, ca, written);
  opts.log?.info({ file: certPath }, 'created certificate authority');
  return ca;
}

function leafNeedsRenewal(pair: CertAndKey | undefined, ca: CertAndKey, wantSans: string[], opts: PkiOptions): string | undefined {
  if (!pair) return 'missing';
  if (!isIssuedBy(pair, ca)) return 'not issued by the current CA or key mismatch';
  const info = inspectCert(pair.cert);
  const now = (opts.now ?? new Date()).getTime();
  if (info.notAfter.getTime() - now < (opts.renewBeforeDays ?? RENEW_BEFORE_DAYS) * 86_400_000) return 'expires soon';
  const have = new Set(info.sans.map(canonicalSan));
  const lacking = wantSans.filter((s) => !have.has(canonicalSan(s)));
  if (lacking.length > 0) return `lacks SANs ${lacking.join(', ')}`;
  return undefined;
}

async function ensureLeaf(
  certPath: string,
  keyPath: string,
  ca: CertAndKey,
  issue: () => Promise<CertAndKey>,
  wantSans: string[],
  opts: PkiOptions,
  written: string[],
): Promise<CertAndKey> {
  let existing: CertAndKey | undefined;
  try {
    existing = await readPair(certPath, keyPath);
  } catch {
    // A lone leaf cert or key is worthless; re-issuing both is safe.
    existing = undefined;
  }
  const why = leafNeedsRenewal(existing, ca, wantSans, opts);
  if (!why) return existing!;
  const pair = await issue();
  await writePair(certPath, keyPath, pair, written);
  opts.log?.info({ file: certPath, reason: why }, 'issued certificate');
  return pair;
}

async function ensureServiceAccountKey(path: string, written: string[]): Promise<string> {
  const existing = await readIfExists(path);
  if (existing !== undefined) {
    createPrivateKey(existing); // fail loudly at start, not at the first token
    return existing;
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  await writePrivateFile(path, pem);
  written.push(path);
  return pem;
}

/** Creates what is missing under `<dataDir>/tls/` and renews leaves near expiry. Idempotent. */
export async function ensurePki(dataDir: string, opts: PkiOptions = {}): Promise<Pki> {
  const paths = pkiPaths(dataDir);
  const written: string[] = [];
  const issueOpts = { now: opts.now };
  const serverCA = await ensureCA(paths.serverCACert, paths.serverCAKey, 'skiff-server-ca', opts, written);
  const clientCA = await ensureCA(paths.clientCACert, paths.clientCAKey, 'skiff-client-ca', opts, written);
  const sans = apiServerSans(opts);
  const serving = await ensureLeaf(
    paths.servingCert,
    paths.servingKey,
    serverCA,
    () => issueServingCert(serverCA, APISERVER_SUBJECT, sans, issueOpts),
    sans,
    opts,
    written,
  );
  const admin = await ensureLeaf(
    paths.adminCert,
    paths.adminKey,
    clientCA,
    () => issueClientCert(clientCA, ADMIN_SUBJECT, issueOpts),
    [],
    opts,
    written,
  );
  const kubeletClient = await ensureLeaf(
    paths.kubeletClientCert,
    paths.kubeletClientKey,
    clientCA,
    () => issueClientCert(clientCA, KUBELET_CLIENT_SUBJECT, issueOpts),
    [],
    opts,
    written,
  );
  const serviceAccountKey = await ensureServiceAccountKey(paths.serviceAccountKey, written);
  return { paths, serverCA, clientCA, serving, admin, kubeletClient, serviceAccountKey, written };
}

/** Reads the PKI without creating or renewing anything (for commands other than `server`). */
export async function loadPki(dataDir: string): Promise<Omit<Pki, 'written'>> {
  const paths = pkiPaths(dataDir);
  const need = async (c: string, k: string) => {
    const p = await readPair(c, k);
    if (!p) throw new Error(`no certificates at ${paths.dir}; has skiff server run with this data dir?`);
    return p;
  };
  const serviceAccountKey = await readIfExists(paths.serviceAccountKey);
  if (serviceAccountKey === undefined) throw new Error(`${paths.serviceAccountKey} is missing`);
  return {
    paths,
    serverCA: await need(paths.serverCACert, paths.serverCAKey),
    clientCA: await need(paths.clientCACert, paths.clientCAKey),
    serving: await need(paths.servingCert, paths.servingKey),
    admin: await need(paths.adminCert, paths.adminKey),
    kubeletClient: await need(paths.kubeletClientCert, paths.kubeletClientKey),
    serviceAccountKey,
  };
}

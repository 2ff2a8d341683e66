/**
 * The kubelet API's TLS material: a serving certificate for the node
 * (signed by the server CA, which the API server checks) and the client CA
 * whose `kube-apiserver-kubelet-client` certificate is the only caller let in.
 *
 * An agent in `skiff server`'s process shares the server's data dir, so it
 * issues its own serving certificate from `<data-dir>/tls/server-ca.*`
 * (kubeletTLS). An agent joined from elsewhere has no CA key: it asks the
 * server for both with its join token and keeps them under
 * `<data-dir>/agent/tls/` (joinedKubeletTLS), as k3s's agent does.
 */
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { canonicalSan, inspectCert, isIssuedBy, issueKubeletServingCert, type CertAndKey } from '../../apiserver/auth/certs.js';
import { readIfExists, writePrivateFile, writePublicFile } from '../../apiserver/auth/files.js';
import { pkiPaths } from '../../apiserver/auth/pki.js';
import { CLIENT_CA_PATH, SERVING_KUBELET_PATH } from '../../apiserver/join.js';
import type { Client } from '../../client/index.js';
import type { Logger } from '../../util/log.js';

export interface KubeletTLS {
  cert: string;
  key: string;
  /** PEM of the CA that signs the API server's kubelet-client certificate. */
  clientCA: string;
}

export interface KubeletTLSOptions {
  dataDir: string;
  nodeName: string;
  /** The node's addresses, put in the certificate's SANs. */
  addresses: string[];
  servingCert?: { cert: string; key: string };
  clientCA?: string;
}

/** The TLS material, or the file this node lacks to make it. */
export async function kubeletTLS(o: KubeletTLSOptions): Promise<KubeletTLS | { missing: string }> {
  const paths = pkiPaths(o.dataDir);
  const clientCA = o.clientCA ?? (await readIfExists(paths.clientCACert));
  if (!clientCA) return { missing: paths.clientCACert };
  if (o.servingCert) return { ...o.servingCert, clientCA };
  const caCert = await readIfExists(paths.serverCACert);
  const caKey = await readIfExists(paths.serverCAKey);
  if (!caCert || !caKey) return { missing: paths.serverCAKey };
  const serving = await issueKubeletServingCert({ cert: caCert, key: caKey }, o.nodeName, o.addresses);
  return { cert: serving.cert, key: serving.key, clientCA };
}

// --- A joined agent's material, from the server ------------------------------

/** Same window as the server's own leaves: a restart in the last 90 days of 365 renews. */
export const JOINED_RENEW_BEFORE_DAYS = 90;

export interface JoinedTLSPaths {
  dir: string;
  servingCert: string;
  servingKey: string;
  clientCA: string;
}

export function joinedTLSPaths(dataDir: string): JoinedTLSPaths {
  const dir = join(dataDir, 'agent', 'tls');
  return {
    dir,
    servingCert: join(dir, 'serving-kubelet.crt'),
    servingKey: join(dir, 'serving-kubelet.key'),
    clientCA: join(dir, 'client-ca.crt'),
  };
}

export interface JoinedKubeletTLSOptions {
  /** A client of the server authenticated with the join token. */
  client: Pick<Client, 'raw'>;
  /** The server CA the agent pinned by the token's hash: what the serving certificate must chain to. */
  serverCA: string;
  dataDir: string;
  nodeName: string;
  /** The node's addresses (its InternalIP), put in the certificate's SANs. */
  addresses: string[];
  log: Logger;
  now?: Date;
  renewBeforeDays?: number;
}

/** Why a kept serving certificate cannot serve this node as it is now, or undefined when it can. */
export function servingCertProblem(
  pair: CertAndKey | undefined,
  serverCA: string,
  nodeName: string,
  addresses: string[],
  now: Date,
  renewBeforeDays: number,
): string | undefined {
  if (!pair) return 'missing';
  if (!isIssuedBy(pair, { cert: serverCA })) return 'not issued by the server CA, or key mismatch';
  const info = inspectCert(pair.cert);
  if (info.notAfter.getTime() - now.getTime() < renewBeforeDays * 86_400_000) return 'expires soon';
  const have = new Set(info.sans.map(canonicalSan));
  const lacking = [nodeName, ...addresses].filter((s) => !have.has(canonicalSan(s)));
  if (lacking.length > 0) return `lacks SANs ${lacking.join(', ')}`;
  return undefined;
}

/** The PEM blocks of one kind (`CERTIFICATE`, `PRIVATE KEY`, ...), in order. */
function pemBlocks(text: string, label: string): string[] {
  const re = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`, 'g');
  return (text.match(re) ?? []).map((b) => `${b}\n`);
}

function isCertificate(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

async function readPair(certPath: string, keyPath: string): Promise<CertAndKey | undefined> {
  const [cert, key] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  return cert && key ? { cert, key } : undefined;
}

async function fetchClientCA(client: Pick<Client, 'raw'>): Promise<string> {
  const res = await client.raw('GET', CLIENT_CA_PATH, undefined, { Accept: 'application/x-pem-file' });
  if (res.status !== 200) throw new Error(`GET ${CLIENT_CA_PATH}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  // Kept whole: a CA being rotated arrives as a bundle of two.
  const [first] = pemBlocks(res.body, 'CERTIFICATE');
  if (!first || !isCertificate(first)) throw new Error(`GET ${CLIENT_CA_PATH}: the answer holds no certificate`);
  return res.body;
}

async function requestServingCert(client: Pick<Client, 'raw'>, nodeName: string, addresses: string[]): Promise<CertAndKey> {
  const res = await client.raw('POST', SERVING_KUBELET_PATH, { nodeName, addresses }, { Accept: 'application/x-pem-file' });
  if (res.status !== 200) throw new Error(`POST ${SERVING_KUBELET_PATH}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  const [cert] = pemBlocks(res.body, 'CERTIFICATE');
  const [key] = pemBlocks(res.body, 'PRIVATE KEY');
  if (!cert || !key) throw new Error(`POST ${SERVING_KUBELET_PATH}: the answer lacks a certificate or a key`);
  return { cert, key };
}

/**
 * The joined agent's kubelet API material. The client CA is fetched at every
 * start (it is small, and follows the server); the serving certificate is
 * reused while it chains to the pinned server CA, names this node and its
 * addresses and is not within `renewBeforeDays` of expiry, else requested
 * anew. When the server cannot be asked, a kept file that still works is
 * used (with a warning); with nothing usable, this throws.
 */
export async function joinedKubeletTLS(o: JoinedKubeletTLSOptions): Promise<KubeletTLS> {
  const paths = joinedTLSPaths(o.dataDir);
  const now = o.now ?? new Date();
  const log = o.log;

  let clientCA: string;
  const keptCA = await readIfExists(paths.clientCA);
  try {
    clientCA = await fetchClientCA(o.client);
    if (clientCA !== keptCA) await writePublicFile(paths.clientCA, clientCA);
  } catch (err) {
    if (!keptCA || !isCertificate(keptCA)) throw new Error(`cannot get the kubelet client CA from the server: ${(err as Error).message}`, { cause: err });
    log.warn({ err: (err as Error).message, file: paths.clientCA }, 'cannot refresh the kubelet client CA; using the kept one');
    clientCA = keptCA;
  }

  const kept = await readPair(paths.servingCert, paths.servingKey);
  const why = servingCertProblem(kept, o.serverCA, o.nodeName, o.addresses, now, o.renewBeforeDays ?? JOINED_RENEW_BEFORE_DAYS);
  if (!why) return { ...kept!, clientCA };
  let pair: CertAndKey;
  try {
    pair = await requestServingCert(o.client, o.nodeName, o.addresses);
    // The server answering is not proof it is ours: the certificate must chain to the CA the token pinned.
    if (!isIssuedBy(pair, { cert: o.serverCA })) throw new Error('the issued certificate is not signed by the server CA or does not match its key');
  } catch (err) {
    const stillValid = kept && isIssuedBy(kept, { cert: o.serverCA }) && inspectCert(kept.cert).notAfter > now;
    if (!stillValid) throw new Error(`cannot get a kubelet serving certificate from the server: ${(err as Error).message}`, { cause: err });
    log.warn({ err: (err as Error).message, reason: why, file: paths.servingCert }, 'cannot renew the kubelet serving certificate; using the kept one');
    return { ...kept, clientCA };
  }
  await writePrivateFile(paths.servingKey, pair.key);
  await writePublicFile(paths.servingCert, pair.cert);
  log.info({ file: paths.servingCert, reason: why }, 'got a kubelet serving certificate from the server');
  return { ...pair, clientCA };
}

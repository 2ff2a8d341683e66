/**
 * The API server's identity and its users': certificates, the join token,
 * kubeconfigs, and request authentication.
 *
 * Server start-up, in order:
 *   const auth = await setupServerAuth({ dataDir, tlsSans, log });
 *   https.createServer(auth.tls, handler)   // then per request: auth.authenticator.authenticate(req)
 *   ...listen...
 *   await writeServerKubeconfigs({ dataDir, bindAddress, writeKubeconfig }, port)  // the CLI does this
 */
import type { Logger } from '../../util/log.js';
import { createAuthenticator, type Authenticator } from './authn.js';
import { kubeconfigPath, localServerUrl, writeKubeconfig } from './kubeconfig.js';
import { ensurePki, loadPki, type Pki } from './pki.js';
import { tlsOptions, type TlsServerOptions } from './tls.js';
import { ensureJoinToken } from './token.js';

export {
  AUTHENTICATED_GROUP,
  BOOTSTRAP_GROUPS,
  BOOTSTRAP_USER,
  bearerToken,
  createAuthenticator,
  joinTokenAuthenticator,
  userFromClientCert,
  type Authenticator,
  type AuthenticatorOptions,
  type TokenAuthenticator,
  type UserInfo,
} from './authn.js';
export {
  createCA,
  inspectCert,
  isIssuedBy,
  issueClientCert,
  issueKubeletServingCert,
  issueServingCert,
  type CertAndKey,
  type CertInfo,
  type CertSubject,
  type IssueOptions,
} from './certs.js';
export { kubeconfigPath, localServerUrl, renderKubeconfig, writeKubeconfig, type KubeconfigParams } from './kubeconfig.js';
export {
  ADMIN_SUBJECT,
  KUBELET_CLIENT_SUBJECT,
  DEFAULT_APISERVER_SANS,
  RENEW_BEFORE_DAYS,
  apiServerSans,
  ensurePki,
  loadPki,
  pkiPaths,
  type Pki,
  type PkiOptions,
  type PkiPaths,
} from './pki.js';
export { tlsOptions, type TlsServerOptions } from './tls.js';
export {
  caHash,
  ensureJoinToken,
  formatJoinToken,
  matchesJoinToken,
  parseJoinToken,
  readJoinToken,
  tokenPath,
  type JoinToken,
} from './token.js';

export interface ServerAuthOptions {
  dataDir: string;
  tlsSans?: string[];
  hostname?: string;
  now?: Date;
  log?: Logger;
}

export interface ServerAuth {
  pki: Pki;
  joinToken: string;
  /** For `https.createServer(auth.tls, ...)`. */
  tls: TlsServerOptions;
  authenticator: Authenticator;
}

/** Makes or renews the PKI and the join token, and builds the authenticator from them. */
export async function setupServerAuth(opts: ServerAuthOptions): Promise<ServerAuth> {
  const pki = await ensurePki(opts.dataDir, { tlsSans: opts.tlsSans, hostname: opts.hostname, now: opts.now, log: opts.log });
  const joinToken = await ensureJoinToken(opts.dataDir, pki.serverCA.cert);
  return {
    pki,
    joinToken,
    tls: tlsOptions(opts.dataDir),
    authenticator: createAuthenticator({ joinToken }),
  };
}

export interface KubeconfigTargets {
  dataDir: string;
  bindAddress?: string;
  /** `--write-kubeconfig`: a second copy for the user's convenience. */
  writeKubeconfig?: string;
}

/**
 * Writes `<dataDir>/kubeconfig.yaml` (and `writeKubeconfig`, if given) for a
 * server listening on `port`; returns the paths written.
 */
export async function writeServerKubeconfigs(t: KubeconfigTargets, port: number): Promise<string[]> {
  const pki = await loadPki(t.dataDir);
  const params = {
    server: localServerUrl(t.bindAddress ?? '127.0.0.1', port),
    caCert: pki.serverCA.cert,
    clientCert: pki.admin.cert,
    clientKey: pki.admin.key,
  };
  const paths = [kubeconfigPath(t.dataDir)];
  if (t.writeKubeconfig) paths.push(t.writeKubeconfig);
  for (const p of paths) await writeKubeconfig(p, params);
  return paths;
}

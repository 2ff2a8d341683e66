/**
 * The kubelet API's TLS material: a serving certificate for the node
 * (signed by the server CA, which the API server checks) and the client CA
 * whose `kube-apiserver-kubelet-client` certificate is the only caller let in.
 *
 * An agent in `skiff server`'s process shares the server's data dir, so it
 * issues its own serving certificate from `<data-dir>/tls/server-ca.*`; an
 * agent elsewhere is handed its material (a CSR flow would go here).
 */
import { issueKubeletServingCert } from '../../apiserver/auth/certs.js';
import { readIfExists } from '../../apiserver/auth/files.js';
import { pkiPaths } from '../../apiserver/auth/pki.js';

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

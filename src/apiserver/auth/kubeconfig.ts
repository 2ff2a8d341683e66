/**
 * The admin kubeconfig: one cluster, one user, one context, all named
 * `default` (as k3s does), with every certificate embedded so the file works
 * when copied elsewhere.
 */
import { isIP } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writePrivateFile } from './files.js';

export interface KubeconfigParams {
  /** `https://127.0.0.1:6443` */
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
}

export function kubeconfigPath(dataDir: string): string {
  return join(dataDir, 'kubeconfig.yaml');
}

const b64 = (pem: string) => Buffer.from(pem).toString('base64');

export function renderKubeconfig(p: KubeconfigParams): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'default', cluster: { server: p.server, 'certificate-authority-data': b64(p.caCert) } }],
    users: [{ name: 'default', user: { 'client-certificate-data': b64(p.clientCert), 'client-key-data': b64(p.clientKey) } }],
    contexts: [{ name: 'default', context: { cluster: 'default', user: 'default' } }],
    'current-context': 'default',
    preferences: {},
  });
}

/** Writes a kubeconfig with mode 0600 (it holds the admin key). */
export async function writeKubeconfig(path: string, p: KubeconfigParams): Promise<void> {
  await writePrivateFile(path, renderKubeconfig(p));
}

/**
 * The address a local client should dial: a server bound to every address
 * (0.0.0.0, ::) is reached on 127.0.0.1; one bound to a given address, there.
 */
export function localServerUrl(bindAddress: string, port: number): string {
  const host = !bindAddress || bindAddress === '0.0.0.0' || bindAddress === '::' ? '127.0.0.1' : bindAddress;
  return `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

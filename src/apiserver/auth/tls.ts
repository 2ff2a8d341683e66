/**
 * Options for `https.createServer`: the API server's own certificate, and
 * the client CA to verify client certificates against. Client certificates
 * are requested but not required, so token and anonymous requests still
 * reach the authenticator, which looks at `socket.authorized`.
 */
import { readFileSync } from 'node:fs';
import { pkiPaths } from './pki.js';

export interface TlsServerOptions {
  key: string;
  cert: string;
  ca: string;
  requestCert: true;
  rejectUnauthorized: false;
}

/** Reads the files `ensurePki` wrote; call that first. */
export function tlsOptions(dataDir: string): TlsServerOptions {
  const p = pkiPaths(dataDir);
  return {
    key: readFileSync(p.servingKey, 'utf8'),
    cert: readFileSync(p.servingCert, 'utf8'),
    ca: readFileSync(p.clientCACert, 'utf8'),
    requestCert: true,
    rejectUnauthorized: false,
  };
}

/**
 * HTTPS to the API as the admin user, over a keep-alive agent so that the
 * figures are about request handling, not TLS handshakes.
 */
import { Agent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import type { Credentials } from '../support/index.js';

export interface Reply {
  status: number;
  /** Decoded: a gzip'd answer is inflated as it arrives, as client-go's transport does. */
  body: Buffer;
  /** Bytes that crossed the connection (the body as sent). */
  wireBytes: number;
}

export class ApiClient {
  readonly agent: Agent;

  constructor(
    readonly port: number,
    readonly creds: Credentials,
    maxSockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, cert: creds.cert, key: creds.key, ca: creds.ca });
  }

  /**
   * One request, the whole body read. Rejects only on transport errors.
   * `gzip` asks for a compressed answer like kubectl and client-go do.
   */
  send(method: string, path: string, body?: string, contentType = 'application/json', gzip = false): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { Accept: 'application/json' };
      if (gzip) headers['Accept-Encoding'] = 'gzip';
      if (body !== undefined) {
        headers['Content-Type'] = contentType;
        headers['Content-Length'] = Buffer.byteLength(body);
      }
      const req = request({ host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent, timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        let wireBytes = 0;
        res.on('data', (c: Buffer) => (wireBytes += c.length));
        const decoded = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
        decoded.on('data', (c: Buffer) => chunks.push(c));
        decoded.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), wireBytes }));
        decoded.on('error', reject);
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /**
   * Opens a long-lived GET (a watch) on its own connection; resolves once the
   * headers are in. A watch must send its headers before its first event
   * (clients wait for them), so a silent one fails after headerTimeoutMs.
   */
  stream(path: string, headerTimeoutMs = 10_000): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: this.port, method: 'GET', path, headers: { Accept: 'application/json' }, cert: this.creds.cert, key: this.creds.key, ca: this.creds.ca, agent: false },
        (res) => {
          clearTimeout(timer);
          resolve(res);
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`GET ${path}: no response headers within ${headerTimeoutMs} ms`)), headerTimeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A short description of an unexpected answer, for error messages. */
export function describeReply(method: string, path: string, r: Reply): string {
  return `${method} ${path} -> ${r.status}: ${r.body.toString('utf8').slice(0, 500)}`;
}

/**
 * The layer below a LIST: a body of the same size served by a bare node
 * HTTPS server with the cluster's own serving certificate, written the way
 * the API server writes a big body (256 KiB slices, each after the socket
 * drained) and read the same way (keep-alive, whole body kept). What TLS on
 * loopback costs on this machine before the API server does any work.
 */
import { createServer, Agent, get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarize, type Summary } from './stats.js';

export async function tlsFloor(dataDir: string, bytes: number, runs: number): Promise<Summary> {
  const tls = join(dataDir, 'tls');
  const body = Buffer.alloc(bytes, 0x61);
  const slice = 256 * 1024;
  const server = createServer({ key: readFileSync(join(tls, 'serving-kube-apiserver.key')), cert: readFileSync(join(tls, 'serving-kube-apiserver.crt')) }, async (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
    for (let at = 0; at < body.length; at += slice) {
      if (!res.write(body.subarray(at, at + slice))) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agent = new Agent({ keepAlive: true, ca: readFileSync(join(tls, 'server-ca.crt')) });
  const port = (server.address() as AddressInfo).port;
  const fetchOnce = () =>
    new Promise<void>((resolve, reject) => {
      get({ agent, host: '127.0.0.1', port, path: '/' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          Buffer.concat(chunks);
          resolve();
        });
        res.on('error', reject);
      }).on('error', reject);
    });
  try {
    await fetchOnce();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await fetchOnce();
      times.push(performance.now() - t0);
    }
    return summarize(times);
  } finally {
    agent.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

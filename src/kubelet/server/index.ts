/**
 * The node agent's HTTPS endpoint (the kubelet API, port 10250): what the
 * API server relays `kubectl logs/exec/attach/port-forward/cp` and
 * nodes/proxy to. Only the API server may call it: the client must present
 * a certificate from the client CA with CN `kube-apiserver-kubelet-client`.
 *
 *   GET  /containerLogs/<ns>/<pod>/<container>?follow=&previous=&tailLines=&sinceSeconds=&sinceTime=&timestamps=&limitBytes=
 *   GET|POST /exec/<ns>/<pod>/<container>?command=..&stdin=&stdout=&stderr=&tty=   (upgrade)
 *   GET|POST /attach/<ns>/<pod>/<container>?stdin=&stdout=&stderr=&tty=            (upgrade)
 *   GET|POST /portForward/<ns>/<pod>                                               (upgrade)
 *   GET  /pods, /healthz
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { CriClient } from '../../cri/index.js';
import type { Logger } from '../../util/log.js';
import { serveContainerLogs } from './logs.js';
import { KubeletError, notFound, rejectUpgrade, sendError } from './status.js';
import { serveStream, type StreamKind } from './streams.js';
import { kubeletTLS, type KubeletTLS } from './tls.js';

export { kubeletTLS, type KubeletTLS, type KubeletTLSOptions } from './tls.js';
export { parseCriLine, parseLogOptions, type LogOptions, type CriLogRecord } from './cri-log.js';
export { RUNTIME_WEBSOCKET_PROTOCOLS } from './streams.js';

/** The one client identity the kubelet API serves (the API server's). */
export const KUBELET_API_CLIENT_CN = 'kube-apiserver-kubelet-client';
export const DEFAULT_KUBELET_PORT = 10250;

export interface KubeletServerOptions {
  cri: CriClient;
  /** The pods bound to this node, as the agent last saw them from the API. */
  pods(): Iterable<Pod>;
  tls: KubeletTLS;
  /** Default 10250; 0 picks a free port. */
  port?: number;
  /** Default 0.0.0.0. */
  address?: string;
  log: Logger;
  /** How often log followers look for new lines (ms, default 100). */
  logPollMs?: number;
}

export interface KubeletServer {
  readonly port: number;
  /** Stops listening and ends every request and stream still open. */
  close(): Promise<void>;
}

function authorize(socket: TLSSocket): KubeletError | undefined {
  if (!socket.authorized) return new KubeletError(401, 'Unauthorized');
  const subject = socket.getPeerCertificate()?.subject;
  const cn = subject?.CN;
  if (cn !== KUBELET_API_CLIENT_CN) return new KubeletError(403, `Forbidden (user=${String(cn)}, verb=get, resource=nodes, subresource=proxy)`);
  return undefined;
}

function splitPath(url: string): { parts: string[]; query: URLSearchParams } {
  const u = new URL(url, 'https://kubelet');
  const parts = u.pathname
    .split('/')
    .filter(Boolean)
    .map((p) => decodeURIComponent(p));
  return { parts, query: u.searchParams };
}

const streamKinds: Record<string, StreamKind> = { exec: 'exec', attach: 'attach', portForward: 'portForward' };

export async function startKubeletServer(opts: KubeletServerOptions): Promise<KubeletServer> {
  const log = opts.log;
  const findPod = (namespace: string, name: string): Pod | undefined => {
    for (const p of opts.pods()) if (p.metadata?.namespace === namespace && p.metadata?.name === name) return p;
    return undefined;
  };
  const logDeps = { cri: opts.cri, findPod, pollMs: opts.logPollMs };
  const streamDeps = { cri: opts.cri, findPod, log };
  const sockets = new Set<Duplex>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const denied = authorize(req.socket as TLSSocket);
    if (denied) throw denied;
    const { parts, query } = splitPath(req.url ?? '/');
    const [root, ...rest] = parts;
    if (root === 'healthz' && rest.length === 0) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (root === 'pods' && rest.length === 0) {
      const body = JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [...opts.pods()] });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(body);
      return;
    }
    if (root === 'containerLogs' && rest.length === 3 && req.method === 'GET') {
      let closed = false;
      res.on('close', () => (closed = true));
      await serveContainerLogs(logDeps, res, () => closed, rest[0]!, rest[1]!, rest[2]!, query);
      return;
    }
    if (root && streamKinds[root]) throw new KubeletError(400, 'Upgrade request required');
    throw notFound(`the server could not find the requested resource`);
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const denied = authorize(socket as TLSSocket);
    if (denied) return rejectUpgrade(socket, denied);
    const { parts } = splitPath(req.url ?? '/');
    const [root, ...rest] = parts;
    const kind = root ? streamKinds[root] : undefined;
    if (!kind || !(kind === 'portForward' ? rest.length === 2 : rest.length === 3)) {
      return rejectUpgrade(socket, notFound('the server could not find the requested resource'));
    }
    await serveStream(streamDeps, kind, rest, req, socket, head);
  }

  const server: Server = createServer(
    { cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.clientCA, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (!(err instanceof KubeletError)) log.warn({ err: (err as Error).message, url: req.url }, 'kubelet API request failed');
        sendError(res, err);
      });
    },
  );
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    handleUpgrade(req, socket, head).catch((err: unknown) => {
      log.warn({ err: (err as Error).message, url: req.url }, 'kubelet API stream failed');
      rejectUpgrade(socket, err);
    });
  });
  // A client hanging up mid-handshake is not the server's error.
  server.on('tlsClientError', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_KUBELET_PORT, opts.address ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port }, 'kubelet API listening');

  return {
    port,
    async close() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      // Followers and streams never end by themselves.
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

export interface NodeKubeletServerOptions {
  cri: CriClient;
  pods(): Iterable<Pod>;
  dataDir: string;
  nodeName: string;
  address: string;
  port?: number;
  bindAddress?: string;
  servingCert?: { cert: string; key: string };
  clientCA?: string;
  log: Logger;
}

/**
 * The agent's start-up of its kubelet API. A node without TLS material, or
 * whose port is taken (a second agent on one machine), runs its pods all the
 * same; it logs why logs and exec will not reach it and returns undefined.
 */
export async function startNodeKubeletServer(o: NodeKubeletServerOptions): Promise<KubeletServer | undefined> {
  try {
    const tls = await kubeletTLS({ dataDir: o.dataDir, nodeName: o.nodeName, addresses: [o.address], servingCert: o.servingCert, clientCA: o.clientCA });
    if ('missing' in tls) {
      o.log.warn({ missing: tls.missing }, 'kubelet API disabled: no TLS material for it (logs, exec and port-forward will not reach this node)');
      return undefined;
    }
    return await startKubeletServer({ cri: o.cri, pods: o.pods, tls, port: o.port, address: o.bindAddress, log: o.log });
  } catch (err) {
    o.log.error({ err: (err as Error).message, port: o.port ?? DEFAULT_KUBELET_PORT }, 'kubelet API could not listen; logs, exec and port-forward will not reach this node');
    return undefined;
  }
}

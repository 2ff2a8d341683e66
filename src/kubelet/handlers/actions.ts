/**
 * The actions a probe or a lifecycle hook can take against a container:
 * exec inside it (CRI ExecSync), an HTTP(S) GET, a TCP connect, a gRPC
 * health check (grpc.health.v1), or a sleep. Each resolves to a result
 * instead of throwing, with the output worded like the kubelet's so events
 * read the same (`HTTP probe failed with statuscode: 500`, `dial tcp
 * 10.42.0.5:80: connect: connection refused`).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Container } from 'kubernetes-types/core/v1.js';
import type { CriClient } from '../../cri/index.js';

export interface ActionResult {
  ok: boolean;
  output: string;
}

/** Probe-side User-Agent, as the kubelet sends it. */
export const PROBE_USER_AGENT = 'kube-probe/1.30';

const failure = (output: string): ActionResult => ({ ok: false, output });

export async function execAction(cri: CriClient, containerId: string, command: string[], timeoutSeconds: number): Promise<ActionResult> {
  try {
    const res = await cri.execSync(containerId, command, timeoutSeconds);
    const output = Buffer.concat([res.stdout, res.stderr]).toString('utf8');
    if (res.exitCode === 0) return { ok: true, output };
    return failure(output || `command ${JSON.stringify(command.join(' '))} exited with ${res.exitCode}`);
  } catch (err) {
    const msg = (err as { details?: string }).details ?? (err as Error).message;
    if (/deadline|timeout/i.test(msg)) return failure(`command ${JSON.stringify(command.join(' '))} timed out`);
    return failure(msg);
  }
}

/** A container port given by number, numeric string, or the name of one of its ports. */
export function resolvePort(port: number | string | undefined, container: Container): number | undefined {
  if (typeof port === 'number') return port > 0 && port < 65536 ? port : undefined;
  if (port === undefined || port === '') return undefined;
  if (/^\d+$/.test(port)) return resolvePort(Number(port), container);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  const addr = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  if (err.code === 'ECONNREFUSED') return `dial tcp ${addr}: connect: connection refused`;
  if (err.code === 'EHOSTUNREACH') return `dial tcp ${addr}: connect: no route to host`;
  if (err.code === 'ETIMEDOUT') return `dial tcp ${addr}: i/o timeout`;
  return `dial tcp ${addr}: ${err.message}`;
}

export interface HttpGetTarget {
  scheme: 'HTTP' | 'HTTPS';
  host: string;
  port: number;
  path: string;
  headers: { name: string; value: string }[];
  timeoutMs: number;
  /** Wording of the failure: `HTTP probe failed` for probes. */
  what?: string;
}

export function httpGetAction(t: HttpGetTarget): Promise<ActionResult> {
  const hostPort = net.isIPv6(t.host) ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
  const path = t.path.startsWith('/') ? t.path : `/${t.path}`;
  const url = `${t.scheme.toLowerCase()}://${hostPort}${path}`;
  const headers: Record<string, string> = { 'User-Agent': PROBE_USER_AGENT, Accept: '*/*' };
  let hostHeader: string | undefined;
  for (const h of t.headers) {
    if (h.name.toLowerCase() === 'host') hostHeader = h.value;
    else headers[h.name] = h.value;
  }
  if (hostHeader) headers.Host = hostHeader;
  const mod = t.scheme === 'HTTPS' ? https : http;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: ActionResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = mod.request(
      url,
      { method: 'GET', headers, agent: false, ...(t.scheme === 'HTTPS' ? { rejectUnauthorized: false, servername: hostHeader && !net.isIP(hostHeader) ? hostHeader : undefined } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          // Like the kubelet, keep only the first 10 KiB of the body.
          if (size < 10_240) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          const body = Buffer.concat(chunks).subarray(0, 10_240).toString('utf8');
          if (code >= 200 && code < 400) finish({ ok: true, output: body });
          else finish(failure(`${t.what ?? 'HTTP probe failed'} with statuscode: ${code}`));
        });
        res.on('error', (err) => finish(failure(`Get "${url}": ${err.message}`)));
      },
    );
    const timer = setTimeout(() => {
      finish(failure(`Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`));
      req.destroy();
    }, t.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish(failure(`Get "${url}": ${dialError(t.host, t.port, err)}`)));
    req.end();
  });
}

export function tcpAction(host: string, port: number, timeoutMs: number): Promise<ActionResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(failure(dialError(host, port, Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' }))));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true, output: '' });
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(failure(dialError(host, port, err)));
    });
  });
}

// grpc.health.v1.HealthCheckRequest { string service = 1; } and
// HealthCheckResponse { ServingStatus status = 1; }: two tiny messages,
// encoded by hand rather than loading a .proto for them.
function encodeHealthRequest(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  if (!s.length) return Buffer.alloc(0);
  const len: number[] = [];
  let n = s.length;
  while (n > 0x7f) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([0x0a, ...len]), s]);
}

function decodeHealthStatus(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const tag = buf[i++];
    if (tag === 0x08) {
      let v = 0;
      let shift = 0;
      while (i < buf.length) {
        const b = buf[i++];
        v |= (b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
      }
      return v;
    }
    return 0;
  }
  return 0; // UNKNOWN: an empty message carries the default
}

const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

export function grpcAction(host: string, port: number, service: string, timeoutMs: number): Promise<ActionResult> {
  const target = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  const secs = `${Math.round(timeoutMs / 1000)}s`;
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      encodeHealthRequest,
      decodeHealthStatus,
      service,
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err, status) => {
        client.close();
        if (err) {
          if (err.code === grpc.status.DEADLINE_EXCEEDED) resolve(failure(`timeout: health rpc did not complete within ${secs}`));
          else if (err.code === grpc.status.UNAVAILABLE) resolve(failure(`timeout: failed to connect service ${JSON.stringify(target)} within ${secs}: ${err.details}`));
          else resolve(failure(`error: health rpc probe failed: ${err.details || err.message}`));
          return;
        }
        if (status === 1) resolve({ ok: true, output: '' });
        else resolve(failure(`service unhealthy (responded with ${JSON.stringify(SERVING_STATUS[status ?? 0] ?? String(status))})`));
      },
    );
  });
}

export function sleepAction(seconds: number, signal?: AbortSignal): Promise<ActionResult> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve({ ok: true, output: '' }), seconds * 1000);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve({ ok: true, output: '' });
    });
  });
}

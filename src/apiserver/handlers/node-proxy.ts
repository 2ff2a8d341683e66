/**
 * pods/log, pods/exec, pods/attach, pods/portforward and nodes/proxy: the
 * API server finds the pod's node agent and relays the request to its HTTPS
 * endpoint (port 10250), as kube-apiserver does with kubelets. Streams
 * (log follow) are piped; exec/attach/port-forward are connection upgrades
 * (WebSocket or SPDY — whatever the client and the agent speak), relayed
 * byte for byte after the handshake.
 *
 * The agent's serving certificate is checked against the server CA, and the
 * API server presents its kubelet-client certificate, the only caller agents
 * accept.
 */
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { errors } from '../../api/errors.js';
import type { HandlerRequest } from './context.js';

export interface KubeletCredentials {
  /** Server CA (PEM) that signed the agents' serving certificates. */
  ca: string;
  cert: string;
  key: string;
}

export const defaultKubeletPort = 10250;

interface Target {
  host: string;
  port: number;
  path: string;
}

type ProxyRequest = Pick<HandlerRequest, 'deps' | 'info' | 'query' | 'rt' | 'req'>;

async function nodeEndpoint(h: ProxyRequest, nodeName: string): Promise<{ host: string; port: number }> {
  const nodes = h.deps.resources.find((r) => r.group === '' && r.resource === 'nodes')!;
  const node = (await h.deps.store.getStored(nodes, undefined, nodeName)) as Node;
  const addresses = node.status?.addresses ?? [];
  const host = addresses.find((a) => a.type === 'InternalIP')?.address ?? addresses.find((a) => a.type === 'Hostname')?.address;
  if (!host) throw errors.serviceUnavailable(`node "${nodeName}" has no address to reach its agent at`);
  return { host, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port || defaultKubeletPort };
}

function pickContainer(pod: Pod, wanted: string | null, includeInit: boolean): string {
  const containers = pod.spec?.containers ?? [];
  const all = [...(includeInit ? (pod.spec?.initContainers ?? []) : []), ...containers, ...(pod.spec?.ephemeralContainers ?? [])];
  const name = pod.metadata?.name;
  if (wanted) {
    if (!all.some((c) => c.name === wanted)) {
      throw errors.badRequest(`container ${wanted} is not valid for pod ${name}`);
    }
    return wanted;
  }
  if (containers.length === 1) return containers[0]!.name;
  const def = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  if (def && containers.some((c) => c.name === def)) return def;
  throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`);
}

/** Where a pod subresource or nodes/proxy request goes on the node agent. */
export async function kubeletTarget(h: ProxyRequest): Promise<Target> {
  const { info, query } = h;
  if (info.resource === 'nodes') {
    const ep = await nodeEndpoint(h, info.name!);
    return { ...ep, path: `/${info.rest.map(encodeURIComponent).join('/')}${queryString(query)}` };
  }
  const pod = (await h.deps.store.getStored(h.rt, info.namespace, info.name!)) as Pod;
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${info.name} does not have a host assigned`);
  const ep = await nodeEndpoint(h, nodeName);
  const ns = encodeURIComponent(info.namespace!);
  const name = encodeURIComponent(info.name!);
  const q = new URLSearchParams(query);
  switch (info.subresource) {
    case 'log': {
      const container = pickContainer(pod, q.get('container'), true);
      q.delete('container');
      return { ...ep, path: `/containerLogs/${ns}/${name}/${encodeURIComponent(container)}${queryString(q)}` };
    }
    case 'exec':
    case 'attach': {
      const container = pickContainer(pod, q.get('container'), false);
      q.delete('container');
      return { ...ep, path: `/${info.subresource}/${ns}/${name}/${encodeURIComponent(container)}${queryString(q)}` };
    }
    case 'portforward':
      return { ...ep, path: `/portForward/${ns}/${name}${queryString(q)}` };
  }
  throw errors.badRequest(`unsupported subresource ${info.subresource}`);
}

function queryString(q: URLSearchParams): string {
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Relays a plain (non-upgrade) request, streaming the answer (e.g. `logs -f`). */
export async function proxyRequest(h: HandlerRequest, creds: KubeletCredentials): Promise<void> {
  const target = await kubeletTarget(h);
  await new Promise<void>((resolve, reject) => {
    const opts: RequestOptions = {
      host: target.host,
      port: target.port,
      path: target.path,
      method: h.req.method,
      ca: creds.ca,
      cert: creds.cert,
      key: creds.key,
      headers: { accept: h.req.headers.accept ?? '*/*' },
    };
    const up = httpsRequest(opts, (res: IncomingMessage) => {
      const out: ServerResponse = h.res;
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && k !== 'connection' && k !== 'transfer-encoding') headers[k] = v;
      out.writeHead(res.statusCode ?? 502, headers);
      res.pipe(out);
      res.on('end', resolve);
      res.on('error', reject);
      h.req.on('close', () => res.destroy());
    });
    up.on('error', (err) => reject(errors.serviceUnavailable(`error dialing the node agent: ${err.message}`)));
    h.req.pipe(up);
  });
}

/**
 * Relays an upgrade (exec, attach, port-forward): opens TLS to the agent,
 * replays the request head with the agent-side path, and splices the two
 * connections once the agent answers.
 */
export async function proxyUpgrade(h: ProxyRequest, socket: Duplex, head: Buffer, creds: KubeletCredentials): Promise<void> {
  const target = await kubeletTarget(h);
  const up = tlsConnect({ host: target.host, port: target.port, ca: creds.ca, cert: creds.cert, key: creds.key, servername: isIP(target.host) ? undefined : target.host });
  await new Promise<void>((resolve, reject) => {
    up.once('secureConnect', resolve);
    up.once('error', (err) => reject(errors.serviceUnavailable(`error dialing the node agent: ${err.message}`)));
  });
  const lines = [`${h.req.method} ${target.path} HTTP/1.1`, `Host: ${target.host}:${target.port}`];
  const raw = h.req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    if (k === 'host' || k === 'authorization') continue;
    lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  up.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (head.length) up.write(head);
  up.pipe(socket);
  socket.pipe(up);
  const close = () => {
    up.destroy();
    socket.destroy();
  };
  up.on('error', close);
  socket.on('error', close);
  up.on('close', close);
  socket.on('close', close);
}

function isIP(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

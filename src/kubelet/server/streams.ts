/**
 * /exec, /attach and /portForward: connection upgrades that the runtime's
 * own streaming server (containerd's, on 127.0.0.1) serves. The agent asks
 * the CRI for a one-time URL and replays the client's request head to it
 * with that URL's path, then splices the two connections, so the stream
 * protocol (SPDY remotecommand/portforward, or the legacy websocket
 * channel protocols) runs end to end between the client and containerd:
 * exit codes, TTY resizes and stdin close travel inside it.
 *
 * containerd's server predates the WebSocket `v5.channel.k8s.io` and the
 * SPDY-over-WebSocket port-forward tunnel; a WebSocket request offering only
 * those is refused before it reaches the runtime, with a plain non-101
 * answer, which is what makes kubectl retry over SPDY.
 */
import { connect } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { CriClient } from '../../cri/index.js';
import type { Logger } from '../../util/log.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from '../runtime-config.js';
import { badRequest, KubeletError, notFound, rejectUpgrade } from './status.js';

export interface StreamDeps {
  cri: CriClient;
  findPod(namespace: string, name: string): Pod | undefined;
  log: Logger;
}

/** The WebSocket subprotocols containerd's streaming server speaks (exec, attach and port-forward alike). */
export const RUNTIME_WEBSOCKET_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'];

export type StreamKind = 'exec' | 'attach' | 'portForward';

function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && /^(1|t|true)$/i.test(v);
}

/**
 * What the request head sent upstream must say differently: WebSocket
 * protocols the runtime lacks are dropped from the offer.
 */
function websocketProtocols(req: IncomingMessage): string[] | undefined {
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return undefined;
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const usable = offered.filter((p) => RUNTIME_WEBSOCKET_PROTOCOLS.includes(p));
  if (!usable.length) {
    throw badRequest(
      `websocket protocol(s) [${offered.join(' ')}] not supported by the container runtime's stream server (supported: ${RUNTIME_WEBSOCKET_PROTOCOLS.join(' ')}); use SPDY`,
    );
  }
  return usable;
}

function podOrFail(deps: StreamDeps, namespace: string, name: string): Pod {
  const pod = deps.findPod(namespace, name);
  if (!pod) throw notFound(`pod "${name}" does not exist`);
  return pod;
}

async function runningContainer(deps: StreamDeps, pod: Pod, container: string): Promise<string> {
  const name = pod.metadata!.name!;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  }
  const known = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
  if (!known.some((c) => c.name === container)) throw notFound(`container "${container}" not found in pod "${name}"`);
  const running = await deps.cri.listContainers({
    labelSelector: { [LABEL_POD_NAMESPACE]: pod.metadata!.namespace!, [LABEL_POD_NAME]: name, [LABEL_CONTAINER_NAME]: container },
    state: { state: 'CONTAINER_RUNNING' },
  });
  const c = pickOwn(pod, running);
  if (!c) throw notFound(`container not found ("${container}")`);
  return c.id;
}

/**
 * Runtime objects are found by the pod's name (a static pod's mirror in the
 * API has another UID than the pod the agent runs); among several (a pod
 * re-created under the same name while the old one terminates) this UID's.
 */
function pickOwn<T extends { labels: Record<string, string> }>(pod: Pod, found: T[]): T | undefined {
  return found.find((x) => x.labels[LABEL_POD_UID] === pod.metadata!.uid) ?? (found.length === 1 ? found[0] : undefined);
}

async function runtimeUrl(deps: StreamDeps, kind: StreamKind, parts: string[], q: URLSearchParams): Promise<string> {
  const [namespace, podName, container] = parts;
  if (!namespace || !podName || (kind !== 'portForward' && !container)) throw notFound(`unknown path`);
  const pod = podOrFail(deps, namespace, podName);
  if (kind === 'portForward') {
    const sandboxes = await deps.cri.listPodSandbox({
      labelSelector: { [LABEL_POD_NAMESPACE]: namespace, [LABEL_POD_NAME]: podName },
      state: { state: 'SANDBOX_READY' },
    });
    const sandbox = pickOwn(pod, sandboxes);
    if (!sandbox) throw notFound(`pod "${podName}" has no running sandbox`);
    const ports = q.getAll('port').flatMap((p) => p.split(',')).map(Number).filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
    return deps.cri.portForward(sandbox.id, ports);
  }
  const tty = flag(q, 'tty');
  const stdin = flag(q, 'stdin');
  const stdout = flag(q, 'stdout');
  // A TTY merges stderr into stdout; the kubelet drops the request for it.
  const stderr = flag(q, 'stderr') && !tty;
  if (!stdin && !stdout && !stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  const containerId = await runningContainer(deps, pod, container!);
  if (kind === 'attach') return deps.cri.attach({ containerId, stdin, stdout, stderr, tty });
  const cmd = q.getAll('command');
  if (!cmd.length) throw badRequest('you must specify a command');
  return deps.cri.exec({ containerId, cmd, stdin, stdout, stderr, tty });
}

/** Handles an upgrade request for a stream; answers errors on the socket itself. */
export async function serveStream(
  deps: StreamDeps,
  kind: StreamKind,
  parts: string[],
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  let target: URL;
  let protocols: string[] | undefined;
  try {
    protocols = websocketProtocols(req);
    const url = new URL(req.url ?? '/', 'https://kubelet');
    target = new URL(await runtimeUrl(deps, kind, parts, url.searchParams));
  } catch (err) {
    if (!(err instanceof KubeletError)) deps.log.warn({ err: (err as Error).message, url: req.url }, 'stream request failed');
    rejectUpgrade(socket, err);
    return;
  }
  relay(deps.log, req, socket, head, target, protocols);
}

/** Replays the request head to the runtime's URL and splices the connections. */
function relay(log: Logger, req: IncomingMessage, client: Duplex, head: Buffer, target: URL, protocols: string[] | undefined): void {
  const upstream = connect({ host: target.hostname, port: Number(target.port || 80) });
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    upstream.destroy();
    client.destroy();
  };
  upstream.once('connect', () => {
    const lines = [`${req.method ?? 'GET'} ${target.pathname}${target.search} HTTP/1.1`, `Host: ${target.host}`];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!.toLowerCase();
      if (k === 'host') continue;
      if (k === 'sec-websocket-protocol') continue;
      lines.push(`${raw[i]}: ${raw[i + 1]}`);
    }
    if (protocols) lines.push(`Sec-WebSocket-Protocol: ${protocols.join(', ')}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', (err) => {
    if (open && upstream.connecting) {
      log.warn({ err: err.message, target: target.origin }, 'runtime stream server unreachable');
      open = false;
      rejectUpgrade(client, new KubeletError(500, `error dialing the container runtime's stream server: ${err.message}`));
      return;
    }
    close();
  });
  client.on('error', close);
  client.on('close', close);
  // The runtime hung up: the pipe ends the client side after what is still
  // buffered (the exit status travels last); destroy only if it lingers.
  upstream.on('close', () => {
    if (!open) return;
    client.end();
    setTimeout(close, 5000).unref();
  });
}

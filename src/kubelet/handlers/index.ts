/**
 * Runs a probe's or lifecycle hook's handler (exec, httpGet, tcpSocket,
 * grpc, sleep) against one container of a pod; the probes and the
 * lifecycle hooks share it.
 */
import type { Container, ExecAction, GRPCAction, HTTPGetAction, LifecycleHandler, Probe, TCPSocketAction } from 'kubernetes-types/core/v1.js';
import type { CriClient } from '../../cri/index.js';
import { execAction, grpcAction, httpGetAction, resolvePort, sleepAction, tcpAction, type ActionResult } from './actions.js';

export { execAction, grpcAction, httpGetAction, resolvePort, sleepAction, tcpAction, PROBE_USER_AGENT } from './actions.js';
export type { ActionResult, HttpGetTarget } from './actions.js';

export interface HandlerTarget {
  cri: CriClient;
  container: Container;
  containerId: string;
  /** Where httpGet/tcpSocket/grpc go when the handler names no host. */
  podIP: string | undefined;
}

/** Any of a probe's or a hook's handler fields. */
export type Handler = {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  grpc?: GRPCAction;
  sleep?: { seconds: number };
};

/** Which kind of handler it is, for messages. */
export function handlerKind(h: Handler): 'exec' | 'httpGet' | 'tcpSocket' | 'grpc' | 'sleep' | undefined {
  if (h.exec) return 'exec';
  if (h.httpGet) return 'httpGet';
  if (h.tcpSocket) return 'tcpSocket';
  if (h.grpc) return 'grpc';
  if (h.sleep) return 'sleep';
  return undefined;
}

/**
 * `timeoutSeconds` bounds exec, HTTP, TCP and gRPC; 0 means no bound
 * (lifecycle hooks have none of their own: the caller aborts them).
 * `what` words HTTP failures (`HTTP probe failed`).
 */
export async function runHandler(h: Handler, t: HandlerTarget, timeoutSeconds: number, opts: { what?: string; signal?: AbortSignal } = {}): Promise<ActionResult> {
  const timeoutMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 : 24 * 3600_000;
  if (h.exec) return execAction(t.cri, t.containerId, h.exec.command ?? [], timeoutSeconds);
  if (h.sleep) return sleepAction(h.sleep.seconds, opts.signal);
  const host = (h.httpGet?.host || h.tcpSocket?.host || t.podIP) ?? '';
  if (!host) return { ok: false, output: 'pod has no IP address yet' };
  if (h.httpGet) {
    const port = resolvePort(h.httpGet.port as number | string, t.container);
    if (port === undefined) return { ok: false, output: `unable to find port ${JSON.stringify(h.httpGet.port)} in container ${t.container.name}` };
    return httpGetAction({
      scheme: h.httpGet.scheme === 'HTTPS' ? 'HTTPS' : 'HTTP',
      host,
      port,
      path: h.httpGet.path ?? '/',
      headers: (h.httpGet.httpHeaders ?? []).map((x) => ({ name: x.name, value: x.value })),
      timeoutMs,
      what: opts.what,
    });
  }
  if (h.tcpSocket) {
    const port = resolvePort(h.tcpSocket.port as number | string, t.container);
    if (port === undefined) return { ok: false, output: `unable to find port ${JSON.stringify(h.tcpSocket.port)} in container ${t.container.name}` };
    return tcpAction(host, port, timeoutMs);
  }
  if (h.grpc) return grpcAction(host, h.grpc.port, h.grpc.service ?? '', timeoutMs);
  return { ok: false, output: 'no handler specified' };
}

/** A probe's handler fields. */
export const probeHandler = (p: Probe): Handler => p;
/** A lifecycle hook's handler fields. */
export const hookHandler = (h: LifecycleHandler): Handler => h as Handler;

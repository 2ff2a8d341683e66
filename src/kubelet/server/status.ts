/**
 * Errors of the kubelet API as Kubernetes Status objects: the API server
 * relays the agent's answers byte for byte, so kubectl reads these the way
 * it reads its own errors ("Error from server (BadRequest): ...").
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

const reasons: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

const statusText: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export class KubeletError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }

  get reason(): string {
    return reasons[this.code] ?? 'Unknown';
  }

  toStatus(): object {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
  }
}

export const badRequest = (message: string) => new KubeletError(400, message);
export const notFound = (message: string) => new KubeletError(404, message);

function asKubeletError(err: unknown): KubeletError {
  return err instanceof KubeletError ? err : new KubeletError(500, (err as Error)?.message ?? String(err));
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = asKubeletError(err);
  if (res.headersSent) {
    // A stream already under way cannot change its status; end it.
    res.end();
    return;
  }
  const body = JSON.stringify(e.toStatus());
  res.writeHead(e.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Answers an upgrade request on its raw socket. Any answer but 101 is an
 * upgrade failure to clients, which is what makes kubectl fall back from
 * WebSocket to SPDY.
 */
export function rejectUpgrade(socket: Duplex, err: unknown): void {
  const e = asKubeletError(err);
  const body = JSON.stringify(e.toStatus());
  socket.end(
    `HTTP/1.1 ${e.code} ${statusText[e.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

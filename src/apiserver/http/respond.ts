/**
 * Writing responses: JSON bodies (often pre-serialised strings from the watch
 * cache), Status errors, and the content negotiation kubectl relies on
 * (`as=Table`, `as=PartialObjectMetadata`).
 */
import type { ServerResponse } from 'node:http';
import { StatusError, errors } from '../../api/errors.js';
import { gzipThresholdBytes, sendParts } from './compress.js';

export type Rendering = 'object' | 'table' | 'metadata';

export interface Negotiated {
  rendering: Rendering;
  /** For `as=Table`: `includeObject` (None | Metadata | Object); Metadata is the default. */
  includeObject: 'None' | 'Metadata' | 'Object';
  /** The Table / metadata apiVersion the client asked for (v1 or v1beta1). */
  metaVersion: 'v1' | 'v1beta1';
}

/**
 * Reads the Accept header's alternatives in order and takes the first we
 * can serve. Protobuf is not served; a client that accepts only protobuf
 * gets 406.
 */
export function negotiate(accept: string | undefined, query: URLSearchParams): Negotiated {
  const inc = query.get('includeObject');
  const includeObject = inc === 'None' || inc === 'Object' ? inc : 'Metadata';
  if (!accept) return { rendering: 'object', includeObject, metaVersion: 'v1' };
  let sawJson = false;
  for (const alt of accept.split(',')) {
    const [type, ...params] = alt.split(';').map((s) => s.trim());
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((s) => s.trim()) as [string, string]));
    const mt = type!.toLowerCase();
    if (mt !== 'application/json' && mt !== '*/*' && mt !== 'application/*' && mt !== 'application/yaml') continue;
    sawJson = true;
    if (p.as === 'Table' && p.g === 'meta.k8s.io' && (p.v === 'v1' || p.v === 'v1beta1')) {
      return { rendering: 'table', includeObject, metaVersion: p.v };
    }
    if ((p.as === 'PartialObjectMetadata' || p.as === 'PartialObjectMetadataList') && p.g === 'meta.k8s.io' && (p.v === 'v1' || p.v === 'v1beta1')) {
      return { rendering: 'metadata', includeObject, metaVersion: p.v };
    }
    if (!p.as) return { rendering: 'object', includeObject, metaVersion: 'v1' };
  }
  if (!sawJson) throw errors.notAcceptable('only the following media types are accepted: application/json, application/yaml');
  return { rendering: 'object', includeObject, metaVersion: 'v1' };
}

export function sendJSON(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  sendRaw(res, code, typeof body === 'string' ? body : JSON.stringify(body), headers);
}

export function sendRaw(res: ServerResponse, code: number, json: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const buf = Buffer.from(json, 'utf8');
  const all = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...headers };
  if (buf.length >= gzipThresholdBytes) {
    void sendParts(res, code, all, [buf], buf.length);
    return;
  }
  res.writeHead(code, { ...all, 'Content-Length': String(buf.length) });
  res.end(buf);
}

export function sendStatusError(res: ServerResponse, err: StatusError, headers: Record<string, string> = {}): void {
  const extra: Record<string, string> = { ...headers };
  const retry = err.status.details?.retryAfterSeconds;
  if (retry) extra['Retry-After'] = String(retry);
  sendJSON(res, err.code, err.status, extra);
}

/** `Warning: 299 - "message"` headers, as Kubernetes sends them. */
export function warningHeaders(warnings: string[]): Record<string, string> | undefined {
  if (!warnings.length) return undefined;
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}

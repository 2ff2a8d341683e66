/**
 * Serves /openapi/v2, /openapi/v3 (the index) and /openapi/v3/<group-version>
 * from the documents built (once, cached) in ./openapi. v3 documents are
 * addressed by content hash, so clients may cache them for good.
 *
 * /openapi/v2 is JSON or, when Accept asks for it, gnostic protobuf: client-go
 * fetches v2 only as protobuf (kubectl's client-side validation of `kind:
 * List` files, `explain --output=plaintext-openapiv2`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceType } from '../api/types.js';
import { errors } from '../api/errors.js';
import { negotiateV2, openapiV2, openapiV2ProtoMediaType, openapiV3, openapiV3Index, served, servedProto, type ServedDocument } from './openapi/index.js';
import { sendRaw, sendStatusError } from './http/respond.js';
import { sendParts } from './http/compress.js';

export class OpenAPIService {
  constructor(private readonly resources: readonly ResourceType[]) {}

  serve(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): void {
    if (path === '/openapi/v2') {
      const format = negotiateV2(req.headers.accept);
      if (!format) {
        sendStatusError(res, errors.notAcceptable(`only application/json and ${openapiV2ProtoMediaType} are served for /openapi/v2`));
        return;
      }
      const doc = openapiV2(this.resources);
      if (format === 'proto') this.sendProto(req, res, doc);
      else this.send(req, res, served(doc), false);
      return;
    }
    if (path === '/openapi/v3') {
      sendRaw(res, 200, JSON.stringify(openapiV3Index(this.resources)));
      return;
    }
    const key = path.slice('/openapi/v3/'.length);
    const doc = openapiV3(key, this.resources);
    if (!doc) {
      sendStatusError(res, errors.notFound({ group: '', resource: 'openapi' }, key));
      return;
    }
    const d = served(doc);
    this.send(req, res, d, query.get('hash') === d.hash);
  }

  private send(req: IncomingMessage, res: ServerResponse, d: ServedDocument, immutable: boolean): void {
    const headers: Record<string, string> = {
      ETag: d.etag,
      'Cache-Control': immutable ? 'public, immutable' : 'no-cache, private',
    };
    if (req.headers['if-none-match'] === d.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    sendRaw(res, 200, d.json, headers);
  }

  private sendProto(req: IncomingMessage, res: ServerResponse, doc: object): void {
    const p = servedProto(doc);
    // Not the media type asked for: its '@' is no token character, so Go's mime.ParseMediaType (which client-go runs on
    // every response's Content-Type) rejects it. kube-apiserver's handler ends up sending application/octet-stream too.
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', ETag: p.etag, 'Cache-Control': 'no-cache, private', Vary: 'Accept' };
    if (req.headers['if-none-match'] === p.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    void sendParts(res, 200, headers, [p.bytes], p.bytes.length);
  }
}

/**
 * Serves /openapi/v2, /openapi/v3 (the index) and /openapi/v3/<group-version>
 * from the documents built (once, cached) in ./openapi. v3 documents are
 * addressed by content hash, so clients may cache them for good.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceType } from '../api/types.js';
import { errors } from '../api/errors.js';
import { openapiV2, openapiV3, openapiV3Index, served, type ServedDocument } from './openapi/index.js';
import { sendRaw, sendStatusError } from './http/respond.js';

export class OpenAPIService {
  constructor(private readonly resources: readonly ResourceType[]) {}

  serve(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): void {
    if (path === '/openapi/v2') {
      const accept = req.headers.accept ?? '';
      // kubectl asks for v2 only as protobuf (explain --output=plaintext-openapiv2); JSON is all we build.
      if (accept && !/application\/json|\*\/\*|application\/\*/.test(accept)) {
        sendStatusError(res, errors.notAcceptable('only application/json is served for /openapi/v2'));
        return;
      }
      this.send(req, res, served(openapiV2(this.resources)), false);
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
}

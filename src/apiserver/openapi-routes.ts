/**
 * Serves /openapi/v2, /openapi/v3 (the index) and /openapi/v3/<group-version>
 * from the documents built in ./openapi. Documents are built lazily, once,
 * and addressed by a content hash so clients can cache them for good.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceType } from '../api/types.js';
import { errors } from '../api/errors.js';
import { buildV2, buildV3, groupVersionKeys } from './openapi/index.js';
import { sendRaw, sendStatusError } from './http/respond.js';

interface Doc {
  json: string;
  hash: string;
}

function doc(value: object): Doc {
  const json = JSON.stringify(value);
  return { json, hash: createHash('sha512').update(json).digest('hex').slice(0, 128).toUpperCase() };
}

export class OpenAPIService {
  private v2?: Doc;
  private readonly v3 = new Map<string, Doc>();
  private readonly keys: string[];

  constructor(private readonly resources: readonly ResourceType[]) {
    this.keys = groupVersionKeys(resources);
  }

  private v3Doc(key: string): Doc | undefined {
    let d = this.v3.get(key);
    if (!d) {
      const built = buildV3(key, this.resources);
      if (!built) return undefined;
      this.v3.set(key, (d = doc(built)));
    }
    return d;
  }

  serve(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): void {
    if (path === '/openapi/v2') {
      const accept = req.headers.accept ?? '';
      if (accept && !/application\/json|\*\/\*|application\/\*/.test(accept)) {
        sendStatusError(res, errors.notAcceptable('only application/json is served for /openapi/v2'));
        return;
      }
      this.v2 ??= doc(buildV2(this.resources));
      this.send(req, res, this.v2, false);
      return;
    }
    if (path === '/openapi/v3') {
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const key of this.keys) {
        const d = this.v3Doc(key);
        if (d) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${d.hash}` };
      }
      sendRaw(res, 200, JSON.stringify({ paths }));
      return;
    }
    const key = path.slice('/openapi/v3/'.length);
    const d = this.v3Doc(key);
    if (!d) {
      sendStatusError(res, errors.notFound({ group: '', resource: 'openapi' }, key));
      return;
    }
    this.send(req, res, d, query.get('hash') === d.hash);
  }

  private send(req: IncomingMessage, res: ServerResponse, d: Doc, immutable: boolean): void {
    const etag = `"${d.hash}"`;
    const headers: Record<string, string> = {
      ETag: etag,
      'Cache-Control': immutable ? 'public, immutable' : 'no-cache, private',
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    sendRaw(res, 200, d.json, headers);
  }
}

/**
 * Request bodies: read with Kubernetes' 3 MiB limit, decoded from JSON or
 * YAML by Content-Type. Bad bodies are 400/413/415 Status errors, before any
 * handler logic runs, so nothing is ever half written.
 */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { errors } from '../../api/errors.js';

export const maxBodyBytes = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = maxBodyBytes): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    return Promise.reject(errors.tooLarge(`Request entity too large: limit is ${limit}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(errors.tooLarge(`Request entity too large: limit is ${limit}`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Decodes an object body; `expect` names the kind for error messages. */
export function decodeObject(raw: Buffer, contentType: string | undefined, expect: string): Record<string, unknown> {
  const mt = mediaType(contentType);
  let value: unknown;
  if (raw.length === 0) throw errors.badRequest(`the body of the request was empty (must be of type ${expect})`);
  if (mt === '' || mt === 'application/json' || mt === '*/*') {
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw errors.badRequest(`the object provided is unrecognized (must be of type ${expect}): couldn't get version/kind; json parse error: ${(err as Error).message}`);
    }
  } else if (mt === 'application/yaml' || mt === 'application/x-yaml' || mt === 'text/yaml') {
    value = parseYamlText(raw.toString('utf8'), expect);
  } else if (mt === 'application/vnd.kubernetes.protobuf') {
    throw errors.unsupportedMediaType(mt);
  } else {
    throw errors.unsupportedMediaType(mt);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${expect}): couldn't get version/kind; json parse error: expected an object`);
  }
  return value as Record<string, unknown>;
}

export function parseYamlText(text: string, expect: string): unknown {
  try {
    return parseYaml(text, { strict: true, uniqueKeys: true });
  } catch (err) {
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${expect}): error converting YAML to JSON: ${(err as Error).message.split('\n')[0]}`);
  }
}

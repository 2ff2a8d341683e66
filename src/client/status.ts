/**
 * Turning a failed HTTP response into the StatusError callers test with
 * `isStatusError(e, 'NotFound')`: the server's own Status when it sent one,
 * else a generic error for the code (as client-go's NewGenericServerResponse),
 * so a proxy's HTML 502 page still becomes a typed error.
 */
import { StatusError, type StatusReason } from '../api/errors.js';

const generic: Record<number, [StatusReason, string]> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  403: ['Forbidden', 'the server does not allow access to the requested resource'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  406: ['NotAcceptable', 'the server was unable to respond with a content type that the client supports'],
  409: ['Conflict', 'the server reported a conflict'],
  410: ['Gone', 'the server reported that the requested resource is gone'],
  413: ['RequestEntityTooLarge', 'the server rejected the request because it is too large'],
  415: ['UnsupportedMediaType', 'the server was unable to handle the media type requested'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
  500: ['InternalError', 'an error on the server has prevented the request from succeeding'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
};

export function statusErrorFrom(httpCode: number, body: string): StatusError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (isStatusObject(parsed)) return statusErrorFromStatus(parsed, httpCode);
  const [reason, message] = generic[httpCode] ?? [undefined, `the server responded with status code ${httpCode}`];
  const snippet = body.trim().slice(0, 200);
  return new StatusError(httpCode, reason, snippet ? `${message} (${snippet})` : message);
}

/** A Status object (from a response body or a watch ERROR event) as a StatusError. */
export function statusErrorFromStatus(s: StatusLike, fallbackCode = 500): StatusError {
  const code = typeof s.code === 'number' && s.code > 0 ? s.code : fallbackCode;
  return new StatusError(code, s.reason as StatusReason | undefined, s.message ?? `the server responded with status code ${code}`, s.details as StatusError['status']['details']);
}

export interface StatusLike {
  kind?: unknown;
  code?: number;
  reason?: string;
  message?: string;
  details?: unknown;
}

export function isStatusObject(v: unknown): v is StatusLike {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Status';
}

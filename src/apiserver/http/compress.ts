/**
 * Writing large response bodies, and compressing them as kube-apiserver does
 * (APIResponseCompression): a body of 128 KiB or more, to a client whose
 * Accept-Encoding takes gzip (kubectl and client-go always send it), goes
 * out gzip'd at level 1.
 *
 * A big body (a LIST of 10 000 pods is ~40 MB) is cut into ~256 KiB slices.
 * Uncompressed, each slice waits for the socket to drain, so TLS encrypts a
 * slice at a time and other requests are served in between. Compressed, each
 * slice becomes its own gzip member, deflated on libuv's thread pool a few
 * at a time, so both cores work and the event loop stays free; a gzip stream
 * may be a series of members (RFC 1952 §2.2), which Go's and Node's readers
 * decode as one body.
 */
import type { ServerResponse } from 'node:http';
import { gzip } from 'node:zlib';

export const gzipThresholdBytes = 128 * 1024;
const gzipLevel = 1;
const sliceBytes = 256 * 1024;
/** Slices being deflated at once: enough to keep two cores busy without holding the whole body compressed in memory. */
const gzipInFlight = 3;

/** True when the request's Accept-Encoding takes gzip (a `q=0` refuses it). */
export function acceptsGzip(res: ServerResponse): boolean {
  const header = res.req?.headers['accept-encoding'];
  if (!header) return false;
  for (const alt of String(header).split(',')) {
    const [coding, ...params] = alt.split(';').map((s) => s.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * Writes `parts` (whose sizes add up to `length`) as the whole body, after
 * the status and headers; gzip'd when it is big enough and the client takes
 * it. Resolves when everything is handed to the socket (or the client left).
 */
export async function sendParts(res: ServerResponse, code: number, headers: Record<string, string>, parts: readonly Buffer[], length: number): Promise<void> {
  if (length < gzipThresholdBytes || !acceptsGzip(res)) {
    res.writeHead(code, { ...headers, 'Content-Length': String(length) });
    for (const slice of slices(parts)) {
      if (res.destroyed) return;
      if (!res.write(slice)) await drained(res);
    }
    res.end();
    return;
  }
  res.writeHead(code, { ...headers, 'Content-Encoding': 'gzip', Vary: headers.Vary ? `${headers.Vary}, Accept-Encoding` : 'Accept-Encoding' });
  const pending: Promise<Buffer>[] = [];
  const it = slices(parts);
  const startNext = () => {
    const next = it.next();
    if (next.done) return;
    const member = deflate(next.value);
    // Awaited below unless the client leaves first; then its outcome no longer matters.
    member.catch(() => undefined);
    pending.push(member);
  };
  try {
    for (let i = 0; i < gzipInFlight; i++) startNext();
    while (pending.length > 0) {
      const member = await pending.shift()!;
      startNext();
      if (res.destroyed) return;
      if (!res.write(member)) await drained(res);
    }
    res.end();
  } catch (err) {
    // The status line is sent: the only honest signal left is a broken body.
    res.destroy(err as Error);
  }
}

/** The parts regrouped into slices of about `sliceBytes` (small parts joined, big ones cut). */
function* slices(parts: readonly Buffer[]): Generator<Buffer> {
  let group: Buffer[] = [];
  let size = 0;
  for (const part of parts) {
    for (let at = 0; at < part.length; ) {
      const piece = part.length - at <= sliceBytes - size ? (at === 0 ? part : part.subarray(at)) : part.subarray(at, at + sliceBytes - size);
      at += piece.length;
      group.push(piece);
      size += piece.length;
      if (size >= sliceBytes) {
        yield group.length === 1 ? group[0]! : Buffer.concat(group, size);
        group = [];
        size = 0;
      }
    }
  }
  if (group.length) yield group.length === 1 ? group[0]! : Buffer.concat(group, size);
}

function deflate(data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => gzip(data, { level: gzipLevel }, (err, out) => (err ? reject(err) : resolve(out))));
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

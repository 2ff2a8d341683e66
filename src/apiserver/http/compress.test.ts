import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { gzipThresholdBytes, sendParts } from './compress.js';

/** Parts like a LIST's: many JSON objects of a few KB, joined they are `size` bytes or more. */
function partsOf(size: number): Buffer[] {
  const parts: Buffer[] = [];
  let total = 0;
  for (let i = 0; total < size; i++) {
    const b = Buffer.from(JSON.stringify({ name: `pod-${i}`, uid: `${i}-${(i * 7919) % 10007}`, pad: 'x'.repeat(i % 3000) }));
    parts.push(b);
    total += b.length;
  }
  return parts;
}

describe('sendParts', () => {
  let server: Server;
  let port = 0;
  let body: Buffer[] = [];
  before(async () => {
    server = createServer((_req, res) => {
      void sendParts(res, 200, { 'Content-Type': 'application/json' }, body, body.reduce((n, b) => n + b.length, 0));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const get = (acceptEncoding?: string) =>
    new Promise<{ headers: Record<string, string | string[] | undefined>; raw: Buffer }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', headers: acceptEncoding ? { 'Accept-Encoding': acceptEncoding } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, raw: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

  it('gzips a big body for a client that takes gzip, as several members that decode to the whole', async () => {
    body = partsOf(3 * 1024 * 1024);
    const r = await get('gzip, deflate');
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.headers['content-length'], undefined);
    assert.deepEqual(gunzipSync(r.raw), Buffer.concat(body));
    // More than one member: each starts with the gzip magic and deflate method.
    let members = 0;
    for (let i = r.raw.indexOf(Buffer.from([0x1f, 0x8b, 8])); i >= 0; i = r.raw.indexOf(Buffer.from([0x1f, 0x8b, 8]), i + 3)) members++;
    assert.ok(members > 1, `expected several gzip members, found ${members}`);
    assert.ok(r.raw.length < Buffer.concat(body).length / 2);
  });

  it('cuts one huge part into slices too', async () => {
    body = [Buffer.concat(partsOf(2 * 1024 * 1024))];
    const r = await get('gzip');
    assert.deepEqual(gunzipSync(r.raw), body[0]);
  });

  it('sends the body as it is without gzip in Accept-Encoding, with gzip;q=0, or under the threshold', async () => {
    body = partsOf(1024 * 1024);
    for (const enc of [undefined, 'identity', 'gzip;q=0, identity']) {
      const r = await get(enc);
      assert.equal(r.headers['content-encoding'], undefined, String(enc));
      assert.equal(Number(r.headers['content-length']), r.raw.length);
      assert.deepEqual(r.raw, Buffer.concat(body));
    }
    body = partsOf(gzipThresholdBytes / 2);
    const small = await get('gzip');
    assert.equal(small.headers['content-encoding'], undefined);
    assert.deepEqual(small.raw, Buffer.concat(body));
  });
});

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { grpcAction, httpGetAction, resolvePort, tcpAction } from './actions.js';

const listen = (srv: net.Server) => new Promise<number>((r) => srv.listen(0, '127.0.0.1', () => r((srv.address() as net.AddressInfo).port)));

describe('probe actions', () => {
  let httpSrv: http.Server;
  let httpPort: number;
  const seen: http.IncomingHttpHeaders[] = [];
  before(async () => {
    httpSrv = http.createServer((req, res) => {
      seen.push(req.headers);
      const code = Number(req.url!.slice(1)) || 200;
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      res.writeHead(code, code === 302 ? { Location: 'http://elsewhere.invalid/' } : {});
      res.end(`code ${code}`);
    });
    httpPort = await listen(httpSrv);
  });
  after(() => httpSrv.close());

  const get = (path: string, extra: Partial<Parameters<typeof httpGetAction>[0]> = {}) =>
    httpGetAction({ scheme: 'HTTP', host: '127.0.0.1', port: httpPort, path, headers: [], timeoutMs: 1000, ...extra });

  // [path, ok, output]
  const table: [string, boolean, string][] = [
    ['/200', true, 'code 200'],
    ['/204', true, ''],
    ['/302', true, 'code 302'],
    ['/399', true, 'code 399'],
    ['/404', false, 'HTTP probe failed with statuscode: 404'],
    ['/500', false, 'HTTP probe failed with statuscode: 500'],
  ];
  for (const [path, ok, output] of table) {
    it(`httpGet ${path} → ${ok ? 'success' : 'failure'}`, async () => assert.deepEqual(await get(path), { ok, output }));
  }

  it('httpGet sends the probe user agent, custom headers and a Host override', async () => {
    seen.length = 0;
    await get('/200', { headers: [{ name: 'X-Custom', value: 'v' }, { name: 'Host', value: 'example.test' }] });
    assert.equal(seen[0]['user-agent'], 'kube-probe/1.30');
    assert.equal(seen[0]['x-custom'], 'v');
    assert.equal(seen[0].host, 'example.test');
  });

  it('httpGet times out and reports refused connections the way the kubelet does', async () => {
    const slow = await get('/slow', { timeoutMs: 200 });
    assert.equal(slow.ok, false);
    assert.match(slow.output, /context deadline exceeded/);
    const closed = await httpGetAction({ scheme: 'HTTP', host: '127.0.0.1', port: 1, path: '/', headers: [], timeoutMs: 1000 });
    assert.deepEqual(closed, { ok: false, output: 'Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused' });
  });

  it('tcpSocket succeeds on a listening port and fails on a closed one', async () => {
    assert.deepEqual(await tcpAction('127.0.0.1', httpPort, 1000), { ok: true, output: '' });
    assert.deepEqual(await tcpAction('127.0.0.1', 1, 1000), { ok: false, output: 'dial tcp 127.0.0.1:1: connect: connection refused' });
  });

  it('resolves ports by number, numeric string and name', () => {
    const c = { name: 'c', ports: [{ name: 'http', containerPort: 8080 }] };
    assert.equal(resolvePort(80, c), 80);
    assert.equal(resolvePort('81', c), 81);
    assert.equal(resolvePort('http', c), 8080);
    assert.equal(resolvePort('nope', c), undefined);
    assert.equal(resolvePort(0, c), undefined);
  });

  describe('grpc health', () => {
    let server: grpc.Server;
    let port: number;
    // service name → ServingStatus
    const statuses: Record<string, number> = { '': 1, down: 2 };
    before(async () => {
      server = new grpc.Server();
      server.addService(
        {
          Check: {
            path: '/grpc.health.v1.Health/Check',
            requestStream: false,
            responseStream: false,
            requestSerialize: (r: { service: string }) => Buffer.from(r.service),
            // An object, not a bare string: grpc-js takes a falsy request for a missing one.
            requestDeserialize: (b: Buffer) => ({ service: b.length ? b.subarray(2).toString('utf8') : '' }),
            responseSerialize: (st: number) => Buffer.from([0x08, st]),
            responseDeserialize: (b: Buffer) => b[1],
          },
        },
        {
          Check: (call: grpc.ServerUnaryCall<{ service: string }, number>, cb: grpc.sendUnaryData<number>) => {
            const st = statuses[call.request.service];
            if (st === undefined) cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
            else cb(null, st);
          },
        },
      );
      port = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
      );
    });
    after(() => server.forceShutdown());

    it('SERVING is success, NOT_SERVING and errors are failures', async () => {
      assert.deepEqual(await grpcAction('127.0.0.1', port, '', 2000), { ok: true, output: '' });
      assert.deepEqual(await grpcAction('127.0.0.1', port, 'down', 2000), { ok: false, output: 'service unhealthy (responded with "NOT_SERVING")' });
      const unknown = await grpcAction('127.0.0.1', port, 'other', 2000);
      assert.equal(unknown.ok, false);
      assert.match(unknown.output, /unknown service/);
      const closed = await grpcAction('127.0.0.1', 1, '', 1000);
      assert.equal(closed.ok, false);
    });
  });
});

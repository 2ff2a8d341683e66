// The kubelet API against a fake runtime: who may call it, logs from CRI
// files (tail, previous, follow until the container exits), and stream
// upgrades relayed to the runtime's URL (WebSocket v5 refused so kubectl
// falls back to SPDY).
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createCA, issueClientCert, issueKubeletServingCert, type CertAndKey } from '../../apiserver/auth/certs.js';
import type { CriClient } from '../../cri/index.js';
import { silentLogger } from '../../util/log.js';
import { startKubeletServer, type KubeletServer } from './index.js';

const T = (s: number) => `2024-05-01T10:00:${String(s).padStart(2, '0')}.000000001Z`;

interface Answer {
  code: number;
  body: string;
}

describe('kubelet API', () => {
  let dir: string;
  let serverCA: CertAndKey;
  let apiClient: CertAndKey;
  let admin: CertAndKey;
  let stranger: CertAndKey;
  let server: KubeletServer;
  let upstream: TcpServer;
  let upstreamHeads: string[] = [];
  const logFile = () => join(dir, 'c', '1.log');
  const prevLogFile = () => join(dir, 'c', '0.log');
  const state: Record<string, string> = { cur: 'CONTAINER_RUNNING', old: 'CONTAINER_EXITED' };

  const pod: Pod = {
    metadata: { name: 'p', namespace: 'default', uid: 'uid-1' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'c',
          image: 'busybox',
          imageID: '',
          ready: true,
          restartCount: 1,
          containerID: 'containerd://cur',
          state: { running: { startedAt: T(0) } },
          lastState: { terminated: { exitCode: 1, containerID: 'containerd://old' } },
        },
      ],
    },
  };
  const lonely: Pod = {
    metadata: { name: 'fresh', namespace: 'default', uid: 'uid-2' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: true, restartCount: 0, containerID: 'containerd://cur', state: { running: {} } }] },
  };

  const cri = {
    async containerStatus(id: string) {
      return { status: { id, state: state[id], logPath: id === 'cur' ? logFile() : prevLogFile() }, info: {} };
    },
    async listContainers() {
      return [{ id: 'cur', state: 'CONTAINER_RUNNING', metadata: { name: 'c', attempt: 1 }, createdAt: '1', labels: { 'io.kubernetes.pod.uid': 'uid-1' } }];
    },
    async listPodSandbox() {
      return [{ id: 'sandbox-1', labels: { 'io.kubernetes.pod.uid': 'uid-1' } }];
    },
    async exec(req: { cmd: string[]; tty: boolean; stderr: boolean }) {
      return `http://127.0.0.1:${(upstream.address() as { port: number }).port}/exec/tok-${req.cmd.join('_')}-tty${req.tty}-err${req.stderr}`;
    },
    async attach() {
      return `http://127.0.0.1:${(upstream.address() as { port: number }).port}/attach/tok`;
    },
    async portForward(id: string) {
      return `http://127.0.0.1:${(upstream.address() as { port: number }).port}/portforward/${id}`;
    },
  } as unknown as CriClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelet-api-'));
    serverCA = await createCA('server-ca');
    const clientCA = await createCA('client-ca');
    const otherCA = await createCA('other-ca');
    apiClient = await issueClientCert(clientCA, { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'] });
    admin = await issueClientCert(clientCA, { commonName: 'system:admin', organizations: ['system:masters'] });
    stranger = await issueClientCert(otherCA, { commonName: 'kube-apiserver-kubelet-client' });
    const serving = await issueKubeletServingCert(serverCA, 'node-a', ['127.0.0.1']);
    mkdirSync(join(dir, 'c'));
    writeFileSync(prevLogFile(), `${T(1)} stdout F old-1\n${T(2)} stderr F old-2\n`);
    writeFileSync(logFile(), [1, 2, 3, 4].map((i) => `${T(i + 10)} stdout F line-${i}\n`).join(''));
    // A stand-in for containerd's stream server: answers 101, then echoes.
    upstream = createTcpServer((sock: Socket) => {
      let head = '';
      const onData = (d: Buffer) => {
        head += d.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        sock.off('data', onData);
        upstreamHeads.push(head.slice(0, end));
        sock.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n');
        const rest = head.slice(end + 4);
        if (rest) sock.write(`echo:${rest}`);
        sock.on('data', (more: Buffer) => sock.write(`echo:${more.toString('latin1')}`));
      };
      sock.on('data', onData);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    server = await startKubeletServer({
      cri,
      pods: () => [pod, lonely],
      tls: { cert: serving.cert, key: serving.key, clientCA: clientCA.cert },
      port: 0,
      address: '127.0.0.1',
      log: silentLogger(),
      logPollMs: 20,
    });
  });
  after(async () => {
    await server?.close();
    await new Promise((r) => upstream?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  function get(path: string, who: CertAndKey | null = apiClient, onChunk?: (s: string) => void): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path, ca: serverCA.cert, cert: who?.cert, key: who?.key, servername: 'node-a', agent: false },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => {
            body += d.toString();
            onChunk?.(d.toString());
          });
          res.on('end', () => resolve({ code: res.statusCode!, body }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** Sends an upgrade request over TLS; resolves with the whole exchange once `until` matches. */
  function upgrade(path: string, headers: string[], send: string, until: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port: server.port, ca: serverCA.cert, cert: apiClient.cert, key: apiClient.key, servername: 'node-a' }, () => {
        s.write(`POST ${path} HTTP/1.1\r\nHost: node-a\r\n${headers.join('\r\n')}\r\n\r\n${send}`);
      });
      let got = '';
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`no match for ${until} in ${JSON.stringify(got)}`));
      }, 5000);
      s.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (until.test(got)) {
          clearTimeout(timer);
          s.destroy();
          resolve(got);
        }
      });
      s.on('error', reject);
    });
  }

  it('serves only the API server’s kubelet-client certificate', async () => {
    assert.equal((await get('/healthz')).code, 200);
    const anonymous = await get('/healthz', null);
    assert.equal(anonymous.code, 401);
    assert.equal(JSON.parse(anonymous.body).reason, 'Unauthorized');
    assert.equal((await get('/healthz', stranger)).code, 401);
    const forbidden = await get('/containerLogs/default/p/c', admin);
    assert.equal(forbidden.code, 403);
    assert.match(JSON.parse(forbidden.body).message, /user=system:admin/);
  });

  it('reads the current instance’s log, with tail and timestamps', async () => {
    assert.deepEqual(await get('/containerLogs/default/p/c'), { code: 200, body: 'line-1\nline-2\nline-3\nline-4\n' });
    assert.equal((await get('/containerLogs/default/p/c?tailLines=2')).body, 'line-3\nline-4\n');
    assert.equal((await get('/containerLogs/default/p/c?tailLines=1&timestamps=true')).body, `${T(14)} line-4\n`);
    assert.equal((await get('/containerLogs/default/p/c?limitBytes=9')).body, 'line-1\nli');
    assert.equal((await get(`/containerLogs/default/p/c?sinceTime=${encodeURIComponent(T(13))}`)).body, 'line-3\nline-4\n');
  });

  it('reads the previous instance, and says so when there is none', async () => {
    assert.equal((await get('/containerLogs/default/p/c?previous=true')).body, 'old-1\nold-2\n');
    const none = await get('/containerLogs/default/fresh/c?previous=true');
    assert.equal(none.code, 400);
    const st = JSON.parse(none.body);
    assert.equal(st.kind, 'Status');
    assert.equal(st.message, 'previous terminated container "c" in pod "fresh" not found');
  });

  it('answers unknown pods and containers with NotFound Status', async () => {
    const a = await get('/containerLogs/default/nope/c');
    assert.equal(a.code, 404);
    assert.equal(JSON.parse(a.body).message, 'pod "nope" does not exist');
    const b = await get('/containerLogs/default/p/zz');
    assert.equal(b.code, 404);
    assert.equal(JSON.parse(b.body).message, 'container "zz" not found in pod "p"');
    assert.equal((await get('/containerLogs/default/p/c?tailLines=-2')).code, 400);
  });

  it('follows: lines appear as they are written, and the stream ends when the container exits', async () => {
    let seen = '';
    const done = get('/containerLogs/default/p/c?follow=true&tailLines=1', apiClient, (s) => (seen += s));
    const waitFor = async (s: string) => {
      const deadline = Date.now() + 3000;
      while (!seen.includes(s)) {
        if (Date.now() > deadline) throw new Error(`never saw ${s} in ${JSON.stringify(seen)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await waitFor('line-4\n');
    appendFileSync(logFile(), `${T(20)} stdout P fif`);
    appendFileSync(logFile(), `ty\n${T(21)} stdout F th`);
    appendFileSync(logFile(), `ree\n`);
    await waitFor('fiftythree\n');
    state.cur = 'CONTAINER_EXITED';
    appendFileSync(logFile(), `${T(22)} stdout F last words\n`);
    const res = await done;
    assert.equal(res.body, 'line-4\nfiftythree\nlast words\n');
    state.cur = 'CONTAINER_RUNNING';
  });

  it('follows across a rotation: the old file is finished, then the new one read from its start', async () => {
    let seen = '';
    const done = get('/containerLogs/default/p/c?follow=true&tailLines=1', apiClient, (s) => (seen += s));
    const deadline = Date.now() + 3000;
    while (!seen.includes('last words\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    appendFileSync(logFile(), `${T(30)} stdout F before rotation\n`);
    renameSync(logFile(), `${logFile()}.1`);
    writeFileSync(logFile(), `${T(31)} stdout F after rotation\n`);
    while (!seen.includes('after rotation\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    state.cur = 'CONTAINER_EXITED';
    assert.equal((await done).body, 'last words\nbefore rotation\nafter rotation\n');
    state.cur = 'CONTAINER_RUNNING';
  });

  it('refuses a WebSocket offering only v5 (kubectl then uses SPDY), without asking the runtime', async () => {
    upstreamHeads = [];
    const got = await upgrade(
      '/exec/default/p/c?command=ls&stdout=true',
      ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol: v5.channel.k8s.io'],
      '',
      /\r\n\r\n\{.*\}$/s,
    );
    assert.match(got, /^HTTP\/1\.1 400 /);
    assert.match(got, /v5\.channel\.k8s\.io/);
    assert.deepEqual(upstreamHeads, []);
  });

  it('relays an SPDY exec to the runtime URL: path replaced, headers kept, bytes both ways', async () => {
    upstreamHeads = [];
    const got = await upgrade(
      '/exec/default/p/c?command=sh&command=-c&command=true&stdin=true&stdout=true&stderr=true&tty=true',
      ['Connection: Upgrade', 'Upgrade: SPDY/3.1', 'X-Stream-Protocol-Version: v4.channel.k8s.io'],
      'hello',
      /echo:hello/,
    );
    assert.match(got, /^HTTP\/1\.1 101 /);
    assert.equal(upstreamHeads.length, 1);
    const head = upstreamHeads[0]!;
    // stderr is dropped with a TTY, as the kubelet does.
    assert.match(head, /^POST \/exec\/tok-sh_-c_true-ttytrue-errfalse HTTP\/1\.1\r\n/);
    assert.match(head, /\r\nX-Stream-Protocol-Version: v4\.channel\.k8s\.io/);
    assert.match(head, /\r\nHost: 127\.0\.0\.1:\d+/);
  });

  it('relays a v4 WebSocket with the protocols the runtime speaks, and port-forward to the sandbox', async () => {
    upstreamHeads = [];
    await upgrade(
      '/attach/default/p/c?stdout=true',
      ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io'],
      'x',
      /echo:x/,
    );
    assert.match(upstreamHeads[0]!, /^POST \/attach\/tok /);
    assert.match(upstreamHeads[0]!, /\r\nSec-WebSocket-Protocol: v4\.channel\.k8s\.io(\r|$)/);
    await upgrade('/portForward/default/p', ['Connection: Upgrade', 'Upgrade: SPDY/3.1', 'X-Stream-Protocol-Version: portforward.k8s.io'], 'y', /echo:y/);
    assert.match(upstreamHeads[1]!, /^POST \/portforward\/sandbox-1 /);
  });

  it('refuses exec into a container that is not there, and a plain request without upgrade', async () => {
    const got = await upgrade('/exec/default/p/nope?command=ls&stdout=true', ['Connection: Upgrade', 'Upgrade: SPDY/3.1'], '', /\r\n\r\n\{.*\}$/s);
    assert.match(got, /^HTTP\/1\.1 404 /);
    assert.match(got, /container \\"nope\\" not found in pod \\"p\\"/);
    const plain = await get('/exec/default/p/c?command=ls');
    assert.equal(plain.code, 400);
    assert.equal(JSON.parse(plain.body).message, 'Upgrade request required');
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCA, issueClientCert } from './certs.js';
import { setupServerAuth, writeServerKubeconfigs, type ServerAuth, type UserInfo } from './index.js';
import { parseJoinToken } from './token.js';

interface Reply {
  status: number;
  body: string;
}

interface ClientCreds {
  cert?: string;
  key?: string;
  headers?: Record<string, string>;
}

describe('authenticate against a real https server', () => {
  let dir: string;
  let auth: ServerAuth;
  let server: Server;
  let port: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-authn-'));
    auth = await setupServerAuth({ dataDir: dir, hostname: 'test-host' });
    server = createServer(auth.tls, (req, res) => {
      const user = auth.authenticator.authenticate(req);
      if (!user) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(user));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  function get(creds: ClientCreds): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/whoami',
          ca: auth.pki.serverCA.cert,
          cert: creds.cert,
          key: creds.key,
          headers: creds.headers,
          agent: false,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  async function whoami(creds: ClientCreds): Promise<UserInfo | undefined> {
    const r = await get(creds);
    if (r.status === 401) {
      assert.equal(JSON.parse(r.body).reason, 'Unauthorized');
      return undefined;
    }
    assert.equal(r.status, 200);
    return JSON.parse(r.body) as UserInfo;
  }

  it('takes the user and groups from a client certificate the client CA signed', async () => {
    const user = await whoami({ cert: auth.pki.admin.cert, key: auth.pki.admin.key });
    assert.deepEqual(user, { name: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
  });

  it('reads every O of a node certificate as a group', async () => {
    const node = await issueClientCert(auth.pki.clientCA, {
      commonName: 'system:node:worker-1',
      organizations: ['system:nodes', 'team-a'],
    });
    const user = await whoami(node);
    assert.deepEqual(user, { name: 'system:node:worker-1', groups: ['system:nodes', 'team-a', 'system:authenticated'] });
  });

  it('prefers a valid certificate over a bad token', async () => {
    const user = await whoami({ ...auth.pki.admin, headers: { authorization: 'Bearer nope' } });
    assert.equal(user?.name, 'system:admin');
  });

  const tokenCases: { name: string; headers: () => Record<string, string>; want: string | undefined }[] = [
    { name: 'no credentials at all', headers: () => ({}), want: undefined },
    { name: 'the whole join token', headers: () => ({ authorization: `Bearer ${auth.joinToken}` }), want: 'system:node-bootstrap' },
    { name: 'a lower-case bearer scheme', headers: () => ({ authorization: `bearer ${auth.joinToken}` }), want: 'system:node-bootstrap' },
    {
      name: 'only the secret of the join token',
      headers: () => ({ authorization: `Bearer ${parseJoinToken(auth.joinToken)!.secret}` }),
      want: 'system:node-bootstrap',
    },
    { name: 'a wrong token', headers: () => ({ authorization: 'Bearer 0123456789abcdef0123456789abcdef' }), want: undefined },
    {
      name: 'the right secret under another CA hash',
      headers: () => ({ authorization: `Bearer K10${'0'.repeat(64)}::server:${parseJoinToken(auth.joinToken)!.secret}` }),
      want: undefined,
    },
    { name: 'an empty bearer', headers: () => ({ authorization: 'Bearer ' }), want: undefined },
    {
      name: 'basic auth with the token as password',
      headers: () => ({ authorization: `Basic ${Buffer.from(`server:${auth.joinToken}`).toString('base64')}` }),
      want: undefined,
    },
    {
      name: 'the websocket bearer subprotocol',
      headers: () => ({
        'sec-websocket-protocol': `v5.channel.k8s.io, base64url.bearer.authorization.k8s.io.${Buffer.from(auth.joinToken).toString('base64url')}`,
      }),
      want: 'system:node-bootstrap',
    },
  ];
  for (const c of tokenCases) {
    it(`answers ${c.want ?? '401'} to ${c.name}`, async () => {
      const user = await whoami({ headers: c.headers() });
      assert.equal(user?.name, c.want);
      if (user) assert.deepEqual(user.groups, ['system:nodes', 'system:bootstrappers', 'system:authenticated']);
    });
  }

  it('rejects a certificate from a CA it does not trust', async () => {
    const stranger = await createCA('stranger');
    const forged = await issueClientCert(stranger, { commonName: 'system:admin', organizations: ['system:masters'] });
    assert.equal(await whoami(forged), undefined);
  });

  it('rejects a client certificate signed by the server CA rather than the client CA', async () => {
    const wrongCA = await issueClientCert(auth.pki.serverCA, { commonName: 'system:admin', organizations: ['system:masters'] });
    assert.equal(await whoami(wrongCA), undefined);
  });

  it('consults token authenticators added later, after the join token', async () => {
    auth.authenticator.addTokenAuthenticator({
      name: 'test-sa',
      authenticateToken: (t) =>
        t === 'sa-token' ? { name: 'system:serviceaccount:default:builder', groups: ['system:serviceaccounts'], uid: 'u1' } : undefined,
    });
    const user = await whoami({ headers: { authorization: 'Bearer sa-token' } });
    assert.deepEqual(user, {
      name: 'system:serviceaccount:default:builder',
      groups: ['system:serviceaccounts', 'system:authenticated'],
      uid: 'u1',
    });
  });

  it('writes a kubeconfig (0600) that the real kubectl authenticates with', { skip: !kubectlPath() && 'kubectl not installed' }, async () => {
    const extra = join(dir, 'copy', 'kube.yaml');
    const written = await writeServerKubeconfigs({ dataDir: dir, writeKubeconfig: extra }, port);
    assert.deepEqual(written, [join(dir, 'kubeconfig.yaml'), extra]);
    for (const p of written) assert.equal((await stat(p)).mode & 0o777, 0o600);
    const out = await new Promise<string>((resolve, reject) =>
      execFile(kubectlPath()!, ['--kubeconfig', extra, 'get', '--raw', '/whoami'], { timeout: 20_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    assert.deepEqual(JSON.parse(out), { name: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
  });
});

function kubectlPath(): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':')) {
    if (d && existsSync(join(d, 'kubectl'))) return join(d, 'kubectl');
  }
  return undefined;
}

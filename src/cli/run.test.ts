import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { setupServerAuth } from '../apiserver/auth/index.js';
import { runCli } from './run.js';
import type { StartServer } from './server.js';

interface Captured {
  out: string;
  err: string;
  io: { stdout(t: string): void; stderr(t: string): void };
}

function capture(): Captured {
  const c: Captured = {
    out: '',
    err: '',
    io: { stdout: (t) => void (c.out += t), stderr: (t) => void (c.err += t) },
  };
  return c;
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs the real entry point in a child process, as bin/skiff would. */
function runMain(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  const main = join(here, '..', fromSource ? 'main.ts' : 'main.js');
  const nodeArgs = fromSource ? ['--import', 'tsx', main, ...args] : [main, ...args];
  return new Promise((resolve) => {
    execFile(process.execPath, nodeArgs, { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function hasKubectl(): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, 'kubectl')));
}

describe('skiff top level', () => {
  const cases: { argv: string[]; code: number; out?: RegExp; err?: string | RegExp }[] = [
    { argv: [], code: 2, err: /^skiff: a Kubernetes-compatible orchestrator\n\nUsage: skiff <command>/ },
    { argv: ['--help'], code: 0, out: /Commands:\n  server +Run the API server/ },
    { argv: ['--version'], code: 0, out: /^skiff version v\d+\.\d+\.\d+\n$/ },
    { argv: ['frobnicate'], code: 2, err: 'skiff: unknown command "frobnicate" (see skiff --help)\n' },
    { argv: ['--foo'], code: 2, err: 'skiff: unknown flag --foo (see skiff --help)\n' },
    { argv: ['agent', '--server', 'x'], code: 2, err: 'skiff: --token is required (see skiff agent --help)\n' },
    { argv: ['agent', '--server', 'x', '--token', 't'], code: 2, err: 'skiff: invalid value "x" for --server: want https://HOST:PORT (see skiff agent --help)\n' },
    { argv: ['agent', '--server', 'https://127.0.0.1:1', '--token', 'nope:nope'], code: 1, err: 'skiff: --token is not a skiff join token (see `skiff token` on the server)\n' },
    { argv: ['images'], code: 2, out: /^Usage: skiff images import/ },
    { argv: ['images', 'frob'], code: 2, err: 'skiff: unknown subcommand "frob" (see skiff images --help)\n' },
    { argv: ['killall', '--help'], code: 0, out: /^Usage: skiff killall/ },
    { argv: ['server', '--foo'], code: 2, err: 'skiff: unknown flag --foo (see skiff server --help)\n' },
    { argv: ['server', '--help'], code: 0, out: /^Usage: skiff server \[flags\]/ },
    { argv: ['token', '--nope'], code: 2, err: 'skiff: unknown flag --nope (see skiff token --help)\n' },
    { argv: ['kubeconfig', '--help'], code: 0, out: /^Usage: skiff kubeconfig/ },
  ];
  for (const c of cases) {
    it(`skiff ${c.argv.join(' ')} exits ${c.code}`, async () => {
      const cap = capture();
      const code = await runCli(c.argv, { io: cap.io, env: {}, startServer: async () => assert.fail('must not start') });
      assert.equal(code, c.code);
      if (c.out) assert.match(cap.out, c.out);
      else assert.equal(cap.out, '');
      if (typeof c.err === 'string') assert.equal(cap.err, c.err);
      else if (c.err) assert.match(cap.err, c.err);
      else assert.equal(cap.err, '');
    });
  }

  it('says where to look when the data dir has no server', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'skiff-empty-'));
    for (const cmd of ['kubeconfig', 'token', 'kubectl']) {
      const cap = capture();
      assert.equal(await runCli([cmd, '--data-dir', empty], { io: cap.io, env: {} }), 1);
      assert.match(cap.err, new RegExp(`^skiff: no (kubeconfig|join token) .*${empty}`));
    }
    await rm(empty, { recursive: true, force: true });
  });
});

describe('skiff server with a stand-in API server', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** A real TLS server built from the auth module, answering with the caller's identity. */
  const whoamiServer = (onClose: () => void): StartServer => async (opts) => {
    const auth = await setupServerAuth({ dataDir: opts.dataDir, tlsSans: opts.tlsSans });
    const srv = createServer(auth.tls, (req, res) => {
      const user = auth.authenticator.authenticate(req);
      res.writeHead(user ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(user ?? { kind: 'Status', reason: 'Unauthorized' }));
    });
    await new Promise<void>((r) => srv.listen(opts.port, opts.bindAddress, r));
    const port = (srv.address() as AddressInfo).port;
    return {
      url: `https://127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((r) => {
          srv.close(() => r());
          srv.closeAllConnections();
          onClose();
        }),
    };
  };

  it('starts, writes kubeconfigs, serves kubectl, prints token and kubeconfig, and stops on SIGTERM', async () => {
    const signals = new EventEmitter();
    const cap = capture();
    let closed = 0;
    const extra = join(dir, 'out', 'admin.yaml');
    const env = { SKIFF_DATA_DIR: dir };
    const done = runCli(['server', '--https-listen-port', '0', '--write-kubeconfig', extra, '--tls-san', 'skiff.test'], {
      io: cap.io,
      env,
      signals,
      startServer: whoamiServer(() => closed++),
    });
    await waitFor(() => cap.out.includes('\n') || cap.err !== '');
    assert.equal(cap.err, '');
    const m = /^skiff server ready on https:\/\/127\.0\.0\.1:(\d+) \(kubeconfig: (.*)\)\n$/.exec(cap.out);
    assert.ok(m, cap.out);
    assert.equal(m[2], join(dir, 'kubeconfig.yaml'));

    const kc = parse(await readFile(m[2]!, 'utf8'));
    assert.equal(kc['current-context'], 'default');
    assert.equal(kc.clusters[0].cluster.server, `https://127.0.0.1:${m[1]}`);
    assert.equal((await stat(extra)).mode & 0o777, 0o600);
    assert.equal(await readFile(extra, 'utf8'), await readFile(m[2]!, 'utf8'));

    const printed = capture();
    assert.equal(await runCli(['kubeconfig'], { io: printed.io, env }), 0);
    assert.equal(printed.out, await readFile(m[2]!, 'utf8'));
    const token = capture();
    assert.equal(await runCli(['token', '--data-dir', dir], { io: token.io, env: {} }), 0);
    assert.match(token.out, /^K10[0-9a-f]{64}::server:[0-9a-f]{32}\n$/);
    assert.equal(token.out, await readFile(join(dir, 'token'), 'utf8'));

    if (hasKubectl()) {
      const r = await runMain(['kubectl', '--data-dir', dir, 'get', '--raw', '/whoami'], {});
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).name, 'system:admin');
    }

    signals.emit('SIGTERM');
    assert.equal(await done, 0);
    assert.equal(closed, 1);
    assert.match(cap.err, /SIGTERM received, shutting down/);
    assert.equal(signals.listenerCount('SIGTERM'), 0, 'handlers removed');
  });

  it('exits 1 at once on a second signal when shutdown hangs', async () => {
    const signals = new EventEmitter();
    const cap = capture();
    const done = runCli(['server', '-d', dir, '--https-listen-port', '0'], {
      io: cap.io,
      env: {},
      signals,
      startServer: async () => ({ url: 'https://127.0.0.1:6555', close: () => new Promise<void>(() => {}) }),
    });
    await waitFor(() => cap.out !== '');
    assert.match(cap.out, /ready on https:\/\/127\.0\.0\.1:6555 /);
    signals.emit('SIGINT');
    signals.emit('SIGINT');
    assert.equal(await done, 1);
  });

  it('reports a server that fails to start', async () => {
    const cap = capture();
    const code = await runCli(['server', '-d', dir], {
      io: cap.io,
      env: {},
      signals: new EventEmitter(),
      startServer: async () => {
        throw new Error('address already in use');
      },
    });
    assert.equal(code, 1);
    assert.equal(cap.err, 'skiff: server failed to start: address already in use\n');
  });
});

describe('skiff kubectl', () => {
  let dir: string;
  let fake: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-kubectl-'));
    await writeFile(join(dir, 'kubeconfig.yaml'), 'apiVersion: v1\nkind: Config\n');
    fake = join(dir, 'fake-kubectl');
    await writeFile(fake, '#!/bin/sh\necho "KUBECONFIG=$KUBECONFIG"\necho "ARGS=$*"\nexit 3\n');
    await chmod(fake, 0o755);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('passes arguments, KUBECONFIG and the exit code through', async () => {
    const r = await runMain(['kubectl', `--data-dir=${dir}`, 'get', 'pods', '-A', '--data-dir', 'x'], { SKIFF_KUBECTL: fake });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, `KUBECONFIG=${join(dir, 'kubeconfig.yaml')}\nARGS=get pods -A --data-dir x\n`);
  });

  it('finds the data dir through SKIFF_DATA_DIR', async () => {
    const r = await runMain(['kubectl', 'version', '--client'], { SKIFF_KUBECTL: fake, SKIFF_DATA_DIR: dir });
    assert.equal(r.code, 3);
    assert.match(r.stdout, /ARGS=version --client/);
  });

  it('says so when kubectl is missing', async () => {
    const r = await runMain(['kubectl', '-d', dir, 'get', 'pods'], { SKIFF_KUBECTL: join(dir, 'no-such-kubectl') });
    assert.equal(r.code, 127);
    assert.match(r.stderr, /^skiff: .*no-such-kubectl not found; install kubectl or set SKIFF_KUBECTL\n$/);
  });
});

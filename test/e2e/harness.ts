// Cluster tests drive a real `skiff server` with the real kubectl. This
// harness starts one server per test file on a free loopback port with its
// own temporary data dir, runs kubectl against it, and makes sure nothing
// outlives the test process: every child it spawns is tracked by pid and
// killed in stop(), in a node:test after() hook, and on process exit or a
// fatal signal, even when a test failed or a hook threw.
//
// The server's contract (owned by src/cli): `skiff server --data-dir D
// --https-listen-port P ...` prints `skiff server ready on https://127.0.0.1:P
// (kubeconfig: D/kubeconfig.yaml)` on stdout once it serves, writes that
// kubeconfig, and exits on SIGTERM.
//
// Set SKIFF_E2E_LOG=1 to copy the server's output to stderr, and
// SKIFF_E2E_KEEP=1 to keep the temporary dirs for a post-mortem.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export interface KubectlResult { code: number; stdout: string; stderr: string }
export interface KubectlOptions { input?: string; timeoutMs?: number }

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}
export interface RequestOptions {
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Send no credentials at all. */
  anonymous?: boolean;
  timeoutMs?: number;
}

/** A long-running kubectl (e.g. `get -w`) whose output is read as it comes. */
export interface Watcher {
  output(): string;
  /** Resolves with the output so far once it matches, rejects after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export interface ExitInfo { code: number | null; signal: NodeJS.Signals | null }

export interface Cluster {
  readonly dataDir: string;
  readonly port: number;
  readonly url: string;
  readonly kubeconfig: string;
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** Like kubectl(), but throws (with stderr) on a non-zero exit. */
  kubectlOk(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** `kubectl apply -f -` with the text on stdin; throws on failure. */
  apply(yamlText: string, extraArgs?: string[]): Promise<KubectlResult>;
  watch(args: string[]): Watcher;
  /** An HTTPS request to the API with the kubeconfig's credentials. */
  request(method: string, path: string, opts?: RequestOptions): Promise<HttpResult>;
  /** Everything the server has printed (stdout and stderr), most recent last. */
  logs(): string;
  /** SIGTERM, wait, SIGKILL after 10 s; then removes the temp dir. Idempotent. */
  stop(): Promise<ExitInfo>;
  /** SIGKILL the server (a crash); the data dir stays for restart(). */
  kill9(): Promise<ExitInfo>;
  /** Stop the server if it runs and start it again on the same data dir and port. */
  restart(): Promise<void>;
}

export interface StartOptions {
  datastore?: 'sqlite' | 'memory';
  /** Replaces the default `--disable-*` flags (not --data-dir/--https-listen-port). */
  args?: string[];
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL; 10 s by default. */
  stopGraceMs?: number;
  /** The script run as `node <bin> server ...`; bin/skiff by default (the harness's own test swaps in a fake). */
  bin?: string;
}

export const defaultServerArgs = ['--disable-agent', '--disable-scheduler', '--disable-controller-manager'];

const readyLine = /skiff server ready on (https:\/\/\S+)/;
const logLimit = 256 * 1024;

/** The checkout's root: from test/e2e under tsx, or dist/test/e2e after the build. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'bin', 'skiff'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('no checkout (package.json + bin/skiff) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

export const examplesDir = (): string => join(repoRoot(), 'examples');

// ---- process and temp-dir bookkeeping -------------------------------------

/** Children that must not outlive us; `group` ones lead their own process group. */
const live = new Map<number, { child: ChildProcess; group: boolean }>();
const tempRoots = new Set<string>();

function track(child: ChildProcess, group: boolean): void {
  const pid = child.pid;
  if (pid === undefined) return;
  live.set(pid, { child, group });
  child.once('exit', () => live.delete(pid));
}

function killNow(pid: number, group: boolean, signal: NodeJS.Signals): void {
  try {
    process.kill(group ? -pid : pid, signal);
  } catch {
    // already gone
  }
}

function removeTempRoot(root: string): void {
  tempRoots.delete(root);
  if (process.env.SKIFF_E2E_KEEP === '1') return;
  try {
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // a leftover temp dir is not worth failing a test run for
  }
}

/** Synchronous, so it also works from the 'exit' event. */
function killAllSync(): void {
  for (const [pid, { group }] of live) {
    killNow(pid, group, 'SIGKILL');
    if (group) killNow(pid, false, 'SIGKILL');
  }
  live.clear();
  for (const root of [...tempRoots]) removeTempRoot(root);
}

after(async () => {
  await Promise.all([...openClusters].map((c) => c.stop()));
  killAllSync();
});
process.once('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    killAllSync();
    process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[sig]);
  });
}

const openClusters = new Set<Cluster>();

// ---- helpers ----------------------------------------------------------------

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<ExitInfo | undefined> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

function tail(text: string, max = 4000): string {
  return text.length > max ? '…' + text.slice(-max) : text;
}

interface Credentials { cert?: string; key?: string; ca?: string; token?: string }

function readCredentials(kubeconfig: string): Credentials {
  const cfg = parseYaml(readFileSync(kubeconfig, 'utf8')) as any;
  const ctxName = cfg?.['current-context'];
  const ctx = (cfg?.contexts ?? []).find((c: any) => c.name === ctxName)?.context ?? cfg?.contexts?.[0]?.context;
  const user = (cfg?.users ?? []).find((u: any) => u.name === ctx?.user)?.user ?? cfg?.users?.[0]?.user ?? {};
  const cluster = (cfg?.clusters ?? []).find((c: any) => c.name === ctx?.cluster)?.cluster ?? cfg?.clusters?.[0]?.cluster ?? {};
  const b64 = (s: unknown) => (typeof s === 'string' ? Buffer.from(s, 'base64').toString('utf8') : undefined);
  const file = (p: unknown) => (typeof p === 'string' ? readFileSync(p, 'utf8') : undefined);
  return {
    cert: b64(user['client-certificate-data']) ?? file(user['client-certificate']),
    key: b64(user['client-key-data']) ?? file(user['client-key']),
    ca: b64(cluster['certificate-authority-data']) ?? file(cluster['certificate-authority']),
    token: typeof user.token === 'string' ? user.token : undefined,
  };
}

// ---- the cluster ----------------------------------------------------------

export async function startServer(opts: StartOptions = {}): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  tempRoots.add(root);
  const dataDir = join(root, 'data');
  // kubectl keeps a discovery cache per host:port under $HOME; a private HOME
  // keeps one test's server from answering with another's cached discovery.
  const kubectlHome = join(root, 'home');
  mkdirSync(kubectlHome, { recursive: true });
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const extraArgs = [
    ...(opts.args ?? defaultServerArgs),
    ...(opts.datastore === 'memory' ? ['--datastore-endpoint', 'memory://'] : []),
  ];
  const bin = opts.bin ?? join(repoRoot(), 'bin', 'skiff');
  const stopGraceMs = opts.stopGraceMs ?? 10_000;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;

  let server: ChildProcess | undefined;
  let log = '';
  let port = 0;
  let url = '';
  let stopped = false;
  const mine = new Set<ChildProcess>(); // this cluster's kubectl children
  let creds: Credentials | undefined;

  const append = (chunk: Buffer) => {
    const s = chunk.toString('utf8');
    if (process.env.SKIFF_E2E_LOG === '1') process.stderr.write(s);
    log = (log + s).slice(-logLimit);
  };

  const spawnServer = (): Promise<void> => {
    const args = [bin, 'server', '--data-dir', dataDir, '--https-listen-port', String(port), ...extraArgs];
    const child = spawn(process.execPath, args, {
      cwd: repoRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so stop() also reaches what it starts
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    track(child, true);
    server = child;
    child.stderr!.on('data', append);
    return new Promise<void>((resolve, reject) => {
      let lineBuf = '';
      let done = false;
      const fail = (why: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (child.pid !== undefined) killNow(child.pid, true, 'SIGKILL');
        reject(new Error(`skiff server ${why}\ncommand: node ${args.join(' ')}\noutput:\n${tail(log)}`));
      };
      const timer = setTimeout(() => fail(`printed no ready line within ${readyTimeoutMs} ms`), readyTimeoutMs);
      child.stdout!.on('data', (chunk: Buffer) => {
        append(chunk);
        if (done) return;
        lineBuf += chunk.toString('utf8');
        const m = readyLine.exec(lineBuf);
        if (m) {
          done = true;
          clearTimeout(timer);
          url = m[1]!;
          lineBuf = '';
          resolve();
        } else if (lineBuf.length > 64 * 1024) {
          lineBuf = lineBuf.slice(-1024);
        }
      });
      child.once('error', (err) => fail(`could not be spawned: ${err.message}`));
      child.once('exit', (code, signal) => fail(`exited before it was ready (code ${code}, signal ${signal})`));
    });
  };

  // The free port can be taken between the probe and the server's listen;
  // only the first start may move to another port.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await spawnServer();
      break;
    } catch (err) {
      if (attempt < 3 && /EADDRINUSE/.test(String(err))) continue;
      removeTempRoot(root);
      throw err;
    }
  }

  const terminate = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<ExitInfo> => {
    const child = server;
    if (!child || child.pid === undefined) return { code: null, signal: null };
    const pid = child.pid;
    server = undefined;
    killNow(pid, false, signal);
    let info = await waitExit(child, signal === 'SIGTERM' ? stopGraceMs : 5_000);
    if (!info) {
      killNow(pid, true, 'SIGKILL');
      info = (await waitExit(child, 5_000)) ?? { code: null, signal: 'SIGKILL' };
    }
    // Anything it started and left behind in its group goes too.
    killNow(pid, true, 'SIGKILL');
    return info;
  };

  const kubectlEnv = () => ({ ...process.env, KUBECONFIG: kubeconfig, HOME: kubectlHome, KUBECACHEDIR: join(kubectlHome, 'cache') });

  const kubectl = (args: string[], o: KubectlOptions = {}): Promise<KubectlResult> =>
    new Promise((resolve, reject) => {
      const child = spawn('kubectl', args, { env: kubectlEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
      track(child, false);
      mine.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      const timeoutMs = o.timeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`kubectl ${args.join(' ')} timed out after ${timeoutMs} ms\nstdout: ${tail(stdout)}\nstderr: ${tail(stderr)}`));
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`kubectl could not run: ${err.message}`));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        mine.delete(child);
        resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
      });
      child.stdin!.on('error', () => {}); // kubectl may exit before reading all input
      child.stdin!.end(o.input ?? '');
    });

  const kubectlOk = async (args: string[], o?: KubectlOptions): Promise<KubectlResult> => {
    const r = await kubectl(args, o);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\nstderr: ${r.stderr}\nstdout: ${r.stdout}`);
    return r;
  };

  const watch = (args: string[]): Watcher => {
    const child = spawn('kubectl', args, { env: kubectlEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    track(child, false);
    mine.add(child);
    let out = '';
    let err = '';
    const waiters = new Set<() => void>();
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      for (const w of [...waiters]) w();
    });
    child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const closed = new Promise<void>((resolve) => child.once('close', () => {
      mine.delete(child);
      for (const w of [...waiters]) w();
      resolve();
    }));
    return {
      output: () => out,
      waitFor: (pattern, timeoutMs = 15_000) =>
        new Promise((resolve, reject) => {
          const check = () => {
            if (pattern.test(out)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(out);
            } else if (child.exitCode !== null || child.signalCode !== null) {
              waiters.delete(check);
              clearTimeout(timer);
              reject(new Error(`kubectl ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}\nstdout: ${tail(out)}\nstderr: ${tail(err)}`));
            }
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            reject(new Error(`kubectl ${args.join(' ')} printed no ${pattern} within ${timeoutMs} ms\nstdout: ${tail(out)}\nstderr: ${tail(err)}`));
          }, timeoutMs);
          waiters.add(check);
          check();
        }),
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        if (!(await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]))) {
          child.kill('SIGKILL');
          await closed;
        }
      },
    };
  };

  const request = (method: string, path: string, o: RequestOptions = {}): Promise<HttpResult> => {
    if (!o.anonymous && !creds) creds = readCredentials(kubeconfig);
    const c = o.anonymous ? {} : creds!;
    const headers: Record<string, string> = { Accept: 'application/json', ...o.headers };
    if (c.token) headers.Authorization = `Bearer ${c.token}`;
    const body = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body);
    if (body) headers['Content-Length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers,
          cert: c.cert,
          key: c.key,
          // The API is under test here, not the certificate chain (kubectl checks that).
          rejectUnauthorized: false,
          timeout: o.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A server that refuses a large body may answer and close before
        // reading all of it; the answer is what the test wants to see.
        reject(err);
      });
      req.end(body);
    });
  };

  const cluster: Cluster = {
    dataDir,
    get port() { return port; },
    get url() { return url; },
    kubeconfig,
    kubectl,
    kubectlOk,
    apply: (text, extra = []) => kubectlOk(['apply', '-f', '-', ...extra], { input: text }),
    watch,
    request,
    logs: () => log,
    stop: async () => {
      if (stopped) return { code: null, signal: null };
      stopped = true;
      openClusters.delete(cluster);
      for (const child of mine) child.kill('SIGKILL');
      const info = await terminate('SIGTERM');
      removeTempRoot(root);
      return info;
    },
    kill9: () => terminate('SIGKILL'),
    restart: async () => {
      if (stopped) throw new Error('restart() after stop()');
      await terminate('SIGTERM');
      await spawnServer();
    },
  };
  openClusters.add(cluster);
  return cluster;
}

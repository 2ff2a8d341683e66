import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from './errors.js';
import { parseLogLevel, parseServerArgs, type ServerOptions } from './server-options.js';

const env = { SKIFF_DATA_DIR: '/srv/skiff' } as NodeJS.ProcessEnv;

function options(argv: string[]): ServerOptions {
  const r = parseServerArgs(argv, env);
  assert.equal(r.help, false);
  return (r as { options: ServerOptions }).options;
}

function failure(argv: string[]): CliError {
  try {
    parseServerArgs(argv, env);
  } catch (err) {
    assert.ok(err instanceof CliError);
    return err;
  }
  assert.fail(`expected ${argv.join(' ')} to be refused`);
}

describe('skiff server flags', () => {
  it('applies the defaults', () => {
    assert.deepEqual(options([]), {
      dataDir: '/srv/skiff',
      port: 6443,
      bindAddress: '127.0.0.1',
      datastoreEndpoint: 'sqlite:///srv/skiff/db/state.db',
      disableAgent: false,
      disableScheduler: false,
      disableControllerManager: false,
      tlsSans: [],
      logLevel: 'warn',
    });
  });

  it('reads every flag', () => {
    const o = options([
      '--data-dir', '/tmp/d',
      '--https-listen-port=7443',
      '--bind-address', '::1',
      '--datastore-endpoint', 'memory://',
      '--disable-agent',
      '--disable-scheduler=true',
      '--disable-controller-manager',
      '--write-kubeconfig', '/tmp/k.yaml',
      '--tls-san', 'a.example.test',
      '--tls-san=10.0.0.5,b.example.test',
      '-v', '4',
    ]);
    assert.deepEqual(o, {
      dataDir: '/tmp/d',
      port: 7443,
      bindAddress: '::1',
      datastoreEndpoint: 'memory://',
      disableAgent: true,
      disableScheduler: true,
      disableControllerManager: true,
      writeKubeconfig: '/tmp/k.yaml',
      tlsSans: ['a.example.test', '10.0.0.5', 'b.example.test'],
      logLevel: 'debug',
    });
  });

  it('makes the sqlite path follow --data-dir and resolves relative paths', () => {
    const o = options(['-d', 'rel/dir', '-o', 'kc.yaml']);
    assert.equal(o.dataDir, `${process.cwd()}/rel/dir`);
    assert.equal(o.datastoreEndpoint, `sqlite://${process.cwd()}/rel/dir/db/state.db`);
    assert.equal(o.writeKubeconfig, `${process.cwd()}/kc.yaml`);
    assert.equal(options(['--datastore-endpoint', 'sqlite://x.db']).datastoreEndpoint, `sqlite://${process.cwd()}/x.db`);
    assert.equal(options(['--datastore-endpoint', 'etcd://127.0.0.1:2379,127.0.0.1:22379']).datastoreEndpoint, 'etcd://127.0.0.1:2379,127.0.0.1:22379');
  });

  it('answers --help', () => {
    assert.deepEqual(parseServerArgs(['--help'], env), { help: true });
    assert.deepEqual(parseServerArgs(['-d', '/x', '-h'], env), { help: true });
  });

  const bad: [string[], string][] = [
    [['--foo'], 'unknown flag --foo (see skiff server --help)'],
    [['--foo=bar'], 'unknown flag --foo (see skiff server --help)'],
    [['-x'], 'unknown flag -x (see skiff server --help)'],
    [['--data-dir'], 'flag --data-dir needs a value (see skiff server --help)'],
    [['--data-dir', '--disable-agent'], 'flag --data-dir needs a value (see skiff server --help)'],
    [['--https-listen-port', 'abc'], 'invalid value "abc" for --https-listen-port: want a port number 0-65535 (see skiff server --help)'],
    [['--https-listen-port', '70000'], 'invalid value "70000" for --https-listen-port: want a port number 0-65535 (see skiff server --help)'],
    [['--bind-address', 'localhost'], 'invalid value "localhost" for --bind-address: want an IP address (see skiff server --help)'],
    [['--log-level', 'loud'], 'invalid value "loud" for --log-level: want one of trace, debug, info, warn, error, fatal, silent, or 0-10 (see skiff server --help)'],
    [['--datastore-endpoint', 'mysql://x'], 'invalid value "mysql://x" for --datastore-endpoint: want sqlite://PATH, memory://, or etcd://HOST:PORT[,HOST:PORT...] (see skiff server --help)'],
    [['--datastore-endpoint', 'etcd://nohost'], 'invalid value "etcd://nohost" for --datastore-endpoint: want sqlite://PATH, memory://, or etcd://HOST:PORT[,HOST:PORT...] (see skiff server --help)'],
    [['--disable-agent=maybe'], 'invalid value "maybe" for --disable-agent: want true or false (see skiff server --help)'],
    [['--tls-san', 'bad name'], 'invalid value "bad name" for --tls-san: want a DNS name or an IP address (see skiff server --help)'],
    [['extra'], 'unexpected argument "extra" (see skiff server --help)'],
  ];
  for (const [argv, message] of bad) {
    it(`refuses ${argv.join(' ')} with exit 2`, () => {
      const err = failure(argv);
      assert.equal(err.message, message);
      assert.equal(err.exitCode, 2);
    });
  }
});

describe('log levels', () => {
  const cases: [string, string | undefined][] = [
    ['debug', 'debug'],
    ['INFO', 'info'],
    ['0', 'warn'],
    ['2', 'info'],
    ['4', 'debug'],
    ['9', 'trace'],
    ['11', undefined],
    ['-1', undefined],
    ['verbose', undefined],
  ];
  for (const [input, want] of cases) {
    it(`maps ${input} to ${want}`, () => assert.equal(parseLogLevel(input), want));
  }
  it('takes SKIFF_LOG_LEVEL when no flag is given', () => {
    const r = parseServerArgs([], { ...env, SKIFF_LOG_LEVEL: 'info' });
    assert.equal(r.help === false && r.options.logLevel, 'info');
    const f = parseServerArgs(['-v=debug'], { ...env, SKIFF_LOG_LEVEL: 'info' });
    assert.equal(f.help === false && f.options.logLevel, 'debug');
  });
});

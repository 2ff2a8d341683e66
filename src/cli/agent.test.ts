import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentCommand, pickNodeIP } from './agent.js';
import type { CliError } from './errors.js';

describe('pickNodeIP', () => {
  const primary = () => '192.0.2.2';
  const cases: [string, string | undefined, string, string][] = [
    ['--node-ip wins', '10.0.0.9', 'https://127.0.0.1:6443', '10.0.0.9'],
    ['a loopback server means this machine', undefined, 'https://127.0.0.1:6443', '127.0.0.1'],
    ['any 127/8 address', undefined, 'https://127.0.0.5:6443', '127.0.0.5'],
    ['localhost', undefined, 'https://localhost:6443', '127.0.0.1'],
    ['IPv6 loopback', undefined, 'https://[::1]:6443', '::1'],
    ['a remote server: the default route address', undefined, 'https://10.1.1.1:6443', '192.0.2.2'],
    ['a remote server by name', undefined, 'https://server.example:6443', '192.0.2.2'],
  ];
  for (const [what, flag, server, want] of cases) {
    it(what, () => assert.equal(pickNodeIP(flag, new URL(server), primary), want));
  }
});

describe('skiff agent flags', () => {
  const io = { stdout: () => undefined, stderr: () => undefined };
  const base = ['--server', 'https://127.0.0.1:1', '--token', `K10${'a'.repeat(64)}::server:s`];
  const bad: [string[], RegExp][] = [
    [['--node-ip', 'node1'], /^invalid value "node1" for --node-ip: want an IP address/],
    [['--kubelet-port', '0'], /^invalid value "0" for --kubelet-port: want a port number/],
    [['--kubelet-port', '70000'], /^invalid value "70000" for --kubelet-port/],
    [['--kubelet-port', 'http'], /^invalid value "http" for --kubelet-port/],
  ];
  for (const [args, message] of bad) {
    it(`refuses ${args.join(' ')} before contacting the server`, async () => {
      await assert.rejects(agentCommand([...base, ...args], { io }), (err: CliError) => err.exitCode === 2 && message.test(err.message));
    });
  }
});

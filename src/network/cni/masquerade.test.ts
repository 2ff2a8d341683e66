import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { it } from 'node:test';
import { ensurePodMasquerade, masqChain, masqueradeRules, removePodMasquerade, splitRule } from './masquerade.js';

it('renders one jump for the pod range and a chain that spares cluster and multicast traffic', () => {
  const r = masqueradeRules({ bridge: 'skt7', podCIDR: '10.42.7.0/24', clusterCIDR: '10.42.0.0/16' });
  assert.equal(r.chain, 'SKIFF-MASQ-skt7');
  assert.deepEqual(r.chainRules, [
    ['-d', '10.42.0.0/16', '-j', 'RETURN'],
    ['-d', '224.0.0.0/4', '-j', 'RETURN'],
    ['-j', 'MASQUERADE'],
  ]);
  assert.deepEqual(r.jump, ['-s', '10.42.7.0/24', '-m', 'comment', '--comment', 'skiff: masquerade skt7', '-j', 'SKIFF-MASQ-skt7']);
  assert.equal(masqueradeRules({ bridge: 'b', podCIDR: '10.42.1.0/24' }).chainRules[0][1], '10.42.0.0/16');
  // iptables chain names stop at 28 characters.
  assert.ok(masqChain('a-very-long-bridge-name').length <= 28);
});

it('splits iptables -S rules with quoted comments', () => {
  assert.deepEqual(splitRule('-s 10.42.7.0/24 -m comment --comment "skiff: masquerade skt7" -j SKIFF-MASQ-skt7'), [
    '-s',
    '10.42.7.0/24',
    '-m',
    'comment',
    '--comment',
    'skiff: masquerade skt7',
    '-j',
    'SKIFF-MASQ-skt7',
  ]);
});

const canIptables = (() => {
  try {
    execFileSync('iptables', ['-w', '-t', 'nat', '-S', 'POSTROUTING'], { stdio: 'ignore' });
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
})();

it('installs the rules idempotently, follows a new pod range, and removes them', { skip: !canIptables && 'needs root and iptables' }, async () => {
  const bridge = `sktm${process.pid % 10000}`;
  const chain = masqChain(bridge);
  const nat = () => execFileSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' }).split('\n');
  const jumps = () => nat().filter((l) => l.startsWith('-A POSTROUTING') && l.endsWith(`-j ${chain}`));
  try {
    await ensurePodMasquerade({ bridge, podCIDR: '10.42.251.0/24' });
    await ensurePodMasquerade({ bridge, podCIDR: '10.42.251.0/24' });
    assert.equal(jumps().length, 1);
    assert.match(jumps()[0], /-s 10\.42\.251\.0\/24 /);
    assert.deepEqual(
      nat().filter((l) => l.startsWith(`-A ${chain} `)),
      [`-A ${chain} -d 10.42.0.0/16 -j RETURN`, `-A ${chain} -d 224.0.0.0/4 -j RETURN`, `-A ${chain} -j MASQUERADE`],
    );
    // The node got another range: the old jump goes.
    await ensurePodMasquerade({ bridge, podCIDR: '10.42.252.0/24' });
    assert.equal(jumps().length, 1);
    assert.match(jumps()[0], /-s 10\.42\.252\.0\/24 /);
  } finally {
    await removePodMasquerade(bridge);
  }
  assert.deepEqual(jumps(), []);
  assert.ok(!nat().some((l) => l.includes(chain)));
  // Removing what is not there is quiet.
  await removePodMasquerade(bridge);
});

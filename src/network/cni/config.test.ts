import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { gatewayOf, writeCniConfig } from './config.js';

it('computes the bridge gateway of a pod CIDR', () => {
  assert.equal(gatewayOf('10.42.3.0/24'), '10.42.3.1');
  assert.equal(gatewayOf('10.42.0.0/16'), '10.42.0.1');
  assert.throws(() => gatewayOf('10.42.3.0/31'), /too small/);
  assert.throws(() => gatewayOf('nope'), /invalid/);
});

it('writes one bridge + host-local + portmap conflist and removes others', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-cni-'));
  try {
    writeFileSync(join(dir, '99-old.conf'), '{}');
    const file = writeCniConfig({ confDir: dir, ipamDataDir: join(dir, 'ipam'), podCIDR: '10.42.7.0/24', bridge: 'skt7' });
    assert.deepEqual(readdirSync(dir).filter((f) => f !== 'ipam'), ['10-skiff.conflist']);
    const c = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(c.plugins.map((p: { type: string }) => p.type), ['bridge', 'portmap']);
    assert.equal(c.plugins[0].bridge, 'skt7');
    assert.equal(c.plugins[0].isGateway, true);
    // The agent masquerades the whole range with one rule; per-pod rules would slow every ADD/DEL.
    assert.equal(c.plugins[0].ipMasq, false);
    assert.deepEqual(c.plugins[0].ipam.ranges, [[{ subnet: '10.42.7.0/24', gateway: '10.42.7.1' }]]);
    assert.equal(c.plugins[0].ipam.dataDir, join(dir, 'ipam'));
    assert.deepEqual(c.plugins[1].capabilities, { portMappings: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { setUpVolumes, VolumeError, writeAtomic, type VolumeSources } from './volumes.js';

const base = mkdtempSync(join(tmpdir(), 'skiff-vol-'));
after(() => rmSync(base, { recursive: true, force: true }));

const payload = (o: Record<string, string>, mode = 0o644) => new Map(Object.entries(o).map(([k, v]) => [k, { data: Buffer.from(v), mode }]));
const bytes = (o: Record<string, string | Buffer>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Buffer.from(v)]));

describe('atomic writer', () => {
  it('writes through ..data, swaps on change only, drops removed names', () => {
    const dir = join(base, 'aw');
    assert.equal(writeAtomic(dir, payload({ a: '1', 'sub/b': '2' })), true);
    assert.equal(readlinkSync(join(dir, 'a')), '..data/a');
    assert.equal(readFileSync(join(dir, 'sub', 'b'), 'utf8'), '2');
    const first = readlinkSync(join(dir, '..data'));
    assert.equal(writeAtomic(dir, payload({ a: '1', 'sub/b': '2' })), false, 'unchanged content is not rewritten');
    assert.equal(readlinkSync(join(dir, '..data')), first);
    assert.equal(writeAtomic(dir, payload({ a: '3' })), true);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), '3');
    assert.notEqual(readlinkSync(join(dir, '..data')), first);
    assert.throws(() => lstatSync(join(dir, 'sub')), 'removed name is gone');
    assert.deepEqual(readdirSync(dir).filter((e) => e.startsWith('..') && e !== '..data').length, 1, 'old generation removed');
    assert.equal(writeAtomic(dir, payload({ a: '3' }, 0o400)), true, 'a mode change is a change');
    assert.equal(statSync(join(dir, 'a')).mode & 0o777, 0o400);
  });
});

describe('setUpVolumes', () => {
  const src = (cms: Record<string, Record<string, string | Buffer>>, secrets: Record<string, Record<string, string | Buffer>> = {}): VolumeSources => ({
    configMap: (n) => (cms[n] ? bytes(cms[n]) : undefined),
    secret: (n) => (secrets[n] ? bytes(secrets[n]) : undefined),
    field: (p) => (p === 'metadata.name' ? 'p' : undefined),
  });
  const pod = (volumes: NonNullable<Pod['spec']>['volumes']): Pod => ({ metadata: { name: 'p', namespace: 'd', uid: 'u1' }, spec: { containers: [], volumes } });

  it('projects configMap items and reports missing sources and keys', () => {
    const paths = setUpVolumes(base, pod([{ name: 'v', configMap: { name: 'cm', items: [{ key: 'k', path: 'x/y' }] } }]), src({ cm: { k: 'val', other: 'no' } }));
    assert.equal(readFileSync(join(paths.get('v')!, 'x', 'y'), 'utf8'), 'val');
    assert.throws(() => lstatSync(join(paths.get('v')!, 'other')));
    assert.throws(() => setUpVolumes(base, pod([{ name: 'v', configMap: { name: 'gone' } }]), src({})), (e) => e instanceof VolumeError && /configmap "gone" not found/.test(e.message));
    assert.throws(() => setUpVolumes(base, pod([{ name: 'v', configMap: { name: 'cm', items: [{ key: 'nokey', path: 'a' }] } }]), src({ cm: {} })), /key "nokey" not found/);
    assert.doesNotThrow(() => setUpVolumes(base, pod([{ name: 'v2', configMap: { name: 'gone', optional: true } }]), src({})));
  });

  it('writes binary values byte for byte (configMap binaryData, secret keystores)', () => {
    const blob = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0xc3, 0x28]);
    const paths = setUpVolumes(
      base,
      pod([
        { name: 'bin-cm', configMap: { name: 'cm' } },
        { name: 'bin-secret', secret: { secretName: 's' } },
      ]),
      src({ cm: { 'logo.bin': blob } }, { s: { 'keystore.p12': blob } }),
    );
    assert.deepEqual(readFileSync(join(paths.get('bin-cm')!, 'logo.bin')), blob);
    assert.deepEqual(readFileSync(join(paths.get('bin-secret')!, 'keystore.p12')), blob);
  });

  it('checks hostPath types', () => {
    const file = join(base, 'afile');
    writeFileSync(file, '');
    // [type, path, error or undefined]
    const table: [string, string, RegExp | undefined][] = [
      ['Directory', base, undefined],
      ['Directory', file, /is not a directory/],
      ['Directory', join(base, 'missing'), /is not a directory/],
      ['File', file, undefined],
      ['File', base, /is not a file/],
      ['Socket', file, /is not a socket file/],
      ['DirectoryOrCreate', join(base, 'made'), undefined],
      ['DirectoryOrCreate', file, /is not a directory/],
      ['FileOrCreate', join(base, 'newfile'), undefined],
      ['FileOrCreate', join(base, 'no', 'parent'), /parent directory/],
      ['', join(base, 'anything'), undefined],
    ];
    for (const [type, path, err] of table) {
      const run = () => setUpVolumes(base, pod([{ name: 'h', hostPath: { path, type } }]), src({}));
      if (err) assert.throws(run, err, `${type} ${path}`);
      else assert.equal(run().get('h'), path, `${type} ${path}`);
    }
    assert.ok(statSync(join(base, 'made')).isDirectory());
    assert.ok(statSync(join(base, 'newfile')).isFile());
  });
});

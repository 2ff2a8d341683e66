import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readManifests, staticPodsOf } from './manifests.js';

const doc = (name: string, cmd = 'sleep 1') => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    command: [sh, -c, "${cmd}"]\n`;

describe('static pod manifests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-manifests-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names, binds, defaults and hashes each document', () => {
    const [a, b] = staticPodsOf(`${doc('a')}---\n${doc('b')}`, 'f', 'n1');
    assert.equal(a.pod.metadata!.name, 'a-n1');
    assert.equal(a.pod.metadata!.namespace, 'default');
    assert.equal(a.pod.spec!.nodeName, 'n1');
    assert.equal(a.pod.spec!.restartPolicy, 'Always');
    assert.equal(a.pod.spec!.containers[0].terminationMessagePath, '/dev/termination-log');
    assert.equal(a.pod.metadata!.uid, a.hash);
    assert.equal(a.pod.metadata!.annotations!['kubernetes.io/config.hash'], a.hash);
    assert.equal(a.pod.metadata!.annotations!['kubernetes.io/config.source'], 'file');
    assert.notEqual(a.hash, b.hash);
    assert.equal(staticPodsOf(doc('a'), 'other-file', 'n1')[0].hash, a.hash, 'the hash follows content, not the file');
    assert.notEqual(staticPodsOf(doc('a'), 'f', 'n2')[0].hash, a.hash, 'nor is it shared between nodes');
    assert.notEqual(staticPodsOf(doc('a', 'sleep 2'), 'f', 'n1')[0].hash, a.hash, 'an edit is a new pod');
    assert.equal(staticPodsOf(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j' }, spec: { containers: [{ name: 'c', image: 'x' }] } }), 'f', 'n1')[0].fullName, 'default/j-n1');
  });

  it('reads a directory, skipping hidden files, bad files and duplicates', () => {
    writeFileSync(join(dir, 'one.yaml'), doc('one'));
    writeFileSync(join(dir, 'two.json'), doc('one'));
    writeFileSync(join(dir, '.swp'), doc('hidden'));
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\n');
    const { pods, problems } = readManifests(dir, 'n');
    assert.deepEqual(pods.map((p) => p.fullName), ['default/one-n']);
    assert.equal(problems.length, 2);
    assert.ok(problems.some((p) => p.file.endsWith('bad.yaml') && /expected a v1 Pod/.test(p.message)));
    assert.ok(problems.some((p) => p.file.endsWith('two.json') && /already defined/.test(p.message)));
    assert.deepEqual(readManifests(join(dir, 'missing'), 'n'), { pods: [], problems: [] });
  });
});

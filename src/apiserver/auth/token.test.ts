import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { caHash, ensureJoinToken, matchesJoinToken, parseJoinToken, tokenPath } from './token.js';

describe('join token', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-token-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is made once, k3s-shaped, mode 0600, and kept on later starts', async () => {
    const token = await ensureJoinToken(dir, 'CA ONE');
    assert.match(token, /^K10[0-9a-f]{64}::server:[0-9a-f]{32}$/);
    assert.equal(parseJoinToken(token)!.caHash, caHash('CA ONE'));
    assert.equal((await stat(tokenPath(dir))).mode & 0o777, 0o600);
    assert.equal(await readFile(tokenPath(dir), 'utf8'), `${token}\n`);
    assert.equal(await ensureJoinToken(dir, 'CA ONE'), token);
  });

  it('keeps the secret but follows a new CA', async () => {
    const before = parseJoinToken(await ensureJoinToken(dir, 'CA ONE'))!;
    const after = parseJoinToken(await ensureJoinToken(dir, 'CA TWO'))!;
    assert.equal(after.secret, before.secret);
    assert.equal(after.caHash, caHash('CA TWO'));
  });

  it('refuses a token file that holds something else', async () => {
    const other = await mkdtemp(join(tmpdir(), 'skiff-token-'));
    await writeFile(tokenPath(other), 'K10garbage::\n');
    await assert.rejects(ensureJoinToken(other, 'CA'), /does not hold a join token/);
    await rm(other, { recursive: true, force: true });
  });

  const full = `K10${'a'.repeat(64)}::server:s3cret`;
  const cases: [string, string, boolean][] = [
    [full, full, true],
    ['s3cret', full, true],
    [`K10${'b'.repeat(64)}::server:s3cret`, full, false],
    ['s3cre', full, false],
    ['s3cretX', full, false],
    ['', full, false],
    ['K10::server:s3cret', full, false],
  ];
  for (const [presented, actual, want] of cases) {
    it(`matchesJoinToken(${JSON.stringify(presented.slice(0, 20))}) is ${want}`, () => {
      assert.equal(matchesJoinToken(presented, actual), want);
    });
  }
});

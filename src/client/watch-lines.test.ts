import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsonLineSplitter } from './watch-lines.js';

const docs = [
  { type: 'ADDED', object: { metadata: { name: 'a', annotations: { note: 'has a \\n escaped newline and ü, 日本' } } } },
  { type: 'MODIFIED', object: { metadata: { name: 'b' }, data: { big: 'x'.repeat(300) } } },
  { type: 'BOOKMARK', object: { metadata: { resourceVersion: '42' } } },
];
const stream = docs.map((d) => JSON.stringify(d) + '\n').join('');

function feed(chunks: string[]): unknown[] {
  const s = new JsonLineSplitter();
  const out: unknown[] = [];
  for (const c of chunks) out.push(...s.push(c));
  out.push(...s.end());
  return out;
}

describe('JsonLineSplitter', () => {
  it('parses a stream cut at every possible position', () => {
    for (let i = 0; i <= stream.length; i++) {
      assert.deepEqual(feed([stream.slice(0, i), stream.slice(i)]), docs, `cut at ${i}`);
    }
  });

  it('parses a stream fed one character at a time', () => {
    assert.deepEqual(feed([...stream]), docs);
  });

  const cases: [string, string[], unknown[]][] = [
    ['several documents in one chunk', [stream], docs],
    ['a last line without its newline', [JSON.stringify(docs[0]), '\n' + JSON.stringify(docs[2])], [docs[0], docs[2]]],
    ['blank lines and CRLF', ['\n\r\n' + JSON.stringify(docs[2]) + '\r\n\n'], [docs[2]]],
    ['nothing', [], []],
  ];
  for (const [name, chunks, want] of cases) it(name, () => assert.deepEqual(feed(chunks), want));

  it('throws on a corrupt line', () => {
    const s = new JsonLineSplitter();
    assert.throws(() => s.push('{"type":\n'), SyntaxError);
  });
});

import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LineSplitter, LogFormatter, parseCriLine, parseLogOptions, tailOffset, type LogOptions } from './cri-log.js';
import { KubeletError } from './status.js';

const T = (s: number) => `2024-05-01T10:00:${String(s).padStart(2, '0')}.123456789Z`;
const base: LogOptions = { follow: false, previous: false, timestamps: false };

function render(lines: string[], opts: Partial<LogOptions> = {}): string {
  const chunks: Buffer[] = [];
  const fmt = new LogFormatter({ ...base, ...opts }, (b) => chunks.push(b));
  for (const l of lines) {
    const r = parseCriLine(Buffer.from(l));
    if (r) fmt.write(r);
  }
  fmt.flush();
  return Buffer.concat(chunks).toString();
}

describe('CRI log lines', () => {
  it('parses time, stream, tag and text (spaces in the text kept, empty text allowed)', () => {
    const r = parseCriLine(Buffer.from(`${T(1)} stderr F a  b `))!;
    assert.equal(r.time, T(1));
    assert.equal(r.stream, 'stderr');
    assert.equal(r.partial, false);
    assert.equal(r.text.toString(), 'a  b ');
    assert.equal(parseCriLine(Buffer.from(`${T(1)} stdout F`))!.text.length, 0);
    assert.equal(parseCriLine(Buffer.from(`${T(1)} stdout P x`))!.partial, true);
    for (const bad of ['', 'garbage', `${T(1)} stdin F x`, `${T(1)} stdout X x`, `not-a-time stdout F x`, `${T(1)} stdout Fx`]) {
      assert.equal(parseCriLine(Buffer.from(bad)), undefined, bad);
    }
  });

  const log = [`${T(1)} stdout F one`, `${T(2)} stdout P tw`, `${T(3)} stderr F err`, `${T(4)} stdout F o`, `${T(5)} stdout F three`];
  const cases: { name: string; opts: Partial<LogOptions>; want: string; extra?: string[] }[] = [
    { name: 'plain, partial lines merged per stream', opts: {}, want: 'one\nerr\ntwo\nthree\n' },
    { name: 'timestamps once per line (the first part’s)', opts: { timestamps: true }, want: `${T(1)} one\n${T(3)} err\n${T(2)} two\n${T(5)} three\n` },
    { name: 'since: a line is in or out by its first part', opts: { sinceMs: Date.parse(T(3)) }, want: 'err\nthree\n' },
    { name: 'since keeps a line whose first part is late enough', opts: { sinceMs: Date.parse(T(2)) }, want: 'err\ntwo\nthree\n' },
    { name: 'limitBytes cuts mid-line', opts: { limitBytes: 6 }, want: 'one\ner' },
    { name: 'stream filter', opts: { stream: 'stderr' }, want: 'err\n' },
    { name: 'an unfinished line is written at the end, without a newline', opts: {}, want: 'one\nerr\ntwo\nthree\nhal', extra: [`${T(6)} stdout P hal`] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(render([...log, ...(c.extra ?? [])], c.opts), c.want));
  }

  it('keeps a held partial line intact when the buffer it was read from is reused', () => {
    const out: Buffer[] = [];
    const fmt = new LogFormatter(base, (b) => out.push(b));
    const buf = Buffer.from(`${T(1)} stdout P first-`);
    fmt.write(parseCriLine(buf)!);
    buf.fill(0x21);
    fmt.write(parseCriLine(Buffer.from(`${T(2)} stdout F second`))!);
    assert.equal(Buffer.concat(out).toString(), 'first-second\n');
  });

  it('splits chunks into lines, holding back an unfinished one', () => {
    const s = new LineSplitter();
    const got: string[] = [];
    s.push(Buffer.from('a\nbc'), (l) => got.push(l.toString()));
    assert.deepEqual(got, ['a']);
    assert.equal(s.pending, 2);
    s.push(Buffer.from('d\n\ne'), (l) => got.push(l.toString()));
    assert.deepEqual(got, ['a', 'bcd', '']);
  });
});

describe('tailOffset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cri-log-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const tail = (content: string, n: number, stream?: 'stdout' | 'stderr') => {
    const f = join(dir, 'x.log');
    writeFileSync(f, content);
    const fd = openSync(f, 'r');
    try {
      return content.slice(tailOffset(fd, Buffer.byteLength(content), n, stream));
    } finally {
      closeSync(fd);
    }
  };
  const lines = Array.from({ length: 5 }, (_, i) => `${T(i)} stdout F line${i}\n`).join('');

  it('finds the start of the last n lines', () => {
    assert.equal(tail(lines, 2), `${T(3)} stdout F line3\n${T(4)} stdout F line4\n`);
    assert.equal(tail(lines, 0), '');
    assert.equal(tail(lines, 5), lines);
    assert.equal(tail(lines, 50), lines);
    assert.equal(tail('', 3), '');
  });

  it('counts a line made of partial records once, and an unfinished last line as one', () => {
    const content = `${T(1)} stdout F a\n${T(2)} stdout P b1\n${T(3)} stdout F b2\n${T(4)} stdout P c1\n`;
    assert.equal(tail(content, 1), `${T(4)} stdout P c1\n`);
    assert.equal(tail(content, 2), `${T(2)} stdout P b1\n${T(3)} stdout F b2\n${T(4)} stdout P c1\n`);
  });

  it('ignores a record still being written and counts only the wanted stream', () => {
    const content = `${T(1)} stderr F e1\n${T(2)} stdout F a\n${T(3)} stderr F e2\n${T(4)} stdout F b\n${T(5)} stdout F hal`;
    assert.equal(tail(content, 1), `${T(4)} stdout F b\n${T(5)} stdout F hal`);
    assert.equal(tail(content, 1, 'stderr'), `${T(2)} stdout F a\n${T(3)} stderr F e2\n${T(4)} stdout F b\n${T(5)} stdout F hal`);
  });

  it('reads backwards across chunk boundaries', () => {
    const long = Array.from({ length: 3000 }, (_, i) => `${T(i % 60)} stdout F ${'x'.repeat(40)}${i}\n`).join('');
    const got = tail(long, 2500);
    assert.equal(got.split('\n').filter(Boolean).length, 2500);
    assert.ok(got.startsWith(`${T(500 % 60)} stdout F ${'x'.repeat(40)}500\n`));
  });
});

describe('parseLogOptions', () => {
  it('reads the kubelet query', () => {
    const o = parseLogOptions(new URLSearchParams('follow=true&previous=1&timestamps=true&tailLines=3&limitBytes=10&sinceSeconds=5'), 100_000);
    assert.deepEqual(o, { follow: true, previous: true, timestamps: true, tailLines: 3, sinceMs: 95_000, limitBytes: 10, stream: undefined });
    assert.equal(parseLogOptions(new URLSearchParams(`sinceTime=${T(7)}`)).sinceMs, Date.parse(T(7)));
  });
  for (const [q, msg] of [
    ['tailLines=-1', /must be greater than or equal to 0/],
    ['limitBytes=0', /must be greater than 0/],
    ['sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z', /at most one of `sinceTime` or `sinceSeconds`/],
    ['tailLines=abc', /want an integer/],
    ['follow=maybe', /want true or false/],
  ] as const) {
    it(`rejects ${q}`, () => {
      assert.throws(
        () => parseLogOptions(new URLSearchParams(q)),
        (e: unknown) => e instanceof KubeletError && e.code === 400 && msg.test(e.message),
      );
    });
  }
});

/**
 * Container logs in the CRI format containerd writes, one record a line:
 *
 *   <RFC3339Nano time> <stdout|stderr> <P|F> <text>
 *
 * A record tagged P is part of a longer line that a later record of the same
 * stream finishes (F). Reading turns records back into what the container
 * wrote, filtered and shaped by the pod log options as the kubelet does:
 * tail first, then since, with the time prefixed once per line, cut at
 * limitBytes.
 */
import { readSync } from 'node:fs';
import { badRequest } from './status.js';

export type LogStream = 'stdout' | 'stderr';

export interface CriLogRecord {
  /** The time as written (RFC3339Nano, possibly with a zone offset). */
  time: string;
  /** Milliseconds since the epoch, for since filtering. */
  ms: number;
  stream: LogStream;
  partial: boolean;
  text: Buffer;
}

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** Records older than this are skipped (sinceSeconds or sinceTime). */
  sinceMs?: number;
  limitBytes?: number;
  /** Only this stream (the kubelet's `stream` option); both when absent. */
  stream?: LogStream;
}

const SP = 0x20;
const NL = 0x0a;

/** One line of a CRI log file without its newline; undefined when it is not one. */
export function parseCriLine(line: Buffer): CriLogRecord | undefined {
  const a = line.indexOf(SP);
  if (a <= 0) return undefined;
  const b = line.indexOf(SP, a + 1);
  if (b < 0) return undefined;
  const stream = line.toString('latin1', a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  // The tag and its trailing space; an empty F line may lack the space.
  const tag = line[b + 1];
  if ((tag !== 0x50 && tag !== 0x46) || (line.length > b + 2 && line[b + 2] !== SP)) return undefined;
  const time = line.toString('latin1', 0, a);
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return undefined;
  return { time, ms, stream, partial: tag === 0x50, text: line.subarray(Math.min(line.length, b + 3)) };
}

function parseBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '') return false;
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw badRequest(`invalid value ${JSON.stringify(v)} for ${name}: want true or false`);
}

function parseInteger(q: URLSearchParams, name: string, min: number, rule: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n)) throw badRequest(`invalid value ${JSON.stringify(v)} for ${name}: want an integer`);
  if (n < min) throw badRequest(`${name}: Invalid value: ${n}: ${rule}`);
  return n;
}

/** The kubelet's /containerLogs query, validated as ValidatePodLogOptions does. */
export function parseLogOptions(q: URLSearchParams, now = Date.now()): LogOptions {
  const sinceSeconds = parseInteger(q, 'sinceSeconds', 1, 'must be greater than 0');
  const sinceTime = q.get('sinceTime') || undefined;
  if (sinceSeconds !== undefined && sinceTime !== undefined) throw badRequest('at most one of `sinceTime` or `sinceSeconds` may be specified');
  let sinceMs: number | undefined;
  if (sinceSeconds !== undefined) sinceMs = now - sinceSeconds * 1000;
  if (sinceTime !== undefined) {
    sinceMs = Date.parse(sinceTime);
    if (Number.isNaN(sinceMs)) throw badRequest(`invalid value ${JSON.stringify(sinceTime)} for sinceTime: want an RFC3339 time`);
  }
  const streamParam = q.get('stream');
  let stream: LogStream | undefined;
  if (streamParam === 'Stdout') stream = 'stdout';
  else if (streamParam === 'Stderr') stream = 'stderr';
  else if (streamParam && streamParam !== 'All') throw badRequest(`stream: Unsupported value: ${JSON.stringify(streamParam)}: supported values: "All", "Stderr", "Stdout"`);
  return {
    follow: parseBool(q, 'follow'),
    previous: parseBool(q, 'previous'),
    timestamps: parseBool(q, 'timestamps'),
    tailLines: parseInteger(q, 'tailLines', 0, 'must be greater than or equal to 0'),
    sinceMs,
    limitBytes: parseInteger(q, 'limitBytes', 1, 'must be greater than 0'),
    stream,
  };
}

/**
 * Shapes records into output: joins a line's partial records (the time is
 * written once, the first part's; each stream's line is held until it is
 * finished so interleaved streams do not cut into each other), applies since
 * and the stream filter, and stops at limitBytes.
 */
export class LogFormatter {
  /** Per stream: the parts of a line whose F record has not come yet. */
  private readonly pending: Record<LogStream, CriLogRecord[]> = { stdout: [], stderr: [] };
  private written = 0;

  constructor(
    private readonly opts: LogOptions,
    private readonly out: (chunk: Buffer) => void,
  ) {}

  /** True once limitBytes has been written: nothing more will be. */
  get full(): boolean {
    return this.opts.limitBytes !== undefined && this.written >= this.opts.limitBytes;
  }

  write(r: CriLogRecord): void {
    if (this.full) return;
    if (this.opts.stream && r.stream !== this.opts.stream) return;
    const parts = this.pending[r.stream];
    // A held part outlives the read buffer its text points into.
    parts.push(r.partial ? { ...r, text: Buffer.from(r.text) } : r);
    if (r.partial) return;
    this.pending[r.stream] = [];
    this.emit(parts, true);
  }

  /** The end of the log: lines never finished are written as they stand. */
  flush(): void {
    for (const s of ['stdout', 'stderr'] as const) {
      const parts = this.pending[s];
      this.pending[s] = [];
      if (parts.length) this.emit(parts, false);
    }
  }

  private emit(parts: CriLogRecord[], finished: boolean): void {
    const first = parts[0]!;
    // A line is in or out as a whole, decided by its first part's time.
    if (this.opts.sinceMs !== undefined && first.ms < this.opts.sinceMs) return;
    const bufs: Buffer[] = [];
    if (this.opts.timestamps) bufs.push(Buffer.from(`${first.time} `));
    for (const p of parts) bufs.push(p.text);
    if (finished) bufs.push(Buffer.from('\n'));
    let chunk = Buffer.concat(bufs);
    if (this.opts.limitBytes !== undefined && this.written + chunk.length > this.opts.limitBytes) {
      chunk = chunk.subarray(0, this.opts.limitBytes - this.written);
    }
    this.written += chunk.length;
    if (chunk.length) this.out(chunk);
  }
}

/**
 * Splits a growing byte stream into lines; the unfinished tail waits for the
 * next chunk (containerd may be writing it right now).
 */
export class LineSplitter {
  private rest: Buffer = Buffer.alloc(0);

  push(chunk: Buffer, onLine: (line: Buffer) => void): void {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(NL, start);
      if (nl < 0) break;
      onLine(buf.subarray(start, nl));
      start = nl + 1;
    }
    this.rest = Buffer.from(buf.subarray(start));
  }

  /** Bytes of an unfinished line held back. */
  get pending(): number {
    return this.rest.length;
  }
}

/**
 * The file offset where the last `n` lines begin (a line: records up to and
 * including an F record; an unfinished line at the end counts as one), found
 * by reading backwards so a long log is not read whole. `stream` restricts
 * the count to one stream's lines, as the output is restricted.
 */
export function tailOffset(fd: number, size: number, n: number, stream?: LogStream): number {
  if (n === 0) return size;
  const CHUNK = 64 * 1024;
  let pos = size;
  // file[pos, pos + buf.length) is read but not yet walked.
  let buf: Buffer = Buffer.alloc(0);
  let trimmed = false;
  let count = 0;
  let first = true;
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const chunk = Buffer.alloc(len);
    readSync(fd, chunk, 0, len, pos);
    buf = Buffer.concat([chunk, buf]);
    if (!trimmed) {
      // Bytes after the last newline are a record still being written.
      const i = buf.lastIndexOf(NL);
      if (i < 0) continue;
      buf = buf.subarray(0, i + 1);
      trimmed = true;
    }
    let end = buf.length; // always just after a newline (or 0)
    while (end > 0) {
      const prev = end >= 2 ? buf.lastIndexOf(NL, end - 2) : -1;
      if (prev < 0 && pos > 0) break; // the line's head is in an earlier chunk
      const start = prev + 1;
      const rec = parseCriLine(buf.subarray(start, end - 1));
      if (rec && (!stream || rec.stream === stream)) {
        if (first && rec.partial) count = 1;
        else if (!rec.partial) {
          if (count === n) return pos + end;
          count++;
        }
        first = false;
      }
      end = start;
    }
    buf = buf.subarray(0, end);
  }
  return 0;
}

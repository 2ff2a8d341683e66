/**
 * A watch response is a stream of JSON documents, one per line, but the
 * network cuts it into chunks anywhere — mid-line, mid-string. This keeps the
 * unfinished tail between chunks and hands out whole lines only. Chunks must
 * already be decoded text (`res.setEncoding('utf8')` keeps multi-byte
 * characters whole across chunk boundaries).
 */
export class JsonLineSplitter {
  private tail = '';

  /** Feeds one chunk; returns the documents it completed, in order. */
  push(chunk: string): unknown[] {
    const out: unknown[] = [];
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl === -1) {
      this.tail += chunk;
      return out;
    }
    // The first line continues the tail; the rest start fresh.
    let line = this.tail + chunk.slice(0, nl);
    this.tail = '';
    for (;;) {
      if (line.trim() !== '') out.push(JSON.parse(line));
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
      if (nl === -1) break;
      line = chunk.slice(start, nl);
    }
    this.tail = chunk.slice(start);
    return out;
  }

  /** The stream ended: a last document without a newline still counts. */
  end(): unknown[] {
    const line = this.tail;
    this.tail = '';
    return line.trim() === '' ? [] : [JSON.parse(line)];
  }
}

/**
 * Byte-level line splitting for NDJSON with a hard cap per line.
 *
 * Works on raw bytes (never on decoded text) so that a line that passes the cap is dropped as soon as
 * it passes it: the bytes of an oversized line are never held, whatever its length, and memory stays
 * around one chunk plus one capped line however big the file is.
 */

export type SplitLine =
  | { line: number; text: string }
  | { line: number; error: 'too-long'; bytes: number }
  | { line: number; error: 'not-utf8' };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Yields every line of `source` with its 1-based number. Line endings are LF or CRLF; a final line
 * without newline counts. Blank lines are yielded too (the caller skips them) so numbers stay right.
 */
export async function* splitLines(source: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<SplitLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let length = 0;
  let oversized = 0; // > 0 while skipping the rest of a line that passed the cap: bytes seen so far
  let lineNumber = 1;
  let first = true;

  const finish = (): SplitLine => {
    const number = lineNumber++;
    if (oversized > 0) {
      const bytes = oversized;
      oversized = 0;
      return { line: number, error: 'too-long', bytes };
    }
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
    parts = [];
    length = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, bytes.length - 1);
    try {
      return { line: number, text: decoder.decode(bytes) };
    } catch {
      return { line: number, error: 'not-utf8' };
    }
  };

  const take = (slice: Buffer): void => {
    if (slice.length === 0) return;
    if (oversized > 0) {
      oversized += slice.length;
      return;
    }
    if (length + slice.length > maxLineBytes) {
      oversized = length + slice.length;
      parts = [];
      length = 0;
      return;
    }
    parts.push(slice);
    length += slice.length;
  };

  for await (const raw of source) {
    let chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    if (first && chunk.length > 0) {
      first = false;
      if (chunk.subarray(0, 3).equals(BYTE_ORDER_MARK)) chunk = chunk.subarray(3);
    }
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) break;
      take(chunk.subarray(start, end));
      yield finish();
      start = end + 1;
    }
    // Copy the tail: holding a view would pin the whole (possibly large) chunk in memory.
    if (start < chunk.length) take(Buffer.from(chunk.subarray(start)));
  }
  if (length > 0 || oversized > 0) yield finish();
}

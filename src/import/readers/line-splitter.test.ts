import { describe, expect, it } from 'vitest';
import { splitLines, type SplitLine } from './line-splitter.ts';

async function split(chunks: (string | Buffer)[], max = 100): Promise<SplitLine[]> {
  const out: SplitLine[] = [];
  async function* source(): AsyncGenerator<Buffer | string> {
    yield* chunks;
  }
  for await (const line of splitLines(source(), max)) out.push(line);
  return out;
}

describe('splitLines', () => {
  it('numbers LF and CRLF lines, keeps blank lines, and yields a last line without newline', async () => {
    const lines = await split(['a\r\nb\n', '\nc']);
    expect(lines).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
      { line: 3, text: '' },
      { line: 4, text: 'c' },
    ]);
  });

  it('joins a line split across chunks, even inside a multi-byte character', async () => {
    const bytes = Buffer.from('{"name":"Zoë"}\n', 'utf8');
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of ë
    const lines = await split([bytes.subarray(0, cut), bytes.subarray(cut)]);
    expect(lines).toEqual([{ line: 1, text: '{"name":"Zoë"}' }]);
  });

  it('drops a byte order mark at the start of the stream', async () => {
    expect(await split([Buffer.from([0xef, 0xbb, 0xbf]), 'x\n'])).toEqual([{ line: 1, text: 'x' }]);
  });

  it('reports an oversized line once, with its size, and carries on with the next', async () => {
    const long = 'x'.repeat(250);
    const lines = await split(['ok\n', long.slice(0, 120), long.slice(120), '\nafter\n'], 100);
    expect(lines).toEqual([
      { line: 1, text: 'ok' },
      { line: 2, error: 'too-long', bytes: 250 },
      { line: 3, text: 'after' },
    ]);
  });

  it('accepts a line of exactly the cap and refuses one byte more', async () => {
    const lines = await split(['a'.repeat(10) + '\n' + 'b'.repeat(11) + '\n'], 10);
    expect(lines.map((line) => ('error' in line ? line.error : line.text))).toEqual(['a'.repeat(10), 'too-long']);
  });

  it('flags invalid UTF-8 instead of inventing replacement characters', async () => {
    const lines = await split([Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]);
    expect(lines).toEqual([{ line: 1, error: 'not-utf8' }]);
  });
});

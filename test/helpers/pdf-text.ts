import { inflateSync } from 'node:zlib';

/**
 * The text a PDF shows, roughly: every content stream inflated (FlateDecode), and the strings of
 * its text operators (`<hex> Tj` as pdf-lib writes them, and `(literal) Tj`) decoded. Enough to
 * check that a test's words are on the page; not a PDF parser.
 */
export function pdfText(pdf: Buffer): string {
  const binary = pdf.toString('latin1');
  const texts: string[] = [];
  const stream = /stream\r?\n/g;
  let match: RegExpExecArray | null;
  while ((match = stream.exec(binary)) !== null) {
    const start = match.index + match[0].length;
    const end = binary.indexOf('endstream', start);
    if (end === -1) break;
    const raw = pdf.subarray(start, end);
    let content: string;
    try {
      content = inflateSync(raw).toString('latin1');
    } catch {
      content = raw.toString('latin1');
    }
    for (const hex of content.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) texts.push(Buffer.from(hex[1]!, 'hex').toString('latin1'));
    for (const literal of content.matchAll(/\(((?:[^()\\]|\\.)*)\)\s*Tj/g)) texts.push(literal[1]!.replace(/\\(.)/g, '$1'));
    stream.lastIndex = end;
  }
  return texts.join('\n');
}

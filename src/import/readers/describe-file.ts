import { closeSync, openSync, readSync } from 'node:fs';
import { HearthError } from '../../errors/hearth-error.ts';

export type FileFormat = 'ndjson' | 'bundle' | 'json-resource' | 'ccda' | 'zip';

export interface FileDescription {
  format: FileFormat;
  /** The file is gzip-compressed (`.ndjson.gz`). */
  gzip?: boolean;
}

const SNIFF_BYTES = 4096;

/**
 * What a file is, from its extension and first bytes. A `.json` file is a `bundle` when its first
 * resourceType is Bundle; both JSON kinds are read by the same reader, so a wrong guess costs nothing.
 * Throws HearthError('unsupported') for anything we do not read.
 */
export function describeFile(path: string): FileDescription {
  return describeContent(path, readHead(path));
}

/**
 * The same decision from a name and the content's first bytes, for content that is not a file (an
 * upload held in memory): `name` supplies the extension, `head` the bytes to sniff.
 */
export function describeContent(name: string, head: Buffer): FileDescription {
  const lower = name.toLowerCase();
  if (/\.(ndjson|jsonl)\.gz$/.test(lower)) return { format: 'ndjson', gzip: true };
  if (/\.(ndjson|jsonl)$/.test(lower)) return { format: 'ndjson' };
  if (lower.endsWith('.zip')) return { format: 'zip' };
  if (lower.endsWith('.xml')) return { format: 'ccda' };
  if (lower.endsWith('.json')) return { format: jsonKind(head.subarray(0, SNIFF_BYTES)) };
  return sniff(head.subarray(0, SNIFF_BYTES));
}

function sniff(head: Buffer): FileDescription {
  if (head[0] === 0x50 && head[1] === 0x4b && (head[2] === 0x03 || head[2] === 0x05)) return { format: 'zip' };
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('<')) return { format: 'ccda' };
  if (text.startsWith('{')) {
    // One object per line is NDJSON; a pretty-printed document has its first line ending in `{`.
    const firstLine = text.split('\n', 1)[0]!.trim();
    if (firstLine.length > 1 && firstLine.endsWith('}')) return { format: 'ndjson' };
    return { format: jsonKind(head) };
  }
  throw new HearthError('unsupported', `not a format Hearth imports (FHIR NDJSON, JSON, C-CDA XML or a zip of them)`);
}

function jsonKind(head: Buffer): FileFormat {
  const match = /"resourceType"\s*:\s*"([^"]*)"/.exec(head.toString('utf8'));
  return match?.[1] === 'Bundle' ? 'bundle' : 'json-resource';
}

function readHead(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') throw new HearthError('not-found', `no such file: ${path}`);
    if (code === 'EACCES' || code === 'EPERM') throw new HearthError('forbidden', `permission denied: ${path}`);
    if (code === 'EISDIR') throw new HearthError('invalid', `${path} is a folder, not a file`);
    throw error;
  }
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const length = readSync(fd, buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

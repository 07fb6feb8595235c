import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { HearthError } from '../../errors/hearth-error.ts';
import { formatBytes } from './json-guard.ts';
import { gunzipGuarded } from './streams.ts';
import type { ReadLimits } from './limits.ts';
import { errorItem, errorItemFrom, type ImportItem } from './types.ts';

/**
 * Zip archives, read in place (a file, or an upload in memory): entries stream from the archive
 * straight into the format readers, nothing is extracted to disk. The whole central directory is checked before the first entry is
 * read, so a hostile archive yields one clear error and no resources at all (SECURITY.md, "Input":
 * paths stay inside, no symlinks, caps on entries, size and compression ratio).
 */

export type EntryFormat = 'ndjson' | 'json' | 'ccda';
/** Reads one entry's bytes as the given format; supplied by index.ts to avoid an import cycle. */
export type EntryReader = (format: EntryFormat, source: AsyncIterable<Buffer>, file: string) => AsyncGenerator<ImportItem>;

interface PlannedEntry {
  entry: yauzl.Entry;
  name: string;
  format: EntryFormat;
  gzip: boolean;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const ENCRYPTED_FLAG = 0x1;

/** Where the archive's bytes are: a file read in place, or an upload held in memory. */
export type ZipSource = { path: string } | { buffer: Buffer };

// decodeStrings: false, so that names are checked here with our own messages rather than by a
// yauzl error that stops the listing; validateEntrySizes makes a lying size header a read error.
const OPEN_OPTIONS = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true } as const;

/** Every resource of the archive `path` (its name in locations) at `source`, with the same guards for both sources. */
export async function* readZip(path: string, source: ZipSource, limits: ReadLimits, readEntry: EntryReader): AsyncGenerator<ImportItem> {
  let zip: yauzl.ZipFile;
  try {
    zip = 'buffer' in source ? await yauzl.fromBufferPromise(source.buffer, OPEN_OPTIONS) : await yauzl.openPromise(source.path, OPEN_OPTIONS);
  } catch (error) {
    yield errorItemFrom({ file: path }, asZipError(error));
    return;
  }
  try {
    let planned: { entries: PlannedEntry[]; refused: ImportItem[] };
    try {
      planned = await checkCentralDirectory(zip, path, limits);
    } catch (error) {
      yield errorItemFrom({ file: path }, asZipError(error));
      return;
    }
    yield* planned.refused;
    for (const { entry, name, format, gzip } of planned.entries) {
      const file = `${path}!${name}`;
      let stream: Readable;
      try {
        stream = await openEntry(zip, entry);
      } catch (error) {
        yield errorItemFrom({ file }, asZipError(error));
        continue;
      }
      const source = gzip ? gunzipGuarded(stream, limits.maxZipRatio) : (stream as AsyncIterable<Buffer>);
      yield* readEntry(format, zipErrorsAsInput(source), file);
    }
  } finally {
    zip.close();
  }
}

/** Lists every entry and refuses the archive on the first hostile one, before anything is read. */
async function checkCentralDirectory(zip: yauzl.ZipFile, path: string, limits: ReadLimits): Promise<{ entries: PlannedEntry[]; refused: ImportItem[] }> {
  if (zip.entryCount > limits.maxZipEntries) {
    throw new HearthError('too-large', `archive has ${zip.entryCount} entries, more than the ${limits.maxZipEntries} allowed`);
  }
  const entries: PlannedEntry[] = [];
  const refused: ImportItem[] = [];
  const names = new Set<string>();
  let total = 0;
  for await (const entry of listEntries(zip)) {
    const name = entryName(entry);
    checkEntryName(name);
    if (names.has(name)) throw new HearthError('invalid', `archive lists "${printable(name)}" twice`);
    names.add(name);
    if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) {
      throw new HearthError('invalid', `archive entry "${printable(name)}" is a symbolic link; links are refused`);
    }
    total += entry.uncompressedSize;
    if (total > limits.maxZipTotalBytes) {
      throw new HearthError('too-large', `archive expands to more than ${formatBytes(limits.maxZipTotalBytes)}`);
    }
    if (entry.uncompressedSize > 0 && entry.uncompressedSize > entry.compressedSize * limits.maxZipRatio) {
      const ratio = entry.compressedSize === 0 ? 'an infinite' : `a ${Math.round(entry.uncompressedSize / entry.compressedSize)}:1`;
      throw new HearthError('too-large', `archive entry "${printable(name)}" has ${ratio} compression ratio (more than ${limits.maxZipRatio}:1 looks like a zip bomb)`);
    }
    if (name.endsWith('/')) continue; // a folder
    const base = name.slice(name.lastIndexOf('/') + 1);
    if (base.startsWith('.') || name.startsWith('__MACOSX/')) continue; // system files, resource forks
    const lower = name.toLowerCase();
    const file = `${path}!${name}`;
    if (/\.(zip|jar|7z|rar|tar|tgz|tar\.gz)$/.test(lower)) {
      refused.push(errorItem({ file }, 'nested archives are not imported'));
      continue;
    }
    const format = entryFormat(lower);
    if (format === undefined) continue; // not a format we read: skipped, as in folders
    if (entry.generalPurposeBitFlag & ENCRYPTED_FLAG) {
      refused.push(errorItem({ file }, 'encrypted archive entries are not supported'));
      continue;
    }
    entries.push({ entry, name, format, gzip: lower.endsWith('.gz') });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries, refused };
}

function entryFormat(lower: string): EntryFormat | undefined {
  if (/\.(ndjson|jsonl)(\.gz)?$/.test(lower)) return 'ndjson';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.xml')) return 'ccda';
  return undefined;
}

/** The name exactly as yauzl would report it, including an Info-ZIP Unicode Path override. */
function entryName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, true);
}

/** Zip slip and friends: names must be plain relative paths that stay inside the archive root. */
function checkEntryName(name: string): void {
  const shown = printable(name);
  if (name === '' || name.includes('\0')) throw new HearthError('invalid', `archive has an entry with an empty or binary name`);
  if (name.includes('\\')) throw new HearthError('invalid', `archive entry "${shown}" contains a backslash; only "/" separated relative paths are allowed`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw new HearthError('invalid', `archive entry "${shown}" is an absolute path`);
  if (name.split('/').includes('..')) throw new HearthError('invalid', `archive entry "${shown}" climbs out of the archive with ".."`);
  if (/\p{Cc}/u.test(name)) throw new HearthError('invalid', `archive entry "${shown}" has control characters in its name`);
}

function printable(name: string): string {
  const cleaned = name.replace(/\p{Cc}/gu, '?');
  return cleaned.length > 200 ? `${cleaned.slice(0, 200)}…` : cleaned;
}

async function* listEntries(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  for (;;) {
    const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
      const cleanup = (): void => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      const onEntry = (value: yauzl.Entry): void => (cleanup(), resolve(value));
      const onEnd = (): void => (cleanup(), resolve(undefined));
      const onError = (error: Error): void => (cleanup(), reject(error));
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });
    if (entry === undefined) return;
    yield entry;
  }
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream)));
  });
}

/** An entry that turns out larger than declared, or corrupt, fails as bad input with a clear message. */
async function* zipErrorsAsInput(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* source;
  } catch (error) {
    throw asZipError(error);
  }
}

/** yauzl reports corrupt archives with plain Errors; they are the user's input, not our failure. */
function asZipError(error: unknown): unknown {
  if (error instanceof HearthError || (error as { code?: unknown } | null)?.code) return error;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
  if (/too (many|few) bytes in the stream/.test(message)) {
    return new HearthError('invalid', `archive entry does not match the size its header declares (${message})`);
  }
  return new HearthError('invalid', `not a readable zip archive (${message})`);
}

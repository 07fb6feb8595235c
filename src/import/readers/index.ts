import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { readJsonDocument } from './bundle-reader.ts';
import { readCcda } from './ccda-reader.ts';
import { describeContent, describeFile, type FileDescription } from './describe-file.ts';
import { formatBytes } from './json-guard.ts';
import { resolveLimits, type ReadLimits } from './limits.ts';
import { readNdjson } from './ndjson-reader.ts';
import { walkImportPath } from './path-walker.ts';
import { decodeUtf8, gunzipGuarded, readCapped } from './streams.ts';
import { errorItem, errorItemFrom, type ImportItem } from './types.ts';
import { readZip, type EntryFormat, type ZipSource } from './zip-reader.ts';

/**
 * Readers: a user-supplied path (a file, a folder, a zip) or an uploaded file in memory becomes a stream of FHIR resources, each
 * with where it came from, and of error items for whatever could not be read. Nothing here validates
 * FHIR (that happens later in the import pipeline); this is where hostile input is stopped.
 */

export type { ImportItem, ItemLocation } from './types.ts';
export type { ReadLimits } from './limits.ts';
export { DEFAULT_READ_LIMITS } from './limits.ts';
export { describeContent, describeFile, type FileDescription, type FileFormat } from './describe-file.ts';
export { parseJsonGuarded } from './json-guard.ts';
export { walkImportPath } from './path-walker.ts';

export interface ReadOptions {
  limits?: Partial<ReadLimits>;
}

const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Every item under `path`, file by file in a stable order. Throws a HearthError before the first item
 * if the path does not exist or a limit is invalid; problems inside files are error items.
 */
export async function* readImportPath(path: string, options: ReadOptions = {}): AsyncGenerator<ImportItem> {
  const limits = resolveLimits(options.limits);
  for await (const file of walkImportPath(path)) yield* readContent(fileContent(file), limits);
}

/**
 * The same for one file held in memory (an upload): `name` gives the format as a file name would,
 * and locations. The bytes are only read, never written anywhere.
 */
export async function* readImportBuffer(name: string, buffer: Buffer, options: ReadOptions = {}): AsyncGenerator<ImportItem> {
  const limits = resolveLimits(options.limits);
  yield* readContent(bufferContent(name, buffer), limits);
}

/** SHA-256 (hex) of a file's content, streamed: a stable identity for resuming an import. */
export async function fileFingerprint(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The same identity for content held in memory. */
export function bufferFingerprint(buffer: Buffer): string {
  return createHash('sha256').update(buffer).digest('hex');
}

/**
 * Where one input's bytes are: a file on disk, or an upload held in memory (uploads never touch the
 * disk in plaintext: SECURITY.md "At rest"). Every format reader and guard below works on either.
 */
interface Content {
  /** The name in locations and messages, and the extension that decides the format. */
  name: string;
  describe(): FileDescription;
  size(): Promise<number>;
  stream(): Readable;
  zip: ZipSource;
}

function fileContent(file: string): Content {
  return {
    name: file,
    describe: () => describeFile(file),
    size: () => stat(file).then((info) => info.size, () => 0),
    stream: () => createReadStream(file, { highWaterMark: READ_CHUNK_BYTES }),
    zip: { path: file },
  };
}

function bufferContent(name: string, buffer: Buffer): Content {
  return {
    name,
    describe: () => describeContent(name, buffer),
    size: async () => buffer.length,
    // Chunks the size a file stream reads, so line splitting and gzip see the same shapes.
    stream: () => Readable.from(chunksOf(buffer), { objectMode: false }),
    zip: { buffer },
  };
}

function* chunksOf(buffer: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < buffer.length; offset += READ_CHUNK_BYTES) yield buffer.subarray(offset, offset + READ_CHUNK_BYTES);
}

async function* readContent(content: Content, limits: ReadLimits): AsyncGenerator<ImportItem> {
  const file = content.name;
  let description;
  try {
    description = content.describe();
  } catch (error) {
    yield errorItemFrom({ file }, error);
    return;
  }
  switch (description.format) {
    case 'ndjson': {
      const stream = content.stream();
      yield* readNdjson(description.gzip ? gunzipGuarded(stream, limits.maxZipRatio) : stream, file, limits);
      return;
    }
    case 'bundle':
    case 'json-resource': {
      // Refused from its size alone, before a byte is read.
      if ((await content.size()) > limits.maxBundleBytes) {
        yield errorItem({ file }, `JSON document is larger than ${formatBytes(limits.maxBundleBytes)}; export it as NDJSON instead`);
        return;
      }
      yield* readJson(content.stream(), file, limits);
      return;
    }
    case 'ccda':
      yield* readCcda(content.stream(), file, limits);
      return;
    case 'zip':
      yield* readZip(file, content.zip, limits, (format, source, inner) => readEntry(format, source, inner, limits));
      return;
  }
}

function readEntry(format: EntryFormat, source: AsyncIterable<Buffer>, file: string, limits: ReadLimits): AsyncGenerator<ImportItem> {
  if (format === 'ndjson') return readNdjson(source, file, limits);
  if (format === 'ccda') return readCcda(source, file, limits);
  return readJson(source, file, limits);
}

async function* readJson(source: AsyncIterable<Buffer> | Readable, file: string, limits: ReadLimits): AsyncGenerator<ImportItem> {
  let text: string;
  try {
    text = decodeUtf8(await readCapped(source, limits.maxBundleBytes, 'the JSON document'), 'the JSON document');
  } catch (error) {
    yield errorItemFrom({ file }, error);
    return;
  }
  yield* readJsonDocument(text, file, limits);
}

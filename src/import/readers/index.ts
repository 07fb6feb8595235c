import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { readJsonDocument } from './bundle-reader.ts';
import { readCcda } from './ccda-reader.ts';
import { describeFile } from './describe-file.ts';
import { formatBytes } from './json-guard.ts';
import { resolveLimits, type ReadLimits } from './limits.ts';
import { readNdjson } from './ndjson-reader.ts';
import { walkImportPath } from './path-walker.ts';
import { decodeUtf8, gunzipGuarded, readCapped } from './streams.ts';
import { errorItem, errorItemFrom, type ImportItem } from './types.ts';
import { readZip, type EntryFormat } from './zip-reader.ts';

/**
 * Readers: a user-supplied path (a file, a folder, a zip) becomes a stream of FHIR resources, each
 * with where it came from, and of error items for whatever could not be read. Nothing here validates
 * FHIR (that happens later in the import pipeline); this is where hostile input is stopped.
 */

export type { ImportItem, ItemLocation } from './types.ts';
export type { ReadLimits } from './limits.ts';
export { DEFAULT_READ_LIMITS } from './limits.ts';
export { describeFile, type FileDescription, type FileFormat } from './describe-file.ts';
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
  for await (const file of walkImportPath(path)) yield* readFile(file, limits);
}

/** SHA-256 (hex) of a file's content, streamed: a stable identity for resuming an import. */
export async function fileFingerprint(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function* readFile(file: string, limits: ReadLimits): AsyncGenerator<ImportItem> {
  let description;
  try {
    description = describeFile(file);
  } catch (error) {
    yield errorItemFrom({ file }, error);
    return;
  }
  switch (description.format) {
    case 'ndjson': {
      const stream = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
      yield* readNdjson(description.gzip ? gunzipGuarded(stream, limits.maxZipRatio) : stream, file, limits);
      return;
    }
    case 'bundle':
    case 'json-resource': {
      // Refused from its size alone, before a byte is read.
      const size = await stat(file).then((info) => info.size, () => 0);
      if (size > limits.maxBundleBytes) {
        yield errorItem({ file }, `JSON document is larger than ${formatBytes(limits.maxBundleBytes)}; export it as NDJSON instead`);
        return;
      }
      yield* readJson(createReadStream(file, { highWaterMark: READ_CHUNK_BYTES }), file, limits);
      return;
    }
    case 'ccda':
      yield* readCcda(createReadStream(file, { highWaterMark: READ_CHUNK_BYTES }), file, limits);
      return;
    case 'zip':
      yield* readZip(file, limits, (format, source, inner) => readEntry(format, source, inner, limits));
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

import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { HearthError } from '../../errors/hearth-error.ts';
import { formatBytes } from './json-guard.ts';

/** Stream helpers shared by the readers: capped collection, strict UTF-8, guarded gunzip. */

/**
 * Collects a whole stream into one buffer, refusing (without buffering further) as soon as it passes
 * `maxBytes`. For formats that need the whole document at once: JSON Bundles and C-CDA XML.
 */
export async function readCapped(source: AsyncIterable<Buffer | string>, maxBytes: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    length += chunk.length;
    if (length > maxBytes) throw new HearthError('too-large', `${what} is larger than ${formatBytes(maxBytes)}`);
    parts.push(chunk);
  }
  return Buffer.concat(parts, length);
}

/** Strict UTF-8 decoding (a leading byte order mark is dropped); invalid bytes are an input error. */
export function decodeUtf8(bytes: Buffer, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HearthError('invalid', `${what} is not valid UTF-8`);
  }
}

// Below this much output any ratio is harmless, and small inputs compress unusually well.
const GZIP_RATIO_FLOOR = 1024 ** 2;

/**
 * Gunzips a stream, refusing a gzip bomb: once the output passes 1 MiB it may not exceed `maxRatio`
 * times the compressed bytes read so far. Line and document caps bound memory anyway; this bounds time.
 */
export async function* gunzipGuarded(stream: Readable, maxRatio: number): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  let input = 0;
  let output = 0;
  stream.on('data', (chunk: Buffer) => {
    input += chunk.length;
  });
  pipeline(stream, gunzip, () => {});
  for await (const chunk of gunzip as AsyncIterable<Buffer>) {
    output += chunk.length;
    if (output > GZIP_RATIO_FLOOR && output > input * maxRatio) {
      throw new HearthError('too-large', `gzip data expands more than ${maxRatio}:1 (looks like a gzip bomb)`);
    }
    yield chunk;
  }
}

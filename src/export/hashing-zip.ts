import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ZipFile } from 'yazl';

/** A file in the zip, as the manifest lists it: the bytes stored before compression. */
export interface ZipFileRecord {
  path: string;
  size: number;
  sha256: string;
}

export type Chunks = Iterable<string | Buffer> | AsyncIterable<string | Buffer>;

/**
 * A zip (yazl) written one entry at a time: `add` hands yazl a stream, counts and hashes the bytes
 * as yazl pulls them, and resolves once the entry is fully written, so the next entry's data is
 * produced only then. Memory stays at one chunk in flight, whatever the size of the export, and
 * the output's consumer (a file, an HTTP response) sets the pace through backpressure.
 */
export function hashingZip(mtime: Date) {
  const zip = new ZipFile();
  const files: ZipFileRecord[] = [];
  let current: Readable | undefined;
  let aborted: Error | undefined;

  return {
    output: zip.outputStream as Readable,
    files,
    async add(path: string, chunks: Chunks): Promise<ZipFileRecord> {
      if (aborted) throw aborted;
      const hash = createHash('sha256');
      let size = 0;
      async function* counted(): AsyncGenerator<Buffer> {
        for await (const chunk of chunks) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
          if (bytes.length === 0) continue;
          hash.update(bytes);
          size += bytes.length;
          yield bytes;
        }
      }
      let stream: Readable | undefined = Readable.from(counted(), { objectMode: false });
      current = stream;
      // yazl keeps each entry's pump function (and with it this scope) until the zip ends: the
      // stream and the data are let go once written, or a zip of many attachments would hold them all.
      zip.addReadStreamLazy(path, { mtime, compress: true }, (callback) => callback(null, stream!));
      try {
        await finished(stream);
      } finally {
        current = undefined;
        stream = undefined;
        chunks = [];
      }
      const record = { path, size, sha256: hash.digest('hex') };
      files.push(record);
      return record;
    },
    /** No more entries: yazl writes the central directory and ends the output. */
    end(): void {
      zip.end();
    },
    /** Stops at once (the reader went away, or producing failed): the pending `add` rejects. */
    abort(error: Error): void {
      aborted ??= error;
      current?.destroy(error);
      (zip.outputStream as Readable).destroy(error);
    },
  };
}

export type HashingZip = ReturnType<typeof hashingZip>;

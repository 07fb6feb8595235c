import yauzl from 'yauzl';

/** Every entry of a (small, test-made) zip, by path, decompressed; entries in the zip's order. */
export function readZip(bytes: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const files = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(files));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** The lines of an NDJSON file, parsed. */
export const ndjson = (bytes: Buffer | undefined): any[] =>
  (bytes ?? Buffer.alloc(0)).toString('utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line));

import { Readable } from 'node:stream';
import { Decrypter, Encrypter } from 'age-encryption';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { HearthError } from '../errors/hearth-error.ts';

/** How archives are encrypted: an age X25519 recipient (`age1…`) or a passphrase (age scrypt). */
export type AgeKey = { recipient: string } | { passphrase: string; scryptLogN?: number };
/** How archives are decrypted: an age identity (`AGE-SECRET-KEY-1…`) or the passphrase. */
export type AgeSecret = { identity: string } | { passphrase: string };

export const MANIFEST_NAME = 'manifest.json';

/**
 * Packs files into a zip (yazl; stored, not deflated: SQLCipher pages are random-looking and do
 * not compress) and encrypts the zip with age as it is produced. The result is a stream of
 * ciphertext: no plaintext archive is ever written (the files themselves are encrypted databases).
 * Decryptable with the standard `age` tool: `age -d -i key.txt backup.age > backup.zip`.
 */
export async function packEncrypted(files: { name: string; path: string }[], manifest: unknown, key: AgeKey): Promise<Readable> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), MANIFEST_NAME, { compress: false });
  for (const file of files) zip.addFile(file.path, file.name, { compress: false });
  zip.end();
  const encrypter = new Encrypter();
  if ('recipient' in key) encrypter.addRecipient(key.recipient);
  else {
    encrypter.setPassphrase(key.passphrase);
    if (key.scryptLogN !== undefined) encrypter.setScryptWorkFactor(key.scryptLogN);
  }
  const plain = Readable.toWeb(zip.outputStream as Readable) as ReadableStream<Uint8Array>;
  const encrypted = await encrypter.encrypt(plain);
  return Readable.fromWeb(encrypted as import('node:stream/web').ReadableStream<Uint8Array>);
}

/**
 * Decrypts a whole archive into memory and opens the zip. age authenticates every 64 KiB chunk
 * (age spec, "Payload"), and this resolves only after the last one checked out, so a flipped
 * byte anywhere fails here, before the caller writes a single file.
 */
export async function openEncrypted(ciphertext: Readable, secret: AgeSecret): Promise<Map<string, Buffer>> {
  const decrypter = new Decrypter();
  if ('identity' in secret) decrypter.addIdentity(secret.identity);
  else decrypter.addPassphrase(secret.passphrase);
  const chunks: Buffer[] = [];
  try {
    const plain = await decrypter.decrypt(Readable.toWeb(ciphertext) as ReadableStream<Uint8Array>);
    for await (const chunk of plain as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  } catch (error) {
    throw new HearthError('invalid', `the backup archive does not decrypt: ${(error as Error).message} (damaged, tampered with, or the wrong key)`);
  }
  return unzip(Buffer.concat(chunks));
}

function unzip(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolvePromise, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (openError, zip) => {
      if (openError || !zip) return reject(new HearthError('invalid', `the backup archive is not a readable zip: ${openError?.message}`));
      const files = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolvePromise(files));
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          const parts: Buffer[] = [];
          stream.on('data', (part: Buffer) => parts.push(part));
          stream.on('error', reject);
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(parts));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

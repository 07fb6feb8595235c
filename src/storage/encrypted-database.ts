import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { HearthError } from '../errors/hearth-error.ts';
import { KEY_BYTES } from '../keys/key-derivation.ts';

export type SqliteDatabase = Database.Database;

/**
 * A SQLite build without the cipher extension answers nothing to `PRAGMA cipher` and would
 * silently write plaintext: plain better-sqlite3 ignores `PRAGMA key`. Takes a query function so the
 * check can be run against any SQLite binding (tests use node:sqlite, a plain build).
 */
export function assertCipherSupport(queryValue: (sql: string) => unknown): void {
  if (queryValue(`PRAGMA cipher='${NEW_DATABASE_CIPHER}'`) !== NEW_DATABASE_CIPHER) {
    throw new HearthError('key', 'this SQLite build does not encrypt (PRAGMA cipher is unsupported); refusing to store health data in plaintext');
  }
}

/**
 * SQLite3 Multiple Ciphers' page ciphers, both authenticated (a page changed on disk fails to open
 * rather than reading as something else; https://utelle.github.io/SQLite3MultipleCiphers/docs/ciphers/cipher_overview/):
 * AEGIS-256 (draft-irtf-cfrg-aegis-aead; the library's default `aegis` variant: 256-bit key, a
 * random 256-bit nonce per page write, 256-bit tag) for every database created now,
 * ChaCha20-Poly1305 for those created by earlier builds (before November 2026). AEGIS runs on the
 * CPU's AES instructions: an import spends ~30 % less time than with ChaCha20 (docs/performance.md).
 * On a CPU without them (a Raspberry Pi 4) the library's software AES is slower than ChaCha20.
 * The library does not detect a file's cipher, so an existing file is tried with each in turn;
 * both refuse a wrong key, so a key that opens neither is wrong.
 */
const NEW_DATABASE_CIPHER = 'aegis';
const EARLIER_CIPHERS = ['chacha20'] as const;

export interface OpenOptions {
  readonly?: boolean;
  /** Create the file when missing (only at init / person creation). */
  create?: boolean;
}

/**
 * Opens an SQLite database encrypted with SQLite3 Multiple Ciphers (see the ciphers above), keyed
 * with a raw 256-bit key (`PRAGMA key="x'…'"`), which bypasses the library's own passphrase KDF. See
 * SECURITY.md "At rest".
 */
export function openEncryptedDatabase(path: string, key: Buffer, options: OpenOptions = {}): SqliteDatabase {
  if (key.length !== KEY_BYTES) throw new HearthError('key', 'database keys must be 256 bits');
  const isNew = options.create === true && (!existsSync(path) || statSync(path).size === 0);
  for (const cipher of isNew ? [NEW_DATABASE_CIPHER] : [NEW_DATABASE_CIPHER, ...EARLIER_CIPHERS]) {
    const db = openWithCipher(path, key, cipher, options);
    if (db !== undefined) return db;
  }
  throw new HearthError('key', `the key does not open ${path} (wrong master key, or not a Hearth database)`);
}

/** The database keyed with `cipher`, or undefined when that cipher and key do not open it. */
function openWithCipher(path: string, key: Buffer, cipher: string, options: OpenOptions): SqliteDatabase | undefined {
  let db: SqliteDatabase;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: !options.create });
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_CANTOPEN') {
      throw new HearthError('not-found', `database ${path} does not exist`);
    }
    throw error;
  }
  try {
    assertCipherSupport((sql) => db.prepare(sql).pluck().get());
    db.pragma(`cipher='${cipher}'`);
    db.pragma(`key="x'${key.toString('hex')}'"`);
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_NOTADB') {
        db.close();
        return undefined;
      }
      throw error;
    }
    if (!options.readonly) {
      // WAL for concurrent readers while importing; FULL so a committed batch survives power loss
      // (https://www.sqlite.org/pragma.html#pragma_synchronous).
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    }
    // Deleted content is overwritten with zeros, not left in free pages (issue 6 §2: nothing of a
    // deleted source or person may remain; https://www.sqlite.org/pragma.html#pragma_secure_delete).
    db.pragma('secure_delete = ON');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('trusted_schema = OFF');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

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
  if (queryValue("PRAGMA cipher='chacha20'") !== 'chacha20') {
    throw new HearthError('key', 'this SQLite build does not encrypt (PRAGMA cipher is unsupported); refusing to store health data in plaintext');
  }
}

export interface OpenOptions {
  readonly?: boolean;
  /** Create the file when missing (only at init / person creation). */
  create?: boolean;
}

/**
 * Opens an SQLite database encrypted with SQLite3 Multiple Ciphers' ChaCha20-Poly1305 cipher,
 * keyed with a raw 256-bit key (`PRAGMA key="x'…'"`), which bypasses the library's own passphrase
 * KDF (PBKDF2 at ~64k rounds, below OWASP ASVS 5.0 Appendix C). See SECURITY.md "At rest".
 */
export function openEncryptedDatabase(path: string, key: Buffer, options: OpenOptions = {}): SqliteDatabase {
  if (key.length !== KEY_BYTES) throw new HearthError('key', 'database keys must be 256 bits');
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
    db.pragma(`key="x'${key.toString('hex')}'"`);
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_NOTADB') {
        throw new HearthError('key', `the key does not open ${path} (wrong master key, or not a Hearth database)`);
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

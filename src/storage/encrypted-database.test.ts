import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomKey } from '../keys/key-derivation.ts';
import { assertCipherSupport, openEncryptedDatabase } from './encrypted-database.ts';
import { assertSqliteEncrypts, hasPlaintextHeader } from './encryption-self-test.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const CANARY = 'CANARY-7f3a-Hemoglobin-Zebra';

describe('encrypted database', () => {
  it('writes no plaintext to the database, WAL or SHM files', () => {
    const path = join(dir, 'v.db');
    const db = openEncryptedDatabase(path, randomKey(), { create: true });
    db.exec('CREATE TABLE t (x TEXT)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 200; i++) insert.run(`${CANARY} ${i}`);
    // Scan while the WAL still holds the pages, then again after a checkpoint.
    const scan = () => {
      for (const name of readdirSync(dir)) {
        const bytes = readFileSync(join(dir, name));
        expect(bytes.includes(Buffer.from(CANARY, 'utf8')), name).toBe(false);
        expect(bytes.includes(Buffer.from(CANARY, 'utf16le')), name).toBe(false);
      }
    };
    expect(readdirSync(dir).sort()).toEqual(['v.db', 'v.db-shm', 'v.db-wal']);
    scan();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    scan();
    expect(hasPlaintextHeader(path)).toBe(false);
  });

  it('uses WAL with synchronous=FULL', () => {
    const db = openEncryptedDatabase(join(dir, 'w.db'), randomKey(), { create: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    db.close();
  });

  it('refuses a wrong key with a clear error', () => {
    const path = join(dir, 'k.db');
    openEncryptedDatabase(path, randomKey(), { create: true }).exec('CREATE TABLE t (x)');
    expect(() => openEncryptedDatabase(path, randomKey())).toThrow(/the key does not open/);
  });

  it('creates AEGIS-256 databases, and still opens and writes the ChaCha20-Poly1305 ones of earlier versions', () => {
    const key = randomKey();
    const hexKey = `x'${key.toString('hex')}'`;
    const opensWith = (path: string, cipher: string) => {
      const raw = new Database(path);
      try {
        raw.pragma(`cipher='${cipher}'`);
        raw.pragma(`key="${hexKey}"`);
        return raw.prepare('SELECT count(*) FROM t').pluck().get() !== undefined;
      } catch {
        return false;
      } finally {
        raw.close();
      }
    };
    const created = join(dir, 'new.db');
    const db = openEncryptedDatabase(created, key, { create: true });
    db.exec("CREATE TABLE t (x); INSERT INTO t VALUES ('a')");
    db.close();
    expect(opensWith(created, 'aegis')).toBe(true);
    expect(opensWith(created, 'chacha20')).toBe(false);

    // A vault written before AEGIS: ChaCha20-Poly1305 with the same raw key.
    const earlier = join(dir, 'earlier.db');
    const old = new Database(earlier);
    old.pragma("cipher='chacha20'");
    old.pragma(`key="${hexKey}"`);
    old.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES ('a')");
    old.close();
    const reopened = openEncryptedDatabase(earlier, key, { create: true });
    reopened.prepare('INSERT INTO t VALUES (?)').run('b');
    expect(reopened.prepare('SELECT x FROM t ORDER BY x').pluck().all()).toEqual(['a', 'b']);
    reopened.close();
    // It keeps its cipher (nothing re-encrypts it), and a wrong key opens it with neither.
    expect(opensWith(earlier, 'chacha20')).toBe(true);
    expect(() => openEncryptedDatabase(earlier, randomKey())).toThrow(/the key does not open/);
  });

  it('refuses a plaintext database', () => {
    const path = join(dir, 'plain.db');
    const plain = new Database(path);
    plain.exec("CREATE TABLE t (x); INSERT INTO t VALUES ('hello')");
    plain.close();
    expect(hasPlaintextHeader(path)).toBe(true);
    expect(() => openEncryptedDatabase(path, randomKey())).toThrow(/the key does not open/);
  });

  it('refuses a SQLite build that does not encrypt', () => {
    const plain = new DatabaseSync(':memory:');
    expect(() => assertCipherSupport((sql) => (plain.prepare(sql).get() as Record<string, unknown> | undefined)?.cipher)).toThrow(
      /does not encrypt/,
    );
    const cipherBuild = new Database(':memory:');
    expect(() => assertCipherSupport((sql) => cipherBuild.prepare(sql).pluck().get())).not.toThrow();
  });

  it('passes the start-up self-test with this build', () => {
    expect(() => assertSqliteEncrypts(dir)).not.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('does not create a missing database unless asked', () => {
    expect(() => openEncryptedDatabase(join(dir, 'missing.db'), randomKey())).toThrow(/does not exist/);
  });
});

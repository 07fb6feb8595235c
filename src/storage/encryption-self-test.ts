import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HearthError } from '../errors/hearth-error.ts';
import { randomKey } from '../keys/key-derivation.ts';
import { openEncryptedDatabase } from './encrypted-database.ts';

const PLAINTEXT_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
let passed = false;

/** True when the first 16 bytes of the file are SQLite's plaintext magic header. */
export function hasPlaintextHeader(path: string): boolean {
  const header = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return header.equals(PLAINTEXT_HEADER);
}

/**
 * Proves, once per process, that the SQLite build really encrypts: writes a keyed database in a
 * scratch directory, checks the file does not start with the plaintext header and that another key
 * cannot read it. Hearth refuses to start otherwise (SECURITY.md "At rest").
 */
export function assertSqliteEncrypts(scratchParent: string): void {
  if (passed) return;
  const dir = mkdtempSync(join(scratchParent, 'cipher-check-'));
  try {
    const path = join(dir, 'check.db');
    const db = openEncryptedDatabase(path, randomKey(), { create: true });
    db.exec("CREATE TABLE t(x); INSERT INTO t VALUES ('hearth-cipher-check')");
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    if (hasPlaintextHeader(path)) {
      throw new HearthError('key', 'the SQLite build wrote a plaintext database; refusing to start');
    }
    let opened = false;
    try {
      openEncryptedDatabase(path, randomKey()).close();
      opened = true;
    } catch {
      // expected: another key must not open it
    }
    if (opened) throw new HearthError('key', 'the SQLite build accepted a wrong key; refusing to start');
    passed = true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

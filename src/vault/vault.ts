import { existsSync } from 'node:fs';
import { HearthError } from '../errors/hearth-error.ts';
import { deriveKey } from '../keys/key-derivation.ts';
import { openEncryptedDatabase, type SqliteDatabase } from '../storage/encrypted-database.ts';
import { migrate } from '../storage/migrations.ts';
import { VAULT_MIGRATIONS } from './vault-schema.ts';

/** One person's encrypted database. Everything about that person's records lives here. */
export interface Vault {
  personId: string;
  db: SqliteDatabase;
  close(): void;
}

/** Opens (or, with `create`, creates) a vault keyed from the person's data key, migrated to date. */
export function openVault(path: string, personId: string, dataKey: Buffer, options: { create?: boolean } = {}): Vault {
  if (!options.create && !existsSync(path)) {
    throw new HearthError('not-found', `the vault of person ${personId} is missing (${path})`);
  }
  const db = openEncryptedDatabase(path, deriveKey(dataKey, 'vault-db'), { create: options.create ?? false });
  try {
    // The search index must stay in memory: an encrypted page read from disk is decrypted again on
    // every access, and with SQLite's default 2 MiB cache typical searches take 60-150 ms instead of
    // a few. 64 MiB is an upper bound, used only as the vault grows.
    db.pragma('cache_size = -65536');
    migrate(db, VAULT_MIGRATIONS, 'vault');
  } catch (error) {
    db.close();
    throw error;
  }
  return { personId, db, close: () => db.close() };
}

import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { auditLog } from '../audit/index.ts';
import { openSystem, type Instance } from '../instance/instance.ts';
import type { PeopleService } from '../people/people-service.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { appliedMigrationCount } from '../storage/migrations.ts';
import { HEARTH_VERSION } from '../version.ts';
import { canonicalHash, canonicalJson } from '../export/canonical-hash.ts';
import { scrubCopy } from './escrow.ts';

export interface DatabaseEntry {
  /** Path inside the archive: `system.db` or `vaults/<person id>.db`. */
  file: string;
  size: number;
  /** SHA-256 of the (SQLCipher-encrypted) database file. */
  sha256: string;
}

export interface PersonEntry {
  id: string;
  file: string;
  total: number;
  counts: Record<string, number>;
  /** export/canonical-hash.ts over the person's current resources. */
  canonicalHash: string;
}

/** manifest.json inside every archive, and the same JSON in the system database's backup log. */
export interface BackupManifest {
  format: 'hearth-backup/1';
  id: string;
  system: string;
  createdAt: string;
  hearthVersion: string;
  systemMigrations: number;
  /** Canonical hash of the people list (id, created) and the account names: what system.db holds. */
  systemHash: string;
  databases: DatabaseEntry[];
  people: PersonEntry[];
  /** Always false: master.key is never in a backup; keep it separately (README "Backups"). */
  masterKeyIncluded: false;
  keyringIncluded: boolean;
  /**
   * True when system.db inside holds no wrapped data key and no person's name (escrow.ts): the
   * keys are in the target's `keys/escrow.age`. Absent in archives from before key escrow.
   */
  keysEscrowed?: true;
}

/** A snapshot directory opened with the master key: its system database and people's vaults. */
export interface OpenedCopy {
  system: SqliteDatabase;
  people: PeopleService;
  close(): void;
}

/** Opens system.db + vaults/ under `dir` with the master key, migrating them to this Hearth. */
export function openCopy(dir: string, masterKey: Buffer): OpenedCopy {
  const { system, people } = openSystem(join(dir, 'system.db'), (personId) => join(dir, 'vaults', `${personId}.db`), masterKey);
  return { system, people, close: () => system.close() };
}

export function systemHash(system: SqliteDatabase): string {
  const people = system.prepare('SELECT id, created_at FROM people ORDER BY id').all();
  const accounts = system.prepare('SELECT username FROM accounts ORDER BY username').pluck().all();
  return createHash('sha256').update(canonicalJson({ people, accounts })).digest('hex');
}

/** Retries a write refused with SQLITE_BUSY (after SQLite's own 5 s busy_timeout), for up to ~2 min. */
export async function appendWhenFree(write: () => void): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return write();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Counts per type and the canonical hash of one opened vault (export/canonical-hash.ts, streamed a page at a time). */
export function describeVault(db: SqliteDatabase): { total: number; counts: Record<string, number>; canonicalHash: string } {
  const { sha256, count, counts } = canonicalHash(db);
  return { total: count, counts, canonicalHash: sha256 };
}

export function fileSha256(path: string): Promise<{ size: number; sha256: string }> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    let size = 0;
    createReadStream(path)
      .on('data', (chunk) => {
        size += (chunk as Buffer).length;
        hash.update(chunk as Buffer);
      })
      .on('error', reject)
      .on('end', () => resolvePromise({ size, sha256: hash.digest('hex') }));
  });
}

/**
 * A consistent copy of system.db and every live vault into `dir`, taken while Hearth may be
 * serving. `VACUUM INTO` runs inside one read transaction, so each copy is one consistent state
 * of its database (https://www.sqlite.org/lang_vacuum.html#vacuuminto), and SQLite3 Multiple
 * Ciphers writes it encrypted with the source's cipher and key. better-sqlite3's `db.backup()`
 * (the online backup API) cannot be used: it opens the target without a key and SQLite3MC then
 * refuses ("backup is not supported with incompatible source and target databases"), rightly, as
 * the alternative would be a plaintext copy. The manifest is computed from the copies themselves.
 * The system.db copy is then scrubbed of wrapped keys and names (escrow.ts, crypto-shredding).
 */
export async function takeSnapshot(instance: Instance, masterKey: Buffer, dir: string, id: string, now: Date, actor: string): Promise<{ manifest: BackupManifest; files: { name: string; path: string }[] }> {
  mkdirSync(join(dir, 'vaults'), { recursive: true, mode: 0o700 });
  instance.system.prepare('VACUUM INTO ?').run(join(dir, 'system.db'));
  const live = instance.system.prepare('SELECT person_id FROM person_keys WHERE wrapped IS NOT NULL ORDER BY person_id').pluck().all() as string[];
  for (const personId of live) {
    const vault = instance.people.openVault(personId);
    try {
      vault.db.prepare('VACUUM INTO ?').run(join(dir, 'vaults', `${personId}.db`));
      // Copying a person's records is an access to them. VACUUM INTO only reads, so it never waits
      // for a writer (WAL); this entry is a write and may meet another process's import batch.
      await appendWhenFree(() => auditLog(vault.db).append({ actor, personId, action: 'backup', outcome: 'success', what: { query: `backup=${id}` } }));
    } finally {
      vault.close();
    }
  }
  const copy = openCopy(dir, masterKey);
  const people: PersonEntry[] = [];
  let hash: string;
  let migrations: number;
  try {
    hash = systemHash(copy.system);
    migrations = appliedMigrationCount(copy.system);
    // The copy of system.db may list a person whose key was live a moment earlier: follow the copy.
    const inCopy = copy.system.prepare('SELECT person_id FROM person_keys WHERE wrapped IS NOT NULL ORDER BY person_id').pluck().all() as string[];
    for (const personId of inCopy) {
      const file = `vaults/${personId}.db`;
      if (!existsSync(join(dir, file))) continue;
      const vault = copy.people.openVault(personId);
      try {
        people.push({ id: personId, file, ...describeVault(vault.db) });
      } finally {
        vault.close();
      }
    }
    // Last, once the copies have been described (which needs the keys): nothing in the archive's
    // system.db may open a vault or name a person; the escrow holds that (escrow.ts).
    scrubCopy(copy.system);
  } finally {
    copy.close();
  }
  const names = ['system.db', ...people.map((p) => p.file)];
  const databases: DatabaseEntry[] = [];
  for (const name of names) databases.push({ file: name, ...(await fileSha256(join(dir, name))) });
  const files = names.map((name) => ({ name, path: join(dir, name) }));
  const keyringIncluded = existsSync(instance.paths.keyringFile);
  // keyring.json holds only the public salt and argon2 parameters of a passphrase master key.
  if (keyringIncluded) files.push({ name: 'keyring.json', path: instance.paths.keyringFile });
  const manifest: BackupManifest = {
    format: 'hearth-backup/1',
    id,
    system: hostname(),
    createdAt: now.toISOString(),
    hearthVersion: HEARTH_VERSION,
    systemMigrations: migrations,
    systemHash: hash,
    databases,
    people,
    masterKeyIncluded: false,
    keyringIncluded,
    keysEscrowed: true,
  };
  return { manifest, files };
}

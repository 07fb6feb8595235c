import { existsSync, mkdirSync } from 'node:fs';
import { HearthError } from '../errors/hearth-error.ts';
import { deriveKey } from '../keys/key-derivation.ts';
import { peopleRepository } from '../people/people-repository.ts';
import { peopleService, type PeopleService } from '../people/people-service.ts';
import { openEncryptedDatabase, type SqliteDatabase } from '../storage/encrypted-database.ts';
import { assertSqliteEncrypts } from '../storage/encryption-self-test.ts';
import { migrate } from '../storage/migrations.ts';
import { dataPaths, vaultPath, type DataPaths } from './data-dir.ts';
import { createMasterKey, loadMasterKey, type KeyOrigin } from './master-key-source.ts';
import { SYSTEM_MIGRATIONS } from './system-schema.ts';

/** An opened Hearth data directory: the system database and the way to each person's vault. */
export interface Instance {
  paths: DataPaths;
  keyOrigin: KeyOrigin;
  system: SqliteDatabase;
  people: PeopleService;
  /** Seals TOTP seeds (keys/sealed-secret.ts); derived from the master key, which is not kept. */
  totpSeedKey: Buffer;
  /** Seals provider client secrets, private keys and tokens (smart/); purpose 'provider-secrets'. */
  providerSecretKey: Buffer;
  close(): void;
}

export interface InitResult {
  paths: DataPaths;
  created: boolean;
  keyOrigin: KeyOrigin;
  keyFile?: string;
}

function prepareDirectories(paths: DataPaths): void {
  for (const dir of [paths.root, paths.vaultsDir, paths.tmpDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** `hearth init`: creates the data directory, the master key (unless given) and the system database. */
export async function initInstance(root: string, env: NodeJS.ProcessEnv = process.env): Promise<InitResult> {
  const paths = dataPaths(root);
  prepareDirectories(paths);
  assertSqliteEncrypts(paths.tmpDir);
  if (existsSync(paths.systemDb)) {
    const { origin, keyFile } = await loadMasterKey(paths, env);
    return { paths, created: false, keyOrigin: origin, ...(keyFile ? { keyFile } : {}) };
  }
  const { key, origin, keyFile } = await createMasterKey(paths, env);
  const system = openEncryptedDatabase(paths.systemDb, deriveKey(key, 'system-db'), { create: true });
  try {
    migrate(system, SYSTEM_MIGRATIONS, 'system');
    system.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('created_at', new Date().toISOString());
  } finally {
    system.close();
  }
  return { paths, created: true, keyOrigin: origin, ...(keyFile ? { keyFile } : {}) };
}

/**
 * The system database under a master key, migrated to this Hearth, and the people service over
 * it: what an instance and a backup snapshot's copy (backup/snapshot.ts) both open.
 */
export function openSystem(systemDb: string, vaultPathOf: (personId: string) => string, masterKey: Buffer): { system: SqliteDatabase; people: PeopleService } {
  const system = openEncryptedDatabase(systemDb, deriveKey(masterKey, 'system-db'));
  try {
    migrate(system, SYSTEM_MIGRATIONS, 'system');
  } catch (error) {
    system.close();
    throw error;
  }
  const people = peopleService({ repository: peopleRepository(system), kek: deriveKey(masterKey, 'wrap-person-key'), vaultPathOf });
  return { system, people };
}

export async function openInstance(root: string, env: NodeJS.ProcessEnv = process.env): Promise<Instance> {
  const paths = dataPaths(root);
  if (!existsSync(paths.systemDb)) {
    throw new HearthError('not-found', `no Hearth data in ${paths.root}; run "hearth init" first (or pass --data-dir)`);
  }
  prepareDirectories(paths);
  assertSqliteEncrypts(paths.tmpDir);
  const { key, origin } = await loadMasterKey(paths, env);
  const { system, people } = openSystem(paths.systemDb, (personId) => vaultPath(paths, personId), key);
  const totpSeedKey = deriveKey(key, 'totp-seed');
  const providerSecretKey = deriveKey(key, 'provider-secrets');
  key.fill(0);
  return { paths, keyOrigin: origin, system, people, totpSeedKey, providerSecretKey, close: () => system.close() };
}

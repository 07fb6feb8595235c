import type { Migration } from '../storage/migrations.ts';
import { AUDIT_LOG_MIGRATION } from '../audit/audit-schema.ts';

/** The system database: people, their wrapped data keys, sources and settings. Append-only. */
export const SYSTEM_MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'people, keys, sources, settings',
    up: (db) =>
      db.exec(`
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE people (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          created_at TEXT NOT NULL
        );
        -- One random data key per person, wrapped under the master key. Setting wrapped to NULL
        -- destroys it: the person's vault (and any backup of it) can no longer be decrypted.
        CREATE TABLE person_keys (
          person_id TEXT PRIMARY KEY REFERENCES people(id),
          wrapped BLOB,
          created_at TEXT NOT NULL,
          destroyed_at TEXT
        );
        CREATE TABLE sources (
          id TEXT PRIMARY KEY,
          person_id TEXT NOT NULL REFERENCES people(id),
          kind TEXT NOT NULL CHECK (kind IN ('file', 'manual', 'provider')),
          label TEXT NOT NULL,
          base_url TEXT,
          created_at TEXT NOT NULL,
          UNIQUE (person_id, kind, label)
        );
      `),
  },
  // The same audit tables in every Hearth database (see audit-schema.ts).
  AUDIT_LOG_MIGRATION,
  {
    id: 3,
    name: 'accounts and grants',
    up: (db) =>
      db.exec(`
        CREATE TABLE accounts (
          id TEXT PRIMARY KEY,
          username TEXT NOT NULL UNIQUE COLLATE NOCASE,
          password_hash TEXT NOT NULL, -- argon2id PHC string (accounts/passwords.ts)
          is_owner INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          disabled_at TEXT,
          password_changed_at TEXT NOT NULL
        );
        -- At most one instance owner; the accounts service says so in words first.
        CREATE UNIQUE INDEX accounts_one_owner ON accounts (is_owner) WHERE is_owner = 1;
        -- What an account may do for a person (access/access.ts reads them, nothing else decides).
        CREATE TABLE grants (
          account_id TEXT NOT NULL REFERENCES accounts(id),
          person_id TEXT NOT NULL REFERENCES people(id),
          role TEXT NOT NULL CHECK (role IN ('owner', 'manager', 'viewer')),
          created_at TEXT NOT NULL,
          PRIMARY KEY (account_id, person_id)
        );
        CREATE INDEX grants_by_person ON grants (person_id);
      `),
  },
];

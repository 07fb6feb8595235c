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
];

import type { Migration } from '../storage/migrations.ts';
import { AUDIT_LOG_MIGRATION } from '../audit/audit-schema.ts';
import { BACKUP_LOG_MIGRATION } from '../backup/backup-schema.ts';
import { SMART_CLIENT_MIGRATION } from '../smart/smart-schema.ts';
import { SYNC_MIGRATION } from '../sync/sync-schema.ts';

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
  {
    id: 4,
    name: 'sessions',
    up: (db) =>
      db.exec(`
        -- Server-side sessions (sessions/sessions-service.ts). Only the SHA-256 of the opaque id is
        -- kept: a stolen database gives no usable session. Times are milliseconds since the epoch.
        CREATE TABLE sessions (
          id_hash TEXT PRIMARY KEY,
          account_id TEXT NOT NULL REFERENCES accounts(id),
          created_at INTEGER NOT NULL,
          last_seen_at INTEGER NOT NULL,
          user_agent TEXT,
          address TEXT
        );
        CREATE INDEX sessions_by_account ON sessions (account_id);
        -- Evaluated failed logins, for the per-account limit (ASVS 4.0.3 2.2.1). account_key is the
        -- lowercased username, known or not, so the limiter does not tell which usernames exist.
        CREATE TABLE login_failures (
          account_key TEXT NOT NULL,
          at INTEGER NOT NULL
        );
        CREATE INDEX login_failures_by_key ON login_failures (account_key, at);
      `),
  },
  {
    id: 5,
    name: 'second factor, re-authentication, invites',
    up: (db) =>
      db.exec(`
        -- RFC 6238 TOTP per account. The seed is sealed with AES-256-GCM under a key derived from the
        -- master key (keys/sealed-secret.ts, purpose 'totp-seed', AAD = account id), never plaintext
        -- (SECURITY.md). confirmed_at NULL = set up but not confirmed yet (not asked at sign-in).
        -- last_step is the RFC 6238 time-step of the last accepted code: each code works once.
        CREATE TABLE account_totp (
          account_id TEXT PRIMARY KEY REFERENCES accounts(id),
          sealed_seed BLOB NOT NULL,
          created_at INTEGER NOT NULL,
          confirmed_at INTEGER,
          last_step INTEGER
        );
        -- Single-use recovery codes, as SHA-256 of the normalised code (60 random bits each).
        CREATE TABLE recovery_codes (
          account_id TEXT NOT NULL REFERENCES accounts(id),
          code_hash TEXT NOT NULL,
          used_at INTEGER,
          PRIMARY KEY (account_id, code_hash)
        );
        -- When the session last proved its password again (POST /api/reauth), ms since the epoch.
        ALTER TABLE sessions ADD COLUMN reauth_at INTEGER;
        -- Invitations to create an account (never open sign-up). Only the SHA-256 of the token is kept.
        CREATE TABLE invites (
          id TEXT PRIMARY KEY,
          token_hash TEXT NOT NULL UNIQUE,
          created_by TEXT NOT NULL REFERENCES accounts(id),
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          used_at INTEGER,
          used_by TEXT REFERENCES accounts(id),
          revoked_at INTEGER
        );
        CREATE TABLE invite_grants (
          invite_id TEXT NOT NULL REFERENCES invites(id),
          person_id TEXT NOT NULL REFERENCES people(id),
          role TEXT NOT NULL CHECK (role IN ('owner', 'manager', 'viewer')),
          PRIMARY KEY (invite_id, person_id)
        );
      `),
  },
  BACKUP_LOG_MIGRATION,
  SMART_CLIENT_MIGRATION,
  SYNC_MIGRATION,
];

import type { Migration } from '../storage/migrations.ts';

/**
 * System migration 6: the backup log (issue 6 §4). One row per backup attempt; a row only becomes
 * 'ok' after every copy was written, fsynced and its SHA-256 read back equal to the manifest's, so a
 * process killed mid-way leaves 'running' (later marked 'failed') and never a good-looking backup.
 * Numbered 6 by agreement with the deletion work (7); a renumber at merge is expected.
 */
export const BACKUP_LOG_MIGRATION: Migration = {
  id: 6,
  name: 'backup log and verifications',
  up: (db) =>
    db.exec(`
      CREATE TABLE backups (
        id TEXT PRIMARY KEY,
        started_at INTEGER NOT NULL,      -- ms since the epoch, UTC
        finished_at INTEGER,
        status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'pruned')),
        pid INTEGER,                      -- the process writing it, to tell a crash from a live run
        error TEXT,
        size INTEGER,
        sha256 TEXT,                      -- of the age-encrypted archive, equal in every copy
        manifest TEXT,                    -- JSON, the same as manifest.json inside the archive
        copies TEXT,                      -- JSON [{ target, location, ok, problem? }]
        pruned_at INTEGER,
        pruned_reason TEXT
      );
      CREATE INDEX backups_by_time ON backups (started_at);
      CREATE TABLE backup_verifications (
        backup_id TEXT NOT NULL REFERENCES backups(id),
        at INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        problems TEXT NOT NULL            -- JSON list of strings, empty when ok
      );
      CREATE INDEX backup_verifications_by_backup ON backup_verifications (backup_id, at);
    `),
};

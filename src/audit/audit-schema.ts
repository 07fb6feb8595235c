import type { Migration } from '../storage/migrations.ts';

/**
 * Migration 2 of BOTH the vault and the system database: the same audit tables in each, so one
 * `auditLog(db)` serves entries about a person (their vault) and account events (the system
 * database). Shipped: never edit this, add a new migration instead.
 *
 * `audit_head` holds one row (id = 1): the number of entries, the last seq and the last hash,
 * updated in the same transaction as each append. The chain alone cannot show that entries were
 * cut from its end; the head can (unless it was rewritten too, see audit-log.ts).
 */
export const AUDIT_LOG_MIGRATION: Migration = {
  id: 2,
  name: 'audit log',
  up: (db) =>
    db.exec(`
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        recorded_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        on_behalf_of TEXT,
        person_id TEXT,
        action TEXT NOT NULL,
        what TEXT, -- JSON: {type?, ids?, query?}
        outcome TEXT NOT NULL, -- 'success' | 'failure' | 'denied'
        source_address TEXT,
        request_id TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_log_by_time ON audit_log (recorded_at);
      CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        entries INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        last_hash TEXT NOT NULL
      );
      INSERT INTO audit_head (id, entries, last_seq, last_hash) VALUES (1, 0, 0, '${'0'.repeat(64)}');
    `),
};

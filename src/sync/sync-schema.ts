import type { Migration } from '../storage/migrations.ts';

/**
 * System migration 8: provider syncs (issue 4 §5). One row per sync job; `checkpoint` (JSON: the
 * step, the next page URL, counts so far) is rewritten after every committed page, so a job found
 * 'running' at start-up (the process was killed) resumes from its last page. `results` holds per
 * resource type {new, updated, unchanged, warnings[], errors[]}: warnings and errors are PHI-free by
 * construction (a resource type, an HTTP status, an OperationOutcome issue *code*; never diagnostics
 * text, which servers fill with names and values).
 * Smart owns migration 7 (provider connections); this one only refers to `sources`.
 */
export const SYNC_MIGRATION: Migration = {
  id: 8,
  name: 'sync jobs and schedules',
  up: (db) =>
    db.exec(`
      CREATE TABLE sync_jobs (
        id TEXT PRIMARY KEY,
        source_id TEXT NOT NULL REFERENCES sources(id),
        person_id TEXT NOT NULL REFERENCES people(id),
        actor TEXT NOT NULL,             -- who asked, for the audit entry (an account id, 'cli:…', 'scheduler')
        trigger TEXT NOT NULL CHECK (trigger IN ('manual', 'schedule', 'connect')),
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'partial', 'cancelled')),
        created_at INTEGER NOT NULL,     -- ms since the epoch, UTC
        started_at INTEGER,
        finished_at INTEGER,
        checkpoint TEXT,                 -- JSON, see sync/sync-checkpoint.ts
        results TEXT,                    -- JSON per resource type
        error TEXT                       -- a PHI-free code ('reconnect_needed', 'http_503', …)
      );
      CREATE INDEX sync_jobs_by_source ON sync_jobs (source_id, created_at);
      -- At most one unfinished job per source.
      CREATE UNIQUE INDEX sync_jobs_one_active ON sync_jobs (source_id) WHERE state IN ('queued', 'running');
      CREATE TABLE sync_schedules (
        source_id TEXT PRIMARY KEY REFERENCES sources(id),
        interval_hours INTEGER NOT NULL DEFAULT 24 CHECK (interval_hours > 0),
        next_run_at INTEGER,
        last_success_at INTEGER,
        since TEXT                       -- the _lastUpdated watermark for the next incremental sync
      );
    `),
};

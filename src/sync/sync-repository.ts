import { randomUUID } from 'node:crypto';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import type { SyncCheckpoint, SyncJob, SyncResults, SyncState, SyncTrigger } from './sync-types.ts';

/** A sync_jobs row as SQL gives it: the JSON columns still text. */
type JobRow = Omit<SyncJob, 'checkpoint' | 'results'> & { checkpoint: string | null; results: string | null };

const COLUMNS = `id, source_id AS sourceId, person_id AS personId, actor, trigger, state, created_at AS createdAt,
  started_at AS startedAt, finished_at AS finishedAt, checkpoint, results, error`;

const toJob = (row: JobRow): SyncJob => ({
  ...row,
  checkpoint: row.checkpoint ? (JSON.parse(row.checkpoint) as SyncCheckpoint) : null,
  results: row.results ? (JSON.parse(row.results) as SyncResults) : {},
});

export interface Schedule {
  sourceId: string;
  intervalHours: number;
  nextRunAt: number | null;
  lastSuccessAt: number | null;
  since: string | null;
}

/** SQL for sync jobs and schedules (system database, migration 8). */
export function syncRepository(db: SqliteDatabase) {
  const insertJob = db.prepare("INSERT INTO sync_jobs (id, source_id, person_id, actor, trigger, state, created_at, results) VALUES (?, ?, ?, ?, ?, 'queued', ?, '{}')");
  const selectJob = db.prepare(`SELECT ${COLUMNS} FROM sync_jobs WHERE id = ?`);
  const selectActive = db.prepare(`SELECT ${COLUMNS} FROM sync_jobs WHERE source_id = ? AND state IN ('queued', 'running')`);
  const selectAllActive = db.prepare(`SELECT ${COLUMNS} FROM sync_jobs WHERE state IN ('queued', 'running') ORDER BY created_at`);
  const selectHistory = db.prepare(`SELECT ${COLUMNS} FROM sync_jobs WHERE source_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`);
  const markRunning = db.prepare("UPDATE sync_jobs SET state = 'running', started_at = COALESCE(started_at, ?) WHERE id = ?");
  const saveProgress = db.prepare('UPDATE sync_jobs SET checkpoint = ?, results = ? WHERE id = ?');
  const finishJob = db.prepare('UPDATE sync_jobs SET state = ?, finished_at = ?, results = ?, error = ? WHERE id = ?');
  const deleteJobs = db.prepare('DELETE FROM sync_jobs WHERE source_id = ?');
  const selectSchedule = db.prepare('SELECT source_id AS sourceId, interval_hours AS intervalHours, next_run_at AS nextRunAt, last_success_at AS lastSuccessAt, since FROM sync_schedules WHERE source_id = ?');
  const upsertSchedule = db.prepare(
    `INSERT INTO sync_schedules (source_id, interval_hours, next_run_at) VALUES (?, ?, ?)
     ON CONFLICT (source_id) DO UPDATE SET interval_hours = excluded.interval_hours, next_run_at = excluded.next_run_at`,
  );
  const recordSuccess = db.prepare('UPDATE sync_schedules SET last_success_at = ?, since = ?, next_run_at = ? WHERE source_id = ?');
  const setNextRun = db.prepare('UPDATE sync_schedules SET next_run_at = ? WHERE source_id = ?');
  const selectDue = db.prepare(
    `SELECT s.source_id FROM sync_schedules s JOIN sources src ON src.id = s.source_id
     WHERE src.kind = 'provider' AND s.next_run_at IS NOT NULL AND s.next_run_at <= ?
       AND NOT EXISTS (SELECT 1 FROM sync_jobs j WHERE j.source_id = s.source_id AND j.state IN ('queued', 'running'))`,
  ).pluck();
  const deleteSchedule = db.prepare('DELETE FROM sync_schedules WHERE source_id = ?');

  return {
    createJob(sourceId: string, personId: string, actor: string, trigger: SyncTrigger, now: number): SyncJob {
      const id = randomUUID();
      insertJob.run(id, sourceId, personId, actor, trigger, now);
      return toJob(selectJob.get(id) as JobRow);
    },
    job: (id: string): SyncJob | undefined => {
      const row = selectJob.get(id) as JobRow | undefined;
      return row ? toJob(row) : undefined;
    },
    activeJob: (sourceId: string): SyncJob | undefined => {
      const row = selectActive.get(sourceId) as JobRow | undefined;
      return row ? toJob(row) : undefined;
    },
    /** Jobs left 'queued' or 'running' (by a process that died): resumed at server start. */
    unfinishedJobs: () => (selectAllActive.all() as JobRow[]).map(toJob),
    history: (sourceId: string, limit = 50) => (selectHistory.all(sourceId, limit) as JobRow[]).map(toJob),
    markRunning: (id: string, now: number) => void markRunning.run(now, id),
    saveProgress: (id: string, checkpoint: SyncCheckpoint, results: SyncResults) => void saveProgress.run(JSON.stringify(checkpoint), JSON.stringify(results), id),
    finish: (id: string, state: SyncState, now: number, results: SyncResults, error: string | null) => void finishJob.run(state, now, JSON.stringify(results), error, id),
    schedule: (sourceId: string) => selectSchedule.get(sourceId) as Schedule | undefined,
    setSchedule: (sourceId: string, intervalHours: number, nextRunAt: number | null) => void upsertSchedule.run(sourceId, intervalHours, nextRunAt),
    recordSuccess: (sourceId: string, now: number, since: string, nextRunAt: number) => void recordSuccess.run(now, since, nextRunAt, sourceId),
    setNextRun: (sourceId: string, nextRunAt: number | null) => void setNextRun.run(nextRunAt, sourceId),
    dueSources: (now: number) => selectDue.all(now) as string[],
    /** A deleted source's jobs and schedule (deletion-service calls it with the source row). */
    forgetSource: db.transaction((sourceId: string) => {
      deleteJobs.run(sourceId);
      deleteSchedule.run(sourceId);
    }),
  };
}

export type SyncRepository = ReturnType<typeof syncRepository>;

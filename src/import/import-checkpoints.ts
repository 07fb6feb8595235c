import { randomUUID } from 'node:crypto';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';

/**
 * SQL for imports and their per-file checkpoints in the vault. `items_done` is written in the same
 * transaction as the batch it follows: after a crash the import resumes after the last committed
 * batch, and since writes are idempotent even a lost checkpoint only costs time.
 */
export function importCheckpoints(db: SqliteDatabase) {
  const selectRunning = db.prepare("SELECT id FROM imports WHERE source_id = ? AND status = 'running' ORDER BY started_at DESC LIMIT 1").pluck();
  const insertImport = db.prepare("INSERT INTO imports (id, source_id, started_at, status) VALUES (?, ?, ?, 'running')");
  const finishImport = db.prepare('UPDATE imports SET status = ?, finished_at = ?, summary = ? WHERE id = ?');
  const selectFile = db.prepare('SELECT items_done AS itemsDone, finished FROM import_files WHERE import_id = ? AND fingerprint = ?');
  const upsertFile = db.prepare(
    `INSERT INTO import_files (import_id, fingerprint, path, items_done, finished) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (import_id, fingerprint) DO UPDATE SET items_done = excluded.items_done, finished = excluded.finished, path = excluded.path`,
  );
  return {
    /** The unfinished import of this source to resume, or a new one. */
    begin(sourceId: string): { importId: string; resumed: boolean } {
      const running = selectRunning.get(sourceId) as string | undefined;
      if (running) return { importId: running, resumed: true };
      const importId = randomUUID();
      insertImport.run(importId, sourceId, new Date().toISOString());
      return { importId, resumed: false };
    },
    fileProgress(importId: string, fingerprint: string): { itemsDone: number; finished: boolean } {
      const row = selectFile.get(importId, fingerprint) as { itemsDone: number; finished: number } | undefined;
      return { itemsDone: row?.itemsDone ?? 0, finished: row?.finished === 1 };
    },
    saveFileProgress(importId: string, fingerprint: string, path: string, itemsDone: number, finished: boolean): void {
      upsertFile.run(importId, fingerprint, path, itemsDone, finished ? 1 : 0);
    },
    finish(importId: string, status: 'done' | 'failed', summary: unknown): void {
      finishImport.run(status, new Date().toISOString(), JSON.stringify(summary), importId);
    },
  };
}

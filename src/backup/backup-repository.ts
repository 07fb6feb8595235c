import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import type { BackupManifest } from './snapshot.ts';

export interface BackupCopy {
  target: string;
  ok: boolean;
  problem?: string;
}

export interface BackupRow {
  id: string;
  startedAt: number;
  finishedAt: number | null;
  status: 'running' | 'ok' | 'failed' | 'pruned';
  pid: number | null;
  error: string | null;
  size: number | null;
  sha256: string | null;
  manifest: BackupManifest | null;
  copies: BackupCopy[];
  prunedReason: string | null;
}

export interface VerificationRow {
  backupId: string;
  at: number;
  ok: boolean;
  problems: string[];
}

type Raw = Omit<BackupRow, 'manifest' | 'copies'> & { manifest: string | null; copies: string | null };
const COLUMNS = `id, started_at AS startedAt, finished_at AS finishedAt, status, pid, error, size, sha256, manifest, copies, pruned_reason AS prunedReason`;
const parse = (raw: Raw): BackupRow => ({ ...raw, manifest: raw.manifest ? JSON.parse(raw.manifest) : null, copies: raw.copies ? JSON.parse(raw.copies) : [] });

/** SQL for the backup log (migration 6). */
export function backupRepository(db: SqliteDatabase) {
  return {
    start(id: string, at: number, pid: number): void {
      db.prepare("INSERT INTO backups (id, started_at, status, pid) VALUES (?, ?, 'running', ?)").run(id, at, pid);
    },
    finish(id: string, at: number, fields: { size: number; sha256: string; manifest: BackupManifest; copies: BackupCopy[] }): void {
      db.prepare("UPDATE backups SET status = 'ok', finished_at = ?, size = ?, sha256 = ?, manifest = ?, copies = ? WHERE id = ?").run(
        at, fields.size, fields.sha256, JSON.stringify(fields.manifest), JSON.stringify(fields.copies), id,
      );
    },
    fail(id: string, at: number, error: string, copies: BackupCopy[] = []): void {
      db.prepare("UPDATE backups SET status = 'failed', finished_at = ?, error = ?, copies = ? WHERE id = ?").run(at, error, JSON.stringify(copies), id);
    },
    updateCopies(id: string, copies: BackupCopy[]): void {
      db.prepare('UPDATE backups SET copies = ? WHERE id = ?').run(JSON.stringify(copies), id);
    },
    markPruned(id: string, at: number, reason: string): void {
      db.prepare("UPDATE backups SET status = 'pruned', pruned_at = ?, pruned_reason = ? WHERE id = ?").run(at, reason, id);
    },
    running: (): BackupRow[] => (db.prepare(`SELECT ${COLUMNS} FROM backups WHERE status = 'running'`).all() as Raw[]).map(parse),
    get(id: string): BackupRow | undefined {
      const raw = db.prepare(`SELECT ${COLUMNS} FROM backups WHERE id = ?`).get(id) as Raw | undefined;
      return raw && parse(raw);
    },
    list: (): BackupRow[] => (db.prepare(`SELECT ${COLUMNS} FROM backups ORDER BY started_at DESC, id DESC`).all() as Raw[]).map(parse),
    recordVerification(row: VerificationRow): void {
      db.prepare('INSERT INTO backup_verifications (backup_id, at, ok, problems) VALUES (?, ?, ?, ?)').run(row.backupId, row.at, row.ok ? 1 : 0, JSON.stringify(row.problems));
    },
    lastVerification(backupId?: string): VerificationRow | undefined {
      const raw = (backupId
        ? db.prepare('SELECT backup_id AS backupId, at, ok, problems FROM backup_verifications WHERE backup_id = ? ORDER BY at DESC, rowid DESC LIMIT 1').get(backupId)
        : db.prepare('SELECT backup_id AS backupId, at, ok, problems FROM backup_verifications ORDER BY at DESC, rowid DESC LIMIT 1').get()) as
        | { backupId: string; at: number; ok: number; problems: string }
        | undefined;
      return raw && { backupId: raw.backupId, at: raw.at, ok: raw.ok === 1, problems: JSON.parse(raw.problems) };
    },
    /** When each person's data key was destroyed (deletion); people no longer listed count as deleted. */
    deletions(): Map<string, number> {
      const rows = db.prepare('SELECT person_id AS id, destroyed_at AS at FROM person_keys WHERE wrapped IS NULL').all() as { id: string; at: string | null }[];
      return new Map(rows.map((row) => [row.id, row.at ? Date.parse(row.at) : 0]));
    },
    livePeople: (): Set<string> => new Set(db.prepare('SELECT id FROM people').pluck().all() as string[]),
    /** People whose data key still exists: everyone a key escrow must list. */
    keyedPeople: (): Set<string> => new Set(db.prepare('SELECT person_id FROM person_keys WHERE wrapped IS NOT NULL').pluck().all() as string[]),
  };
}

export type BackupRepository = ReturnType<typeof backupRepository>;

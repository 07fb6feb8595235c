import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { syncRepository } from './sync-repository.ts';
import type { SyncJob } from './sync-types.ts';

export interface SourceSyncSummary {
  /** 'connected' | 'reconnect_needed' … from smart's provider connection; null for file/manual sources. */
  status: string | null;
  lastSuccessAt: number | null;
  nextRunAt: number | null;
  intervalHours: number | null;
  lastJob: SyncJob | null;
}

/**
 * The sync side of a source listing (GET /api/people/:personId/sources, `hearth source list`):
 * schedule, last job and the connection status. The connection table belongs to smart (migration 7):
 * read only when present, so this works before and after it.
 */
export function sourceSyncSummaries(db: SqliteDatabase, sources: { id: string; kind: string }[]): Map<string, SourceSyncSummary> {
  const repository = syncRepository(db);
  const hasConnections = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'provider_connections'").get() !== undefined;
  let statusOf = (_sourceId: string): string | null => null;
  if (hasConnections) {
    try {
      const statement = db.prepare('SELECT status FROM provider_connections WHERE source_id = ?').pluck();
      statusOf = (sourceId) => (statement.get(sourceId) as string | undefined) ?? null;
    } catch {
      /* another shape of smart's table: no status */
    }
  }
  const summaries = new Map<string, SourceSyncSummary>();
  for (const source of sources) {
    if (source.kind !== 'provider') continue;
    const schedule = repository.schedule(source.id);
    summaries.set(source.id, {
      status: statusOf(source.id),
      lastSuccessAt: schedule?.lastSuccessAt ?? null,
      nextRunAt: schedule?.nextRunAt ?? null,
      intervalHours: schedule?.intervalHours ?? null,
      lastJob: repository.history(source.id, 1)[0] ?? null,
    });
  }
  return summaries;
}

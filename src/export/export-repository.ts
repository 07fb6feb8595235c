import { rowToEntry, type AuditEntry, type AuditRow } from '../audit/audit-entry.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';

/** One stored record: its type, id and JSON exactly as kept in the vault. */
export interface StoredRecord {
  type: string;
  id: string;
  json: string;
}

export interface StoredVersion extends StoredRecord {
  versionId: number;
}

const PAGE = 500;

/**
 * SQL for reading a whole vault in pages, for exports and summaries. Keyset paging on the
 * (type, id) unique index: constant memory however big the vault, and no statement is left open
 * between pages, so the caller may await (stream to a client) between them.
 */
export function exportRepository(db: SqliteDatabase) {
  const counts = db.prepare('SELECT type, count(*) AS count FROM resources GROUP BY type ORDER BY type');
  const page = db.prepare('SELECT type, id, json FROM resources WHERE type = ? AND id > ? ORDER BY id LIMIT ?');
  // Earlier versions with content: archived on update or deletion (record-repository.ts). The
  // current version's JSON lives in `resources`; a deletion's own version has none.
  const versionTypes = db.prepare('SELECT DISTINCT type FROM resource_versions WHERE json IS NOT NULL ORDER BY type').pluck();
  const versionPage = db.prepare(`SELECT type, id, version_id AS versionId, json FROM resource_versions
    WHERE type = ? AND json IS NOT NULL AND (id > ? OR (id = ? AND version_id > ?)) ORDER BY id, version_id LIMIT ?`);
  const one = db.prepare('SELECT json FROM resources WHERE type = ? AND id = ?').pluck();
  const first = db.prepare('SELECT json FROM resources WHERE type = ? ORDER BY id LIMIT 1').pluck();
  const auditPage = db.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?');

  return {
    /** Current records per type, in type order. */
    counts: () => counts.all() as { type: string; count: number }[],
    /** The current records of one type, in id order, a page at a time. */
    *records(type: string): Generator<StoredRecord[]> {
      let after = '';
      for (;;) {
        const rows = page.all(type, after, PAGE) as StoredRecord[];
        if (rows.length > 0) yield rows;
        if (rows.length < PAGE) return;
        after = rows[rows.length - 1]!.id;
      }
    },
    /** One current record's JSON. */
    json: (type: string, id: string) => one.get(type, id) as string | undefined,
    /** The JSON of the first current record of a type, by id. */
    firstJson: (type: string) => first.get(type) as string | undefined,
    /** The types that have earlier versions. */
    versionTypes: () => versionTypes.all() as string[],
    /** Earlier versions of one type's records, by id then version, a page at a time. */
    *versions(type: string): Generator<StoredVersion[]> {
      let afterId = '';
      let afterVersion = 0;
      for (;;) {
        const rows = versionPage.all(type, afterId, afterId, afterVersion, PAGE) as StoredVersion[];
        if (rows.length > 0) yield rows;
        if (rows.length < PAGE) return;
        const last = rows[rows.length - 1]!;
        afterId = last.id;
        afterVersion = last.versionId;
      }
    },
    /** The vault's audit entries in chain order, a page at a time. */
    *auditEntries(): Generator<AuditEntry[]> {
      let after = 0;
      for (;;) {
        const rows = auditPage.all(after, PAGE) as AuditRow[];
        if (rows.length > 0) yield rows.map(rowToEntry);
        if (rows.length < PAGE) return;
        after = rows[rows.length - 1]!.seq;
      }
    },
  };
}

export type ExportRepository = ReturnType<typeof exportRepository>;

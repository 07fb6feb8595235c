import type { SqliteDatabase } from '../storage/encrypted-database.ts';

export interface CurrentRow {
  rid: number;
  versionId: number;
  contentHash: string;
  sourceId: string | null;
}

export interface VersionRow {
  versionId: number;
  lastUpdated: string;
  deleted: boolean;
  sourceId: string | null;
  importId: string | null;
  origin: string | null;
  json: string | null;
}

export interface NewVersion {
  type: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  contentHash: string;
  sourceId: string | null;
  importId: string | null;
  origin: string | null;
  json: string;
}

/** SQL for current records, their versions and source id mappings. Nothing but SQL here. */
export function recordRepository(db: SqliteDatabase) {
  const selectCurrent = db.prepare(
    'SELECT rid, version_id AS versionId, content_hash AS contentHash, source_id AS sourceId FROM resources WHERE type = ? AND id = ?',
  );
  const selectJson = db.prepare('SELECT json FROM resources WHERE type = ? AND id = ?').pluck();
  const insertCurrent = db.prepare(
    'INSERT INTO resources (type, id, version_id, last_updated, content_hash, source_id, import_id, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const updateCurrent = db.prepare(
    'UPDATE resources SET version_id = ?, last_updated = ?, content_hash = ?, source_id = ?, import_id = ?, json = ? WHERE rid = ?',
  );
  const insertVersion = db.prepare(
    'INSERT INTO resource_versions (type, id, version_id, last_updated, deleted, source_id, import_id, origin) VALUES (?, ?, ?, ?, 0, ?, ?, ?)',
  );
  // Before an update, the current JSON is kept with the version it belongs to.
  const archiveCurrent = db.prepare(
    `UPDATE resource_versions SET json = (SELECT json FROM resources WHERE rid = ?)
     WHERE type = ? AND id = ? AND version_id = ?`,
  );
  const VERSION_COLUMNS = `v.version_id AS versionId, v.last_updated AS lastUpdated, v.deleted, v.source_id AS sourceId,
     v.import_id AS importId, v.origin, COALESCE(v.json, r.json) AS json
     FROM resource_versions v LEFT JOIN resources r ON r.type = v.type AND r.id = v.id AND r.version_id = v.version_id`;
  const selectVersions = db.prepare(`SELECT ${VERSION_COLUMNS} WHERE v.type = ? AND v.id = ? ORDER BY v.version_id DESC`);
  const selectVersion = db.prepare(`SELECT COALESCE(v.json, r.json) FROM resource_versions v
     LEFT JOIN resources r ON r.type = v.type AND r.id = v.id AND r.version_id = v.version_id
     WHERE v.type = ? AND v.id = ? AND v.version_id = ?`).pluck();
  const selectMapped = db.prepare('SELECT id FROM source_ids WHERE source_id = ? AND type = ? AND source_resource_id = ?').pluck();
  const selectIdTaken = db.prepare('SELECT 1 FROM source_ids WHERE type = ? AND id = ?').pluck();
  // Both questions a source's id raises, in one statement: its mapping (mine = 1), else whether
  // another source holds the same id (mine = 0). UNION ALL with LIMIT 1 stops at the first answer.
  const selectMappedOrTaken = db.prepare(
    `SELECT id, 1 AS mine FROM source_ids WHERE source_id = ? AND type = ? AND source_resource_id = ?
     UNION ALL SELECT id, 0 AS mine FROM source_ids WHERE type = ? AND id = ? LIMIT 1`,
  );
  const insertMapping = db.prepare('INSERT INTO source_ids (source_id, type, source_resource_id, id) VALUES (?, ?, ?, ?)');
  const selectByIdentifier = db.prepare(
    `SELECT r.id FROM idx_token t JOIN resources r ON r.rid = t.rid
     WHERE t.type = ? AND t.param = 'identifier' AND t.code = ? AND t.system = ? LIMIT 2`,
  ).pluck();
  const selectUnresolved = db.prepare(
    "SELECT rowid, reference FROM idx_reference WHERE target_id IS NULL AND contained = 0 AND reference GLOB '[A-Z]*[?]*'",
  );
  const updateTarget = db.prepare('UPDATE idx_reference SET target_type = ?, target_id = ? WHERE rowid = ?');
  // A deletion (R4 http.html#delete) is a version of its own, marked deleted, with no content; the
  // current row and its index rows go, so read answers 410 and search no longer finds the record.
  const insertDeletedVersion = db.prepare(
    'INSERT INTO resource_versions (type, id, version_id, last_updated, deleted, source_id, import_id, origin) VALUES (?, ?, ?, ?, 1, ?, NULL, ?)',
  );
  const deleteCurrent = db.prepare('DELETE FROM resources WHERE rid = ?');
  const selectLatestVersion = db.prepare(
    'SELECT version_id AS versionId, deleted, source_id AS sourceId FROM resource_versions WHERE type = ? AND id = ? ORDER BY version_id DESC LIMIT 1',
  );
  const selectCounts = db.prepare('SELECT type, count(*) AS count FROM resources GROUP BY type ORDER BY type');

  return {
    current: (type: string, id: string) => selectCurrent.get(type, id) as CurrentRow | undefined,
    currentJson: (type: string, id: string) => selectJson.get(type, id) as string | undefined,
    insert(version: NewVersion): number {
      const { type, id, versionId, lastUpdated, contentHash, sourceId, importId, origin, json } = version;
      const rid = Number(insertCurrent.run(type, id, versionId, lastUpdated, contentHash, sourceId, importId, json).lastInsertRowid);
      insertVersion.run(type, id, versionId, lastUpdated, sourceId, importId, origin);
      return rid;
    },
    update(rid: number, version: NewVersion): void {
      const { type, id, versionId, lastUpdated, contentHash, sourceId, importId, origin, json } = version;
      archiveCurrent.run(rid, type, id, versionId - 1);
      updateCurrent.run(versionId, lastUpdated, contentHash, sourceId, importId, json, rid);
      insertVersion.run(type, id, versionId, lastUpdated, sourceId, importId, origin);
    },
    /** Archives the current JSON, removes the current row and appends a deleted version. */
    markDeleted(rid: number, version: { type: string; id: string; versionId: number; lastUpdated: string; sourceId: string | null; origin: string | null }): void {
      const { type, id, versionId, lastUpdated, sourceId, origin } = version;
      archiveCurrent.run(rid, type, id, versionId - 1);
      deleteCurrent.run(rid);
      insertDeletedVersion.run(type, id, versionId, lastUpdated, sourceId, origin);
    },
    /** The newest version of a record, current or deleted. */
    latestVersion(type: string, id: string): { versionId: number; deleted: boolean; sourceId: string | null } | undefined {
      const row = selectLatestVersion.get(type, id) as { versionId: number; deleted: number; sourceId: string | null } | undefined;
      return row && { versionId: row.versionId, deleted: row.deleted === 1, sourceId: row.sourceId };
    },
    versions(type: string, id: string): VersionRow[] {
      return (selectVersions.all(type, id) as (Omit<VersionRow, 'deleted'> & { deleted: number })[]).map((row) => ({ ...row, deleted: row.deleted === 1 }));
    },
    /** The JSON of one version: undefined when there is no such version, null for a deletion. */
    versionJson: (type: string, id: string, versionId: number) => selectVersion.get(type, id, versionId) as string | null | undefined,
    mappedId: (sourceId: string, type: string, sourceResourceId: string) =>
      selectMapped.get(sourceId, type, sourceResourceId) as string | undefined,
    idTaken: (type: string, id: string) => selectIdTaken.get(type, id) !== undefined,
    /** The source's mapping for this id if any (`mapped`), else whether another source holds the id. */
    mappedOrTaken(sourceId: string, type: string, sourceResourceId: string): { mapped: string } | { taken: boolean } {
      const row = selectMappedOrTaken.get(sourceId, type, sourceResourceId, type, sourceResourceId) as { id: string; mine: number } | undefined;
      return row?.mine === 1 ? { mapped: row.id } : { taken: row !== undefined };
    },
    map(sourceId: string, type: string, sourceResourceId: string, id: string): void {
      insertMapping.run(sourceId, type, sourceResourceId, id);
    },
    /** Ids of the records of `type` with this identifier; at most two, enough to see ambiguity. */
    idsByIdentifier: (type: string, system: string, value: string) => selectByIdentifier.all(type, value, system) as string[],
    unresolvedReferences: () => selectUnresolved.all() as { rowid: number; reference: string }[],
    setReferenceTarget(rowid: number, targetType: string, targetId: string): void {
      updateTarget.run(targetType, targetId, rowid);
    },
    counts: () => selectCounts.all() as { type: string; count: number }[],
  };
}

export type RecordRepository = ReturnType<typeof recordRepository>;

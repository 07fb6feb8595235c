import type { SqliteDatabase } from '../storage/encrypted-database.ts';

/**
 * SQL behind the dashboard, timeline and lab pages: reads over a vault's search index (idx_* rows of
 * vault-schema.ts), so a page touches only the few hundred records it shows, whatever the vault's
 * size. Date order comes from idx_date (start in ms since 1970, UTC); LIMIT stops the walk early.
 */
export interface Row {
  rid: number;
  type: string;
  id: string;
  json: string;
  sourceId: string | null;
  start: number | null;
}

export interface EncounterCursor {
  start: number;
  rid: number;
}

export interface EncounterQuery {
  before?: EncounterCursor;
  from?: number;
  to?: number;
  sourceId?: string;
  limit: number;
}

const ROW = 'r.rid, r.type, r.id, r.json, r.source_id AS sourceId';
const IS_LAB = "EXISTS (SELECT 1 FROM idx_token c WHERE c.rid = d.rid AND c.param = 'category' AND c.code = 'laboratory')";

export function healthRepository(db: SqliteDatabase) {
  const ofType = db.prepare(`SELECT ${ROW}, NULL AS start FROM resources r WHERE r.type = ?`);
  const withToken = db.prepare(
    `SELECT ${ROW}, NULL AS start FROM idx_token t JOIN resources r ON r.rid = t.rid WHERE t.type = ? AND t.param = ? AND t.code = ?`,
  );
  const recentLabs = db.prepare(
    `SELECT ${ROW}, d.start FROM idx_date d JOIN resources r ON r.rid = d.rid
     WHERE d.type = 'Observation' AND d.param = 'date' AND ${IS_LAB} ORDER BY d.start DESC LIMIT ?`,
  );
  const observationsOfCode = db.prepare(
    `SELECT ${ROW}, (SELECT MIN(d.start) FROM idx_date d WHERE d.rid = t.rid AND d.param = 'date') AS start
     FROM idx_token t JOIN resources r ON r.rid = t.rid
     WHERE t.type = 'Observation' AND t.param = 'code' AND t.code = ? AND t.system = 'http://loinc.org'
     ORDER BY start DESC LIMIT ?`,
  );
  const labCodes = db.prepare(
    `SELECT t.code AS code, MAX(t.display) AS display, COUNT(*) AS count, MAX(t.rid) AS lastRid
     FROM idx_token t WHERE t.type = 'Observation' AND t.param = 'code' AND t.system = 'http://loinc.org'
       AND EXISTS (SELECT 1 FROM idx_token c WHERE c.rid = t.rid AND c.param = 'category' AND c.code = 'laboratory')
     GROUP BY t.code`,
  );
  const recentEncounters = db.prepare(
    `SELECT ${ROW}, d.start FROM idx_date d JOIN resources r ON r.rid = d.rid
     WHERE d.type = 'Encounter' AND d.param = 'date' ORDER BY d.start DESC LIMIT ?`,
  );
  const encounterYears = db.prepare(
    `SELECT CAST(strftime('%Y', d.start / 1000, 'unixepoch') AS INTEGER) AS year, COUNT(*) AS count
     FROM idx_date d WHERE d.type = 'Encounter' AND d.param = 'date' GROUP BY year ORDER BY year DESC`,
  );
  const imports = db.prepare(
    'SELECT id, source_id AS sourceId, started_at AS startedAt, finished_at AS finishedAt, status FROM imports ORDER BY started_at DESC',
  );
  const sourceIds = db.prepare('SELECT DISTINCT source_id AS sourceId FROM resources WHERE type = ? AND source_id IS NOT NULL');

  return {
    ofType: (type: string) => ofType.all(type) as Row[],
    withToken: (type: string, param: string, code: string) => withToken.all(type, param, code) as Row[],
    recentLabs: (limit: number) => recentLabs.all(limit) as Row[],
    observationsOfCode: (loinc: string, limit: number) => observationsOfCode.all(loinc, limit) as Row[],
    labCodes: () => labCodes.all() as { code: string; display: string | null; count: number; lastRid: number }[],
    byRids(rids: readonly number[]): Row[] {
      if (rids.length === 0) return [];
      const marks = rids.map(() => '?').join(',');
      return db.prepare(`SELECT ${ROW}, NULL AS start FROM resources r WHERE r.rid IN (${marks})`).all(...rids) as Row[];
    },
    recentEncounters: (limit: number) => recentEncounters.all(limit) as Row[],
    encounterYears: () => encounterYears.all() as { year: number; count: number }[],
    imports: () => imports.all() as { id: string; sourceId: string; startedAt: string; finishedAt: string | null; status: 'running' | 'done' | 'failed' }[],
    sourcesOf: (type: string) => (sourceIds.all(type) as { sourceId: string }[]).map((row) => row.sourceId),

    /** A page of encounters, newest first, after a (start, rid) cursor: keyset paging, no OFFSET. */
    encounters(query: EncounterQuery): Row[] {
      const where = ["d.type = 'Encounter'", "d.param = 'date'"];
      const args: (string | number)[] = [];
      if (query.before) {
        where.push('(d.start < ? OR (d.start = ? AND d.rid < ?))');
        args.push(query.before.start, query.before.start, query.before.rid);
      }
      if (query.from !== undefined) where.push('d.start >= ?'), args.push(query.from);
      if (query.to !== undefined) where.push('d.start <= ?'), args.push(query.to);
      if (query.sourceId !== undefined) where.push('r.source_id = ?'), args.push(query.sourceId);
      const sql = `SELECT ${ROW}, d.start FROM idx_date d JOIN resources r ON r.rid = d.rid WHERE ${where.join(' AND ')} ORDER BY d.start DESC, d.rid DESC LIMIT ?`;
      return db.prepare(sql).all(...args, query.limit) as Row[];
    },

    /** Records that refer to these encounters (Observation.encounter, DocumentReference.context…), by encounter id. */
    attachedTo(encounterIds: readonly string[], types: readonly string[] | undefined): (Row & { encounterId: string })[] {
      if (encounterIds.length === 0) return [];
      const args: string[] = [...encounterIds];
      let typeClause = "AND x.type <> 'Encounter'";
      if (types && types.length > 0) {
        typeClause = `AND x.type IN (${types.map(() => '?').join(',')})`;
        args.push(...types);
      }
      const sql = `SELECT DISTINCT x.target_id AS encounterId, ${ROW},
          (SELECT MIN(d.start) FROM idx_date d WHERE d.rid = r.rid) AS start
        FROM idx_reference x JOIN resources r ON r.rid = x.rid
        WHERE x.target_type = 'Encounter' AND x.target_id IN (${encounterIds.map(() => '?').join(',')}) ${typeClause}
        ORDER BY start, r.rid`;
      return db.prepare(sql).all(...args) as (Row & { encounterId: string })[];
    },
  };
}

export type HealthRepository = ReturnType<typeof healthRepository>;

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
/**
 * Records marked entered-in-error (R4: "This instance should not have been part of this patient's
 * medical record") stay in the vault, as a provider sent them, but are not shown as health facts.
 */
const SHOWN = "NOT EXISTS (SELECT 1 FROM idx_token e WHERE e.rid = r.rid AND e.param IN ('status', 'verification-status') AND e.code = 'entered-in-error')";
const IS_LAB = "EXISTS (SELECT 1 FROM idx_token c WHERE c.rid = d.rid AND c.param = 'category' AND c.code = 'laboratory')";

export function healthRepository(db: SqliteDatabase) {
  const ofType = db.prepare(`SELECT ${ROW}, NULL AS start FROM resources r WHERE r.type = ? AND ${SHOWN}`);
  const withToken = db.prepare(
    `SELECT ${ROW}, NULL AS start FROM idx_token t JOIN resources r ON r.rid = t.rid WHERE t.type = ? AND t.param = ? AND t.code = ? AND ${SHOWN}`,
  );
  const recentLabs = db.prepare(
    `SELECT ${ROW}, d.start FROM idx_date d JOIN resources r ON r.rid = d.rid
     WHERE d.type = 'Observation' AND d.param = 'date' AND ${IS_LAB} AND ${SHOWN} ORDER BY d.start DESC LIMIT ?`,
  );
  // "The newest N results of a code" two ways, both reading JSON only for those N. A code with few
  // results: its index rows, then their dates (sorted, small). A frequent code: walk all
  // Observations newest first (the date index is in that order) until N of the code turn up.
  // INDEXED BY: SQLite's planner otherwise probes the date index by (type, param) per row.
  const newestOfRareCode = db.prepare(
    `SELECT t.rid AS rid, d.start AS start FROM idx_token t CROSS JOIN idx_date d INDEXED BY idx_date_rid ON d.rid = t.rid AND d.type = 'Observation' AND d.param = 'date'
     WHERE t.type = 'Observation' AND t.param = 'code' AND t.code = ? AND t.system = 'http://loinc.org'
     ORDER BY d.start DESC LIMIT ?`,
  );
  const newestOfFrequentCode = db.prepare(
    `SELECT d.rid AS rid, d.start AS start FROM idx_date d CROSS JOIN idx_token t INDEXED BY idx_token_rid
       ON t.rid = d.rid AND t.type = 'Observation' AND t.param = 'code' AND t.code = ? AND t.system = 'http://loinc.org'
     WHERE d.type = 'Observation' AND d.param = 'date' ORDER BY d.start DESC LIMIT ?`,
  );
  const countOfCode = db.prepare(
    "SELECT COUNT(*) AS n FROM idx_token WHERE type = 'Observation' AND param = 'code' AND code = ? AND system = 'http://loinc.org'",
  );
  const observationCount = db.prepare("SELECT COUNT(*) AS n FROM idx_date WHERE type = 'Observation' AND param = 'date'");
  const byRid = db.prepare(`SELECT ${ROW}, NULL AS start FROM resources r WHERE r.rid = ?`);
  const codeCounts = db.prepare(
    "SELECT code, COUNT(*) AS count FROM idx_token WHERE type = 'Observation' AND param = 'code' AND system = 'http://loinc.org' GROUP BY code",
  );
  const isLab = db.prepare("SELECT 1 FROM idx_token WHERE rid = ? AND param = 'category' AND code = 'laboratory'");

  // The Observation count only picks between two plans that return the same newest rows (results of
  // the very same instant aside, as either plan already did), so a count a few seconds old costs at
  // most a slower plan, never a wrong answer; counting 100,000 index entries on every call cost
  // ~8 ms each, several times per page.
  const TOTAL_TTL_MS = 10_000;
  let total: { n: number; at: number } | undefined;
  const observationTotal = () => {
    const now = Date.now();
    if (!total || now - total.at > TOTAL_TTL_MS) total = { n: (observationCount.get() as { n: number }).n, at: now };
    return total.n;
  };

  function newestKeys(loinc: string, limit: number, count = (countOfCode.get(loinc) as { n: number }).n): { rid: number; start: number }[] {
    if (count === 0) return [];
    // Expected rows walked: limit × total / count; past a few thousand, the code's own rows are cheaper.
    const frequent = count > limit && (limit * observationTotal()) / count < 10_000;
    return (frequent ? newestOfFrequentCode : newestOfRareCode).all(loinc, limit) as { rid: number; start: number }[];
  }

  const recentEncounters = db.prepare(
    `SELECT ${ROW}, d.start FROM idx_date d JOIN resources r ON r.rid = d.rid
     WHERE d.type = 'Encounter' AND d.param = 'date' AND ${SHOWN} ORDER BY d.start DESC LIMIT ?`,
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
    /** How many Observations have this LOINC code. */
    countOfCode: (loinc: string) => (countOfCode.get(loinc) as { n: number }).n,
    /** The newest `limit` Observations of a LOINC code, newest first. */
    observationsOfCode(loinc: string, limit: number): Row[] {
      return newestKeys(loinc, limit).map((key) => ({ ...(byRid.get(key.rid) as Row), start: key.start }));
    },
    /**
     * LOINC codes of laboratory Observations with their count and newest result. Whether a code is a
     * lab test is read from its newest result's category (a LOINC code names one kind of test).
     */
    labCodes(): { code: string; count: number; latest: Row }[] {
      const counts = new Map((codeCounts.all() as { code: string; count: number }[]).map((row) => [row.code, row.count]));
      const newest = new Map<string, { rid: number; start: number }>();
      // Each code's newest result by the cheaper of the two plans (a few index rows per code). One
      // walk of the newest results for all codes at once read past 100,000 rows when a test is rare.
      for (const [code, count] of counts) {
        const [key] = newestKeys(code, 1, count);
        if (key) newest.set(code, key);
      }
      return [...newest.entries()]
        .filter(([, key]) => isLab.get(key.rid) !== undefined)
        .map(([code, key]) => ({ code, count: counts.get(code) ?? 0, latest: { ...(byRid.get(key.rid) as Row), start: key.start } }));
    },
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

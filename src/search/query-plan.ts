import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { joinSql, prepareCached, sql, type Clause, type Sql } from './sql.ts';

/** How many rows a probe reads before it stops. A probe that stops short has read the clause's whole set. */
export const PROBE_LIMIT = 4096;
/** A driver this small makes further probes pointless: testing each candidate against the other clauses is cheap. */
export const SMALL_DRIVER = 2048;
/** Clauses of this rank read every row of their parameter: not worth probing once a driver's set is complete. */
const SCAN_RANK = 4;

/**
 * The matching resources are `FROM candidates AS d WHERE <where>` after `<with>`.
 * `narrowed`: the candidates are a driver clause's resources, not every resource of the type.
 */
export interface MatchPlan {
  with: Sql;
  where: Sql;
  narrowed: boolean;
  /** The driver clause, and how many rows its probe read (undefined: not probed). */
  driver?: Clause;
  probed?: number;
  /** The clauses whose probe read their whole set: their rids (for sort-walk.ts to test in memory). */
  sets: ReadonlyMap<Clause, ReadonlySet<number>>;
}

/**
 * Chooses how to intersect the clauses of a search (search.html#combining: parameters AND together).
 *
 * SQLite has no statistics on a vault (and statistics would be averages: one person's 70,000 lab
 * results and 30 allergies share an index). Left to itself it scans every resource of the type and
 * materialises every `IN (subquery)` in full. Instead the positive clauses are probed in order of
 * `rank` — their rids read through their own index, up to PROBE_LIMIT — and the smallest becomes the
 * driver: its resources are the candidates. Probing stops at the first clause under SMALL_DRIVER.
 * A probe that stopped short holds the clause's complete set, so it is reused rather than read again.
 * Every other clause is then checked against its set (when that is small, when the clause has no
 * per-resource form, or when every resource of the type is a candidate, so the set is read once
 * either way), or else per candidate through the index table's rid index.
 */
export function planMatches(db: SqliteDatabase, resourceType: string, clauses: readonly Clause[]): MatchPlan {
  const probes = new Map<Clause, number[]>();
  const probed = (clause: Clause): number[] => {
    let rids = probes.get(clause);
    if (rids === undefined) {
      rids = probe(db, clause);
      probes.set(clause, rids);
    }
    return rids;
  };
  const complete = (clause: Clause) => (probes.get(clause)?.length ?? PROBE_LIMIT) < PROBE_LIMIT;

  const positives = clauses.filter((clause) => !clause.negate).sort((a, b) => a.rank - b.rank);
  let driver: Clause | undefined;
  for (const clause of positives) {
    if (positives.length === 1) {
      driver = clause;
      break;
    }
    if (driver !== undefined && complete(driver) && clause.rank >= SCAN_RANK) continue;
    // With a complete driver of n resources, a clause can only take over with fewer: first count up
    // to n of its index rows from the index alone (no rid read, so 3-10x cheaper than the probe)
    // and read its rids only when it may win. A clause left unprobed is checked per candidate.
    if (driver !== undefined && complete(driver) && clause.correlated !== undefined && !indexRowsBelow(db, clause, probed(driver).length)) continue;
    const rows = probed(clause).length;
    if (driver === undefined || rows < probed(driver).length) driver = clause;
    if (rows < SMALL_DRIVER) break;
  }
  const smallDriver = driver !== undefined && (probes.get(driver)?.length ?? PROBE_LIMIT) < SMALL_DRIVER;
  const completeDriver = driver !== undefined && complete(driver);

  const conditions = clauses
    .filter((clause) => clause !== driver)
    .map((clause): Sql => {
      const setCondition = (set: Sql): Sql => ({ text: `d.rid ${clause.negate ? 'NOT IN' : 'IN'} (${set.text})`, params: set.params });
      if (complete(clause)) return setCondition(ridList(probes.get(clause)!));
      if (clause.correlated === undefined || driver === undefined) return setCondition(clause.set);
      // At most PROBE_LIMIT candidates: testing each costs less than reading a set of unknown size.
      const perCandidate = smallDriver || (completeDriver && !probes.has(clause)) || probed(clause).length >= PROBE_LIMIT;
      if (!perCandidate) return setCondition(ridList(probes.get(clause)!));
      return clause.negate ? { text: `NOT ${clause.correlated.text}`, params: clause.correlated.params } : clause.correlated;
    });
  const where = conditions.length === 0 ? sql('1') : joinSql(conditions, ' AND ');
  const sets = new Map([...probes].filter(([clause]) => complete(clause)).map(([clause, rids]) => [clause, new Set(rids)]));
  if (driver === undefined) {
    return { with: sql('WITH candidates AS (SELECT rid FROM resources WHERE type = ?)', resourceType), where, narrowed: false, sets };
  }
  // Materialised on purpose: as a plain subquery SQLite pushes the conditions into it and, with an
  // FTS5 driver, reruns the full-text query once per candidate (260 ms instead of 1 ms on 100k resources).
  const body = complete(driver) ? ridList(probes.get(driver)!) : { text: `SELECT DISTINCT rid FROM (${driver.set.text})`, params: driver.set.params };
  return { with: { text: `WITH candidates AS MATERIALIZED (${body.text})`, params: body.params }, where, narrowed: true, driver, probed: probes.get(driver)?.length, sets };
}

/**
 * Whether `clause` has fewer than `size` index rows. Rows, not resources (a resource may have
 * several), so "no" may be wrong for a clause with repeated rows: that only costs a better driver.
 */
function indexRowsBelow(db: SqliteDatabase, clause: Clause, size: number): boolean {
  const statement = prepareCached(db, `SELECT count(*) FROM (SELECT rid FROM (${clause.set.text}) LIMIT ?)`);
  return (statement.pluck().get(...clause.set.params, size) as number) < size;
}

function probe(db: SqliteDatabase, clause: Clause): number[] {
  const statement = prepareCached(db, `SELECT rid FROM (${clause.set.text}) LIMIT ${PROBE_LIMIT}`);
  return statement.pluck().all(clause.set.params) as number[];
}

/** A probed set as rows: distinct rids in one bound JSON parameter. */
function ridList(rids: readonly number[]): Sql {
  return sql('SELECT value AS rid FROM json_each(?)', JSON.stringify([...new Set(rids)]));
}

/**
 * How many candidates there are, up to `size + 1` (more is reported as `size + 1`): every resource
 * of the type counts as more; a complete driver by its distinct rids; a driver the planner did not
 * probe (the only positive clause) by its first `size + 1` index rows — rows, so an estimate where
 * a resource has several.
 */
export function candidateCount(db: SqliteDatabase, plan: MatchPlan, size: number): number {
  if (plan.driver === undefined) return size + 1;
  const set = plan.sets.get(plan.driver);
  if (set !== undefined) return Math.min(set.size, size + 1);
  if (plan.probed !== undefined && plan.probed > size) return size + 1;
  // count(*) of the first rows, not the rows themselves: SQLite then reads only the index.
  return prepareCached(db, `SELECT count(*) FROM (SELECT rid FROM (${plan.driver.set.text}) LIMIT ${size + 1})`).pluck().get(plan.driver.set.params) as number;
}

/**
 * The number of matches (search.html#count). A driver that is the only condition and was not read
 * in full is counted straight from its index: `count(DISTINCT rid)` streams the rids through one
 * b-tree instead of first copying them into the materialised candidates (8.2 ms -> 6.8 ms for
 * 10,343 vital signs on a 100k vault; what remains is reading each index row's rid).
 */
export function countMatches(db: SqliteDatabase, plan: MatchPlan): number {
  const { driver } = plan;
  if (driver !== undefined && plan.where.text === '1' && (plan.probed === undefined || plan.probed >= PROBE_LIMIT)) {
    return prepareCached(db, `SELECT count(DISTINCT rid) FROM (${driver.set.text})`).pluck().get(driver.set.params) as number;
  }
  return prepareCached(db, `${plan.with.text} SELECT count(*) FROM candidates AS d WHERE ${plan.where.text}`).pluck().get([...plan.with.params, ...plan.where.params]) as number;
}

/**
 * The page's rids, in order, and the total (search.html#count). With a driver, both come from one
 * pass: the matches are materialised once, then counted and sorted. When every resource of the type
 * is a candidate, counting reads only the (type, id) index and copying every rid to share one pass
 * would cost more than it saves, so the total is its own COUNT. `_count=0`, and a page past the end
 * (which has no row to carry the total), also count on their own.
 */
export function readPage(db: SqliteDatabase, plan: MatchPlan, order: Sql, count: number, offset: number): { total: number; rids: number[] } {
  const matchParams = [...plan.with.params, ...plan.where.params];
  const pageParams = [...matchParams, ...order.params, count, offset];
  let total: number | undefined;
  let rids: number[] = [];
  if (count > 0 && plan.narrowed) {
    const pageSql = `${plan.with.text}, matches AS MATERIALIZED (SELECT rid FROM candidates AS d WHERE ${plan.where.text})
      SELECT d.rid, (SELECT count(*) FROM matches) AS total FROM matches AS d ORDER BY ${order.text} LIMIT ? OFFSET ?`;
    const rows = prepareCached(db, pageSql).all(pageParams) as { rid: number; total: number }[];
    total = rows[0]?.total;
    rids = rows.map((row) => row.rid);
  }
  total ??= countMatches(db, plan);
  if (count > 0 && !plan.narrowed && offset < total) {
    const pageSql = `${plan.with.text} SELECT d.rid FROM candidates AS d WHERE ${plan.where.text} ORDER BY ${order.text} LIMIT ? OFFSET ?`;
    rids = prepareCached(db, pageSql).pluck().all(pageParams) as number[];
  }
  return { total, rids };
}

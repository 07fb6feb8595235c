import type { IndexedSearchParam } from '../fhir/search-index/index.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import type { SortKey } from './parse-query.ts';
import { dateRowStats, longestDateSpan } from './date-span.ts';
import { joinSql, prepareCached, type Clause, type Sql } from './sql.ts';

/** Searches whose driver holds at most this many resources sort them all (sort.ts): cheaper than a walk through sparse matches. */
export const SORT_WALK_MIN = 4000;
/** Searches with fewer candidates always sort them all (sort.ts). */
export const SORT_ALL_MAX = 250;
/** How many idx_date rows a walk reads before giving up on it (the matches are too sparse in date order). */
export const SORT_WALK_ROWS = 4096;
/** The most resources the descending walk's second pass (periods that started earlier) may add. */
const OVERLAP_LIMIT = 4096;

/**
 * The date parameter a search sorts by, when a walk can serve it: one `_sort` key, a date search
 * parameter, a page to fill, and every clause with a per-resource form to test the walked resources.
 */
export function sortWalkKey(
  sort: readonly SortKey[],
  params: ReadonlyMap<string, IndexedSearchParam>,
  clauses: readonly Clause[],
  count: number,
  offset: number,
): SortKey | undefined {
  if (sort.length !== 1 || count <= 0 || offset + count > SORT_WALK_ROWS / 4) return undefined;
  const key = sort[0]!;
  if (params.get(key.code)?.type !== 'date') return undefined;
  if (clauses.some((clause) => clause.correlated === undefined)) return undefined;
  return key;
}

/**
 * Whether a walk should fill a page of `wanted` from `candidates` resources (a superset of the
 * matches; candidateCount in query-plan.ts) well within SORT_WALK_ROWS: more than SORT_WALK_MIN of
 * them, or few enough rows of the parameter per candidate. The estimate assumes matches spread
 * evenly in date order and a row per resource; when wrong the walk gives up and the search sorts.
 * For a 100k vault's 3,396 HbA1c results among 78,655 Observation dates, a page of 20 is ~460 rows
 * away: walking them and counting beats sorting every match (10.8 -> ~7 ms).
 */
export function shortWalk(db: SqliteDatabase, resourceType: string, key: SortKey, candidates: number, wanted: number): boolean {
  if (candidates > SORT_WALK_MIN) return true;
  // Sorting this few costs well under a millisecond: not worth reading the parameter's row count for.
  if (candidates < SORT_ALL_MAX) return false;
  const { rows } = dateRowStats(db, resourceType, key.code);
  return (wanted * rows) / candidates <= SORT_WALK_ROWS / 4;
}

/**
 * The page of a search sorted by one date parameter, read in the sort's order from the date index
 * instead of sorting every match (sort.ts): for a large set and a small page, most matches are never
 * looked at. Same order as orderBy in sort.ts — ascending by a resource's lowest start, descending by
 * its highest end, ties by rid — or undefined when the walk cannot tell (too few matches with a value
 * within SORT_WALK_ROWS rows, so resources without one may be on the page): then sort as before.
 *
 * Ascending: idx_date_lookup (type, param, start, end) gives rows by start, so a resource's first row
 * carries its lowest start; once the page is full, the rows tied with its last value are read too.
 * Descending: the index cannot give rows by end, so rows are walked by start descending until the
 * page is full (all rows starting at or after `s` read); each resource's highest end is then read
 * exactly, and the page's last value `t` bounds what is missing: any other match on the page has a
 * row with end >= t, which started before `s` (`end >= start` always), found in one more pass.
 * `known`: clauses whose complete set of rids the planner holds (MatchPlan.sets), tested in memory.
 */
export function readSortWalk(
  db: SqliteDatabase,
  resourceType: string,
  clauses: readonly Clause[],
  key: SortKey,
  count: number,
  offset: number,
  known: ReadonlyMap<Clause, ReadonlySet<number>> = new Map(),
): number[] | undefined {
  const wanted = offset + count;
  // Clauses whose whole set the planner already read are tested here; the others by SQL, per resource.
  const sets = clauses.flatMap((clause) => {
    const set = known.get(clause);
    return set === undefined ? [] : [{ set, negate: clause.negate }];
  });
  const conditions = clauses
    .filter((clause) => !known.has(clause))
    .map((clause): Sql => (clause.negate ? { ...clause.correlated!, text: `NOT ${clause.correlated!.text}` } : clause.correlated!));
  const where = conditions.length === 0 ? undefined : joinSql(conditions, ' AND ');
  const matchStatement = where === undefined ? undefined : prepareCached(db, `SELECT 1 FROM (SELECT value AS rid FROM json_each(?)) AS d WHERE ${where.text}`);
  const matches = (rid: number) =>
    sets.every(({ set, negate }) => set.has(rid) !== negate) && (matchStatement === undefined || matchStatement.get(`[${rid}]`, ...where!.params) !== undefined);

  const direction = key.descending ? 'DESC' : 'ASC';
  const walk = prepareCached(
    db,
    `SELECT rid, start FROM idx_date INDEXED BY idx_date_lookup WHERE type = ? AND param = ? ORDER BY start ${direction} LIMIT ${SORT_WALK_ROWS}`,
  );
  const seen = new Set<number>();
  // rid -> its value (ascending: its lowest start, exact; descending: filled in below).
  const found = new Map<number, number>();
  let boundary: number | undefined;
  let complete = false;
  let rows = 0;
  for (const row of walk.iterate([resourceType, key.code]) as Iterable<{ rid: number; start: number }>) {
    rows++;
    if (boundary !== undefined && row.start !== boundary) {
      complete = true;
      break;
    }
    if (seen.has(row.rid)) continue;
    seen.add(row.rid);
    if (!matches(row.rid)) continue;
    found.set(row.rid, row.start);
    if (found.size === wanted) boundary = row.start;
  }
  // The walk must have filled the page and read past the rows tied with its last start; reaching the
  // end of the parameter's rows (fewer than SORT_WALK_ROWS) with the page full counts too.
  if (!complete && !(boundary !== undefined && rows < SORT_WALK_ROWS)) return undefined;

  if (key.descending) {
    const highestEnd = prepareCached(
      db,
      'SELECT d.rid AS rid, (SELECT max(end) FROM idx_date INDEXED BY idx_date_rid WHERE rid = d.rid AND type = ? AND param = ?) AS value FROM (SELECT value AS rid FROM json_each(?)) AS d',
    );
    const readHighestEnds = (rids: readonly number[]) => {
      const rows = highestEnd.all([resourceType, key.code, JSON.stringify(rids)]) as { rid: number; value: number }[];
      for (const row of rows) found.set(row.rid, row.value);
    };
    readHighestEnds([...found.keys()]);
    const t = [...found.values()].sort((a, b) => b - a)[wanted - 1]!;
    // Such a row starts at or after t - D, D the parameter's longest span (date-span.ts); a span too
    // long for exact arithmetic (an open Period) leaves the scan unbounded below.
    const span = longestDateSpan(db, resourceType, key.code);
    const from = span === null ? undefined : t - span;
    const overlapping = (
      from !== undefined && Number.isSafeInteger(from)
        ? prepareCached(db, `SELECT rid FROM idx_date INDEXED BY idx_date_lookup WHERE type = ? AND param = ? AND start < ? AND start >= ? AND end >= ? LIMIT ${OVERLAP_LIMIT}`)
            .pluck()
            .all(resourceType, key.code, boundary!, from, t)
        : prepareCached(db, `SELECT rid FROM idx_date INDEXED BY idx_date_lookup WHERE type = ? AND param = ? AND start < ? AND end >= ? LIMIT ${OVERLAP_LIMIT}`)
            .pluck()
            .all(resourceType, key.code, boundary!, t)
    ) as number[];
    if (overlapping.length >= OVERLAP_LIMIT) return undefined;
    const added = [...new Set(overlapping)].filter((rid) => !seen.has(rid) && matches(rid));
    if (added.length > 0) readHighestEnds(added);
  }
  const sign = key.descending ? -1 : 1;
  return [...found]
    .sort(([ridA, a], [ridB, b]) => (a === b ? ridA - ridB : sign * (a - b)))
    .slice(offset, wanted)
    .map(([rid]) => rid);
}

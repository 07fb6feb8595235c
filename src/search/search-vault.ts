import type { Resource } from '@medplum/fhirtypes';
import { HearthError } from '../errors/hearth-error.ts';
import { INDEXED_RESOURCE_TYPES, indexedSearchParams, type IndexedSearchParam } from '../fhir/search-index/index.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { compileFilter } from './compile-filter.ts';
import { loadIncludes, planIncludes, type PageRow } from './includes.ts';
import { parseQuery, type ParsedQuery, type SortKey } from './parse-query.ts';
import { orderBy } from './sort.ts';
import { prepareCached, typeClause, type Clause } from './sql.ts';
import { candidateCount, countMatches, planMatches, readPage, type MatchPlan } from './query-plan.ts';
import { readSortWalk, shortWalk, SORT_WALK_MIN, sortWalkKey } from './sort-walk.ts';
import { registerSearchFunctions } from './token-clause.ts';

export interface SearchResult {
  /** The matches on this page, in order. */
  resources: Resource[];
  /** What `_include` / `_revinclude` added: de-duplicated, none of them also in `resources`. */
  included: Resource[];
  /** All matches, ignoring paging. */
  total: number;
  offset: number;
  count: number;
  /** The query of the next page (`Observation?code=...&_count=10&_offset=10`), when there is one. */
  next?: string;
}

export interface SearchOptions {
  /** The clock for date `ap` (search.html#prefix); defaults to now. */
  now?: Date;
}

const RESOURCE_TYPES = new Set(INDEXED_RESOURCE_TYPES);
const paramMaps = new Map<string, ReadonlyMap<string, IndexedSearchParam>>();

function paramsOf(resourceType: string): ReadonlyMap<string, IndexedSearchParam> {
  let params = paramMaps.get(resourceType);
  if (params === undefined) {
    params = new Map(indexedSearchParams(resourceType).map((param) => [param.code, param]));
    paramMaps.set(resourceType, params);
  }
  return params;
}

/**
 * FHIR R4 search (search.html) over one vault: `query` is `Type?name=value&...` as in a search URL.
 * Each parameter compiles to a clause over the idx_* tables (all values bound as parameters); the
 * planner (query-plan.ts) picks the most selective clause to drive. A search runs a probe per
 * clause it needs to size, one statement for the page's row ids and the total (two when every
 * resource of the type is a candidate), one for the page's records, and one per `_include` /
 * `_revinclude`.
 * Throws HearthError `invalid` for a query that is wrong, `unsupported` for FHIR search features
 * Hearth does not implement (chains, `_has`, composites, `_summary`, `_elements`).
 */
export function searchVault(db: SqliteDatabase, query: string, options: SearchOptions = {}): SearchResult {
  const parsed = parseQuery(query);
  const { resourceType, count, offset } = parsed;
  if (!RESOURCE_TYPES.has(resourceType)) throw new HearthError('invalid', `unknown resource type "${resourceType}"`);
  const params = paramsOf(resourceType);
  const now = options.now?.getTime() ?? Date.now();
  const clauses = parsed.filters.map((filter) => compileFilter(resourceType, filter, params, now));
  // Full-text clauses select resources of every type: a search they would drive needs the type as a clause too.
  const positives = clauses.filter((clause) => !clause.negate);
  if (positives.length > 0 && positives.every((clause) => clause.untyped === true)) clauses.push(typeClause(resourceType));
  const order = orderBy(resourceType, parsed.sort, params);
  const sortKey = sortWalkKey(parsed.sort, params, clauses, count, offset);
  const includePlans = planIncludes(resourceType, parsed.include, parsed.revinclude);
  registerSearchFunctions(db);
  return withFullTextErrors(() => {
    const plan = planMatches(db, resourceType, clauses);
    const { total, rids } = readSortedPage(db, resourceType, plan, clauses, sortKey, count, offset) ?? readPage(db, plan, order, count, offset);
    const page = loadRows(db, rids);
    const result: SearchResult = {
      resources: page.map((row) => JSON.parse(row.json) as Resource),
      included: loadIncludes(db, includePlans, page),
      total,
      offset,
      count,
    };
    if (count > 0 && offset + count < total) result.next = nextQuery(parsed, count, offset + count);
    return result;
  });
}

/**
 * A page sorted by one date parameter over many candidates: read in date order (sort-walk.ts) rather
 * than sorting them all; undefined when the search is not of that kind or the walk cannot tell.
 * Fewer candidates are walked too when they are dense enough among the parameter's rows that the
 * walk should fill the page early (shortWalk).
 */
function readSortedPage(
  db: SqliteDatabase,
  resourceType: string,
  plan: MatchPlan,
  clauses: readonly Clause[],
  sortKey: SortKey | undefined,
  count: number,
  offset: number,
): { total: number; rids: number[] } | undefined {
  if (sortKey === undefined) return undefined;
  if (!shortWalk(db, resourceType, sortKey, candidateCount(db, plan, SORT_WALK_MIN), offset + count)) return undefined;
  const rids = readSortWalk(db, resourceType, clauses, sortKey, count, offset, plan.sets);
  return rids === undefined ? undefined : { total: countMatches(db, plan), rids };
}

/** The page's records, in the page's order; read apart from the matching so only these rows' JSON is touched. */
function loadRows(db: SqliteDatabase, rids: readonly number[]): PageRow[] {
  const rows = prepareCached(db, 'SELECT rid, id, json FROM resources WHERE rid IN (SELECT value FROM json_each(?))').all(JSON.stringify(rids)) as PageRow[];
  const byRid = new Map(rows.map((row) => [row.rid, row]));
  return rids.map((rid) => byRid.get(rid)).filter((row) => row !== undefined);
}

/** search.html#count: the next page is the same query, as written, with `_count` and `_offset` moved on. */
function nextQuery(parsed: ParsedQuery, count: number, offset: number): string {
  return `${parsed.resourceType}?${[...parsed.pagingSegments, `_count=${count}`, `_offset=${offset}`].join('&')}`;
}

/**
 * Text search values reach FTS5 only as quoted strings (text-clause.ts), so FTS5 should never find
 * a syntax error in them; should one still occur, it is the user's query that it cannot read, not
 * an internal failure.
 */
function withFullTextErrors<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof Error && /\bfts5\b/i.test(error.message)) {
      throw new HearthError('invalid', 'the _text / _content search could not be read', [], { cause: error });
    }
    throw error;
  }
}

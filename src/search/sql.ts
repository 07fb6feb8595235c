import { storedAs } from '../fhir/search-index/index.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import type { IndexTable } from '../vault/index-tables.ts';

/**
 * Parameterised SQL fragments. Every user-supplied value travels as a bound parameter; the only text
 * spliced into SQL is Hearth's own: table, index and column names from fixed lists, and counts.
 */

export type SqlValue = string | number | null;

export interface Sql {
  text: string;
  params: SqlValue[];
}

export const sql = (text: string, ...params: SqlValue[]): Sql => ({ text, params });

export type { IndexTable } from '../vault/index-tables.ts';

/** Joins fragments with `separator`, concatenating their parameters in order. */
export function joinSql(parts: readonly Sql[], separator: string): Sql {
  return { text: parts.map((part) => part.text).join(separator), params: parts.flatMap((part) => part.params) };
}

/** `(?, ?, ...)` for an IN list. */
export function inList(values: readonly SqlValue[]): Sql {
  return { text: `(${values.map(() => '?').join(', ')})`, params: [...values] };
}

/**
 * One search parameter, compiled: the resources it selects, in two forms the planner (query-plan.ts)
 * chooses between — `set`, a SELECT of their rids (a rid may repeat), and `correlated`, the same test
 * for the one resource `d.rid` (undefined where only the set form is efficient, as for FTS5).
 */
export interface Clause {
  set: Sql;
  correlated: Sql | undefined;
  /** The parameter matches the resources NOT selected (`:not`, `:missing=true`). */
  negate: boolean;
  /**
   * How selective and cheap to count the clause usually is, 0 (an id) to 5 (every resource of a
   * type): the planner probes clauses in this order and stops once it has a small driver.
   */
  rank: number;
  /** The set may hold resources of other types (resource_text has no type column). */
  untyped?: boolean;
}

/** All resources of one type: added to a search whose positive clauses are all untyped. */
export function typeClause(resourceType: string): Clause {
  return {
    set: sql('SELECT rid FROM resources WHERE type = ?', resourceType),
    correlated: sql('EXISTS (SELECT 1 FROM resources WHERE rid = d.rid AND type = ?)', resourceType),
    negate: false,
    rank: 5,
  };
}

const TABLE_RANK: Record<IndexTable, number> = {
  idx_token: 1, idx_reference: 1, idx_uri: 1, idx_string: 2, idx_quantity: 2, idx_number: 2, idx_date: 3,
};

export interface IndexConditionOptions {
  negate?: boolean;
  /** The row conditions cannot narrow the index beyond (type, param): every row of the parameter is read. */
  scan?: boolean;
}

/**
 * The resources with an index row of `param` satisfying any of `rowConditions` (each a condition on
 * the index table's columns), or — with `rowConditions` undefined — any row at all.
 *
 * Both forms name their index: without statistics SQLite misjudges them (it answered
 * `target_type = ? AND target_id = ?` from idx_reference_target, reading every reference of every
 * type to the patient, and a per-resource lookup from the (type, param) prefix, reading every row of
 * the parameter per resource). In the set form each alternative is its own SELECT under UNION ALL,
 * so each gets its own index range; an OR inside one WHERE would get none.
 */
export function indexCondition(
  table: IndexTable,
  resourceType: string,
  param: string,
  rowConditions: readonly Sql[] | undefined,
  options: IndexConditionOptions = {},
): Clause {
  const sources = storedRows(table, resourceType, param);
  const selects: Sql[] = [];
  for (const source of sources) {
    const base = `SELECT rid FROM ${table} INDEXED BY ${table}_lookup WHERE type = ? AND ${source.text}`;
    if (rowConditions === undefined) selects.push({ text: base, params: [resourceType, ...source.params] });
    else for (const condition of rowConditions) selects.push({ text: `${base} AND (${condition.text})`, params: [resourceType, ...source.params, ...condition.params] });
  }
  const anyRow = rowConditions === undefined ? undefined : orOf(rowConditions);
  const anySource = orOf(sources);
  const correlated: Sql = sources.length === 0 ? sql('0') : {
    text: `EXISTS (SELECT 1 FROM ${table} INDEXED BY ${table}_rid WHERE rid = d.rid AND type = ? AND (${anySource.text})${anyRow === undefined ? '' : ` AND (${anyRow.text})`})`,
    params: [resourceType, ...anySource.params, ...(anyRow?.params ?? [])],
  };
  const rank = rowConditions === undefined || options.scan === true ? 4 : TABLE_RANK[table];
  const set = selects.length === 0 ? sql('SELECT rid FROM resources WHERE 0') : joinSql(selects, ' UNION ALL ');
  return { set, correlated, negate: options.negate ?? false, rank };
}

/**
 * The rows of `table` that hold values of `param`: its own, or for a derived parameter those of the
 * parameters that answer it (stored-params.ts), each a condition on the `param` column (and on
 * `target_type` for a target-filtered reference). Empty when no row of the table can hold a value of
 * it (a target-filtered parameter outside idx_reference, `_id`).
 */
export function storedRows(table: IndexTable, resourceType: string, param: string, alias = ''): Sql[] {
  const column = (name: string) => (alias === '' ? name : `${alias}.${name}`);
  return storedAs(resourceType, param).flatMap((entry) => {
    if (entry.targetType === undefined) return [sql(`${column('param')} = ?`, entry.code)];
    return table === 'idx_reference' ? [sql(`${column('param')} = ? AND ${column('target_type')} = ?`, entry.code, entry.targetType)] : [];
  });
}

/** `storedRows` as one condition (their OR); `0` where no row can hold a value of the parameter. */
export function storedRowsCondition(table: IndexTable, resourceType: string, param: string, alias = ''): Sql {
  const sources = storedRows(table, resourceType, param, alias);
  return sources.length === 0 ? sql('0') : orOf(sources);
}

const orOf = (conditions: readonly Sql[]): Sql => joinSql(conditions.map((condition) => ({ ...condition, text: `(${condition.text})` })), ' OR ');

/** Resources matching any of `clauses` (all positive). */
export function anyOf(clauses: readonly Clause[]): Clause {
  if (clauses.length === 1) return clauses[0]!;
  const correlated = clauses.every((clause) => clause.correlated !== undefined)
    ? joinSql(clauses.map((clause) => ({ ...clause.correlated!, text: `(${clause.correlated!.text})` })), ' OR ')
    : undefined;
  return {
    set: joinSql(clauses.map((clause) => clause.set), ' UNION ALL '),
    correlated,
    negate: false,
    rank: Math.max(...clauses.map((clause) => clause.rank)),
  };
}

/**
 * The smallest string greater than every string that starts with `prefix`, under SQLite's BINARY
 * collation (UTF-8 byte order, which is code point order): `value >= prefix AND value < upper` is a
 * prefix match that an index can answer, unlike LIKE or substr().
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const chars = Array.from(prefix);
  while (chars.length > 0) {
    const last = chars.pop()!.codePointAt(0)!;
    let next = last + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= 0x10ffff) return chars.join('') + String.fromCodePoint(next);
  }
  return undefined;
}

/** `column` starts with `prefix`, as an index-friendly range. */
export function startsWith(column: string, prefix: string): Sql {
  const upper = prefixUpperBound(prefix);
  return upper === undefined ? sql(`${column} >= ?`, prefix) : sql(`${column} >= ? AND ${column} < ?`, prefix, upper);
}

type Statement = ReturnType<SqliteDatabase['prepare']>;
const statementCaches = new WeakMap<SqliteDatabase, Map<string, Statement>>();
const STATEMENT_CACHE_LIMIT = 256;

/** Prepared statements by SQL text, per connection: a search's SQL text depends only on its shape, not its values. */
export function prepareCached(db: SqliteDatabase, text: string): Statement {
  let cache = statementCaches.get(db);
  if (cache === undefined) {
    cache = new Map();
    statementCaches.set(db, cache);
  }
  let statement = cache.get(text);
  if (statement === undefined) {
    if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear();
    statement = db.prepare(text);
    cache.set(text, statement);
  }
  return statement;
}

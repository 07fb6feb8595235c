import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { prepareCached } from '../search/sql.ts';

/** What the one search box asks: an FTS5 MATCH expression plus optional structured filters. */
export interface FindFilters {
  /** An FTS5 expression built by search/text-clause.ts (every word quoted), or undefined for "any record". */
  match: string | undefined;
  types: readonly string[];
  /** Epoch milliseconds: records whose clinical date range overlaps [from, to]. */
  from: number | undefined;
  to: number | undefined;
  /** A code of the record's `code`-like token parameter (any system). */
  code: string | undefined;
  sourceId: string | undefined;
  /** Records per type in the answer. */
  perType: number;
}

export interface FindRow {
  type: string;
  json: string;
  sourceId: string | null;
  total: number;
}

/**
 * The (type, parameter) pairs of "what this record is about" codes: listed so each lookup uses
 * idx_token_lookup (type, param, code), instead of scanning every token row for a code.
 */
const CODE_PARAMS: [string, string][] = [
  ['Observation', 'code'],
  ['Condition', 'code'],
  ['Procedure', 'code'],
  ['DiagnosticReport', 'code'],
  ['MedicationRequest', 'code'],
  ['MedicationStatement', 'code'],
  ['MedicationAdministration', 'code'],
  ['Medication', 'code'],
  ['AllergyIntolerance', 'code'],
  ['Immunization', 'vaccine-code'],
  ['ServiceRequest', 'code'],
  ['DocumentReference', 'type'],
  ['Encounter', 'type'],
  ['Device', 'type'],
  ['CarePlan', 'category'],
  ['Goal', 'category'],
];

/**
 * One statement for the whole search: the FTS5 index (or all records) narrowed by the filters, ranked
 * by bm25 within each type, the first `perType` of each type with the type's total (window functions
 * over row ids only; the JSON is read for the chosen rows alone). Every value is a bound parameter.
 */
export function findRows(db: SqliteDatabase, filters: FindFilters): FindRow[] {
  const where: string[] = [];
  const params: unknown[] = [];
  let source = 'resources r';
  let rank = 'r.last_updated DESC';
  if (filters.match !== undefined) {
    source = '(SELECT rowid AS rid, bm25(resource_text) AS score FROM resource_text WHERE resource_text MATCH ?) t JOIN resources r ON r.rid = t.rid';
    params.push(filters.match);
    rank = 't.score, r.last_updated DESC';
  }
  if (filters.types.length > 0) {
    where.push(`r.type IN (${filters.types.map(() => '?').join(', ')})`);
    params.push(...filters.types);
  }
  if (filters.from !== undefined || filters.to !== undefined) {
    // Any date parameter except meta.lastUpdated: the clinical date, whatever the type calls it.
    where.push("EXISTS (SELECT 1 FROM idx_date d WHERE d.rid = r.rid AND d.param NOT LIKE '\\_%' ESCAPE '\\' AND d.end >= ? AND d.start <= ?)");
    params.push(filters.from ?? Number.MIN_SAFE_INTEGER, filters.to ?? Number.MAX_SAFE_INTEGER);
  }
  if (filters.code !== undefined) {
    where.push(`r.rid IN (${CODE_PARAMS.map(() => 'SELECT rid FROM idx_token WHERE type = ? AND param = ? AND code = ?').join(' UNION ALL ')})`);
    for (const [type, param] of CODE_PARAMS) params.push(type, param, filters.code);
  }
  if (filters.sourceId !== undefined) {
    where.push('r.source_id = ?');
    params.push(filters.sourceId);
  }
  const text = `SELECT p.type, r.json, r.source_id AS sourceId, p.total FROM (
      SELECT r.rid, r.type,
        ROW_NUMBER() OVER (PARTITION BY r.type ORDER BY ${rank}) AS position,
        COUNT(*) OVER (PARTITION BY r.type) AS total
      FROM ${source} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ) p JOIN resources r ON r.rid = p.rid WHERE p.position <= ? ORDER BY p.total DESC, p.type, p.position`;
  params.push(filters.perType);
  return prepareCached(db, text).all(params) as FindRow[];
}

/** The source of each of the records (type, id) asked, for list badges. */
export function sourceIdsOf(db: SqliteDatabase, type: string, ids: readonly string[]): Map<string, string | null> {
  const out = new Map<string, string | null>();
  if (ids.length === 0) return out;
  const rows = prepareCached(db, `SELECT id, source_id AS sourceId FROM resources WHERE type = ? AND id IN (${ids.map(() => '?').join(', ')})`).all([type, ...ids]) as {
    id: string;
    sourceId: string | null;
  }[];
  for (const row of rows) out.set(row.id, row.sourceId);
  return out;
}

/**
 * The vault id of the Binary a record's source calls `Binary/<sourceBinaryId>` (an attachment URL is
 * not a Reference, so the import does not rewrite it; records/record-store.ts maps ids per source).
 */
export function binaryIdFor(db: SqliteDatabase, recordType: string, recordId: string, sourceBinaryId: string): string {
  const row = prepareCached(
    db,
    `SELECT m.id FROM resources r JOIN source_ids m ON m.source_id = r.source_id AND m.type = 'Binary' AND m.source_resource_id = ?
     WHERE r.type = ? AND r.id = ?`,
  ).get([sourceBinaryId, recordType, recordId]) as { id: string } | undefined;
  return row?.id ?? sourceBinaryId;
}

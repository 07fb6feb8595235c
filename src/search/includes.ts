import type { Resource } from '@medplum/fhirtypes';
import { HearthError } from '../errors/hearth-error.ts';
import { indexedSearchParams, storedAs } from '../fhir/search-index/index.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import type { IncludeRequest } from './parse-query.ts';
import { inList, prepareCached, storedRowsCondition, type SqlValue } from './sql.ts';

export interface PageRow {
  rid: number;
  id: string;
  json: string;
}

/**
 * search.html#include: `_include` adds the resources the page's matches refer to through a reference
 * parameter (`Observation:subject`, optionally only targets of one type: `Observation:subject:Patient`;
 * `*` for every reference parameter); `_revinclude` adds the resources that refer to the page's matches
 * (`Provenance:target`). One level only (no `:iterate`). Only resources held in this vault are
 * included: references resolve through idx_reference (target_type, target_id) → resources (type, id).
 * The result is de-duplicated and leaves out resources already among the matches.
 */
export interface IncludePlan {
  sql: string;
  /** Parameters after the first, which is the page as JSON: its rids (`_include`) or its ids (`_revinclude`). */
  params: SqlValue[];
  page: 'rids' | 'ids';
}

/** Checks the include requests and prepares their SQL, before anything runs (a bad `_include` fails even on an empty page). */
export function planIncludes(resourceType: string, include: readonly IncludeRequest[], revinclude: readonly IncludeRequest[]): IncludePlan[] {
  return [...include.map((request) => includeQuery(resourceType, request)), ...revinclude.map((request) => revincludeQuery(resourceType, request))];
}

export function loadIncludes(db: SqliteDatabase, plans: readonly IncludePlan[], page: readonly PageRow[]): Resource[] {
  if (page.length === 0 || plans.length === 0) return [];
  const seen = new Set(page.map((row) => row.rid));
  const pageJson = { rids: JSON.stringify(page.map((row) => row.rid)), ids: JSON.stringify(page.map((row) => row.id)) };
  const included: Resource[] = [];
  for (const plan of plans) {
    for (const row of prepareCached(db, plan.sql).all([pageJson[plan.page], ...plan.params]) as PageRow[]) {
      if (seen.has(row.rid)) continue;
      seen.add(row.rid);
      included.push(JSON.parse(row.json) as Resource);
    }
  }
  return included;
}

function includeQuery(resourceType: string, request: IncludeRequest): IncludePlan {
  const sourceType = request.sourceType === '*' ? resourceType : request.sourceType;
  if (sourceType !== resourceType) {
    throw new HearthError('invalid', `_include=${request.sourceType}:${request.param} must start with the searched type ${resourceType} (only one level of includes)`);
  }
  const conditions = ['x.rid IN (SELECT value FROM json_each(?))', 'x.type = ?'];
  const params: SqlValue[] = [resourceType];
  if (request.param !== '*') {
    referenceParam(sourceType, request.param, '_include');
    const sources = storedRowsCondition('idx_reference', sourceType, request.param, 'x');
    conditions.push(`(${sources.text})`);
    params.push(...sources.params);
  }
  if (request.targetType !== undefined) {
    conditions.push('x.target_type = ?');
    params.push(request.targetType);
  }
  const sql = `SELECT rid, id, json FROM resources WHERE rid IN (SELECT t.rid FROM idx_reference x INDEXED BY idx_reference_rid
    JOIN resources t ON t.type = x.target_type AND t.id = x.target_id WHERE ${conditions.join(' AND ')}) ORDER BY rid`;
  return { sql, params, page: 'rids' };
}

function revincludeQuery(resourceType: string, request: IncludeRequest): IncludePlan {
  if (request.sourceType === '*') throw new HearthError('invalid', '_revinclude=* is not supported: name the referring type and parameter (e.g. Provenance:target)');
  if (request.param !== '*') referenceParam(request.sourceType, request.param, '_revinclude');
  // `Type:*`: every reference parameter of the referring type, named, so that the (type, param,
  // target_id) index still applies; the (target_type, target_id) index would read every reference to
  // the target from every type (for a patient, nearly the whole vault).
  const codes = request.param === '*' ? referenceParams(request.sourceType) : [request.param];
  if (codes.length === 0) throw new HearthError('invalid', `_revinclude: ${request.sourceType} has no reference parameters`);
  // The rows that answer each parameter (stored-params.ts); a target-filtered one only when its
  // target is the searched type, which `x.target_type = ?` then checks.
  const stored = codes.flatMap((code) => storedAs(request.sourceType, code)).filter((entry) => entry.targetType === undefined || entry.targetType === resourceType);
  if (stored.length === 0) return { sql: 'SELECT rid, id, json FROM resources WHERE 0 AND ? IS NOT NULL', params: [], page: 'ids' };
  const list = inList([...new Set(stored.map((entry) => entry.code))]);
  const sql = `SELECT rid, id, json FROM resources WHERE rid IN (SELECT x.rid FROM idx_reference x INDEXED BY idx_reference_lookup
    WHERE x.target_id IN (SELECT value FROM json_each(?)) AND x.type = ? AND x.param IN ${list.text} AND x.target_type = ?) ORDER BY rid`;
  return { sql, params: [request.sourceType, ...list.params, resourceType], page: 'ids' };
}

function referenceParams(resourceType: string): string[] {
  return indexedSearchParams(resourceType).filter((param) => param.type === 'reference').map((param) => param.code);
}

function referenceParam(resourceType: string, code: string, kind: string): void {
  const param = indexedSearchParams(resourceType).find((candidate) => candidate.code === code);
  if (param === undefined) throw new HearthError('invalid', `${kind}: unknown search parameter "${code}" for ${resourceType}`);
  if (param.type !== 'reference') throw new HearthError('invalid', `${kind}: "${code}" of ${resourceType} is a ${param.type} parameter, not a reference`);
}

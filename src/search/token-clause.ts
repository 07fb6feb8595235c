import { normalizeString } from '../fhir/search-index/index.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { invalidValue, rejectModifier, type ClauseInput } from './clause.ts';
import { splitEscaped, unescapeValue } from './parse-query.ts';
import { indexCondition, inList, sql, startsWith, type Clause, type Sql } from './sql.ts';

/** SQL function applying the string normalizer (idx_token.display is stored as written). */
export const NORMALIZE_FUNCTION = 'hearth_normalize_string';

const registered = new WeakSet<SqliteDatabase>();

/** Registers the functions the compiled SQL calls; once per connection. */
export function registerSearchFunctions(db: SqliteDatabase): void {
  if (registered.has(db)) return;
  db.function(NORMALIZE_FUNCTION, { deterministic: true }, (value: unknown) => (typeof value === 'string' ? normalizeString(value) : null));
  registered.add(db);
}

/**
 * search.html#token: `[code]`, `[system]|[code]`, `|[code]` (no system) and `[system]|` (any code of
 * the system). Matching is exact and case-sensitive: the spec leaves case to the code system, and
 * the systems in health records (LOINC, SNOMED CT, RxNorm, identifiers) are case-sensitive or upper-case.
 * Covers Coding, CodeableConcept, Identifier, ContactPoint, code and boolean values alike, since the
 * index holds each as (system, code).
 */
export function tokenClause(input: ClauseInput): Clause {
  const { resourceType, filter, param } = input;
  if (param.code === '_id') return idClause(input);
  switch (filter.modifier) {
    case undefined:
      return indexCondition('idx_token', resourceType, param.code, filter.values.map((value) => tokenRow(input, value)));
    // `:not`: resources with no matching token, including those with no value at all.
    case 'not':
      return indexCondition('idx_token', resourceType, param.code, filter.values.map((value) => tokenRow(input, value)), { negate: true });
    // `:text`: "the search parameter is tested against the text/display", here as a string search
    // (normalized starts-with, search.html#string) on Coding.display / CodeableConcept.text / Identifier.type.text.
    case 'text':
      return indexCondition('idx_token', resourceType, param.code, filter.values.map((value) =>
        startsWith(`${NORMALIZE_FUNCTION}(display)`, normalizeString(unescapeValue(value)))), { scan: true });
    default:
      return rejectModifier(input);
  }
}

function tokenRow(input: ClauseInput, value: string): Sql {
  const parts = splitEscaped(value, '|');
  if (parts.length > 2) throw invalidValue(input, value, '[code], [system]|[code], |[code] or [system]|');
  const [first, second] = parts.map(unescapeValue);
  if (second === undefined) return sql('code = ?', first ?? '');
  if (first === '' && second === '') throw invalidValue(input, value, 'a system or a code around "|"');
  if (first === '') return sql('code = ? AND system IS NULL', second);
  if (second === '') return sql('system = ?', first ?? '');
  return sql('code = ? AND system = ?', second, first ?? '');
}

/**
 * `_id` (search.html#id) against the resources table itself: its unique (type, id) index answers it,
 * and the index holds no `_id` rows (stored-params.ts). `:not` is every other record; `:text` has no
 * display to test and `:missing` no record without an id (compile-filter.ts).
 */
function idClause(input: ClauseInput): Clause {
  const { modifier } = input.filter;
  if (modifier !== undefined && modifier !== 'not') return rejectModifier(input);
  const list = inList(input.filter.values.map(unescapeValue));
  return {
    set: { text: `SELECT rid FROM resources WHERE type = ? AND id IN ${list.text}`, params: [input.resourceType, ...list.params] },
    correlated: { text: `EXISTS (SELECT 1 FROM resources WHERE rid = d.rid AND id IN ${list.text})`, params: list.params },
    negate: modifier === 'not',
    rank: 0,
  };
}

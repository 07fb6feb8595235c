import { normalizeString } from '../fhir/search-index/index.ts';
import { rejectModifier, type ClauseInput } from './clause.ts';
import { unescapeValue } from './parse-query.ts';
import { indexCondition, sql, startsWith, type Clause } from './sql.ts';

/**
 * search.html#string. Default: "equals or starts with the supplied parameter value, after both have
 * been normalized by case and accent" — the index stores the normalized form (idx_string.value), and
 * the query value goes through the same normalizer, so this is a range scan on (type, param, value).
 * `:exact`: the whole value, as written (case and accents count). `:contains`: normalized substring.
 */
export function stringClause(input: ClauseInput): Clause {
  const { resourceType, filter, param } = input;
  const values = filter.values.map(unescapeValue);
  switch (filter.modifier) {
    case undefined:
      return indexCondition('idx_string', resourceType, param.code, values.map((value) => startsWith('value', normalizeString(value))));
    case 'exact':
      // An exact match is also equal once normalized: the equality on `value` lets the index narrow it first.
      return indexCondition('idx_string', resourceType, param.code, values.map((value) => sql('value = ? AND raw = ?', normalizeString(value), value)));
    case 'contains':
      return indexCondition('idx_string', resourceType, param.code, values.map((value) => sql('instr(value, ?) > 0', normalizeString(value))), { scan: true });
    default:
      return rejectModifier(input);
  }
}

/**
 * search.html#uri: exact match by default. `:below` — the value is a prefix of the stored URI
 * (everything under it); `:above` — the stored URI is a prefix of the value (everything it lies under).
 */
export function uriClause(input: ClauseInput): Clause {
  const { resourceType, filter, param } = input;
  const values = filter.values.map(unescapeValue);
  switch (filter.modifier) {
    case undefined:
      return indexCondition('idx_uri', resourceType, param.code, values.map((value) => sql('value = ?', value)));
    case 'below':
      return indexCondition('idx_uri', resourceType, param.code, values.map((value) => startsWith('value', value)));
    case 'above':
      return indexCondition('idx_uri', resourceType, param.code, values.map((value) => sql('instr(?, value) = 1', value)), { scan: true });
    default:
      return rejectModifier(input);
  }
}

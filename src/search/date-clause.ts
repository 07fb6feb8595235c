import { dateRange } from '../fhir/search-index/index.ts';
import { invalidValue, rejectModifier, splitPrefix, type ClauseInput, type Prefix } from './clause.ts';
import { unescapeValue } from './parse-query.ts';
import { indexCondition, sql, type Clause, type Sql } from './sql.ts';

const DAY_MS = 86_400_000;

/**
 * search.html#date. Both sides are ranges: the stored value covers [start, end] at its precision
 * (idx_date), and so does the search value (`2013-01` is all of January 2013). The prefixes compare
 * the two ranges as the table in search.html#prefix says, with S = [qs, qe] the search range and
 * T = [start, end] the stored one (both closed, in epoch milliseconds):
 *
 * - eq: S fully contains T                                   start >= qs AND end <= qe
 * - ne: S does not fully contain T                           start < qs OR end > qe
 * - gt: the range above S overlaps T                         end > qe
 * - lt: the range below S overlaps T                         start < qs
 * - ge: gt, or S fully contains T                            start >= qs OR end > qe   (start <= end)
 * - le: lt, or S fully contains T                            end <= qe OR start < qs
 * - sa: T does not overlap S and lies above it               start > qe
 * - eb: T does not overlap S and lies below it               end < qs
 * - ap: S, widened, overlaps T. The spec recommends "10% of the gap between now and the date"; Hearth
 *   widens S on both sides by 10% of the distance from now to the middle of S, and by at least one
 *   day, so `ap` on a recent date still tolerates a day's difference in time zones or recording.
 *
 * A value with a time but no zone is read as UTC, like the stored values (see search-index date-range.ts).
 */
export function dateClause(input: ClauseInput): Clause {
  const { resourceType, filter, param } = input;
  if (filter.modifier !== undefined) return rejectModifier(input);
  const searches = filter.values.map((value) => {
    const { prefix, rest } = splitPrefix(unescapeValue(value));
    const range = dateRange(rest);
    if (range === undefined) throw invalidValue(input, value, 'an optional prefix and a date, e.g. ge2020-01-15 or 2021-03-04T10:00:00Z');
    return { prefix, range };
  });
  // idx_date_lookup orders by start: prefixes that test the end read every row of the parameter.
  const scan = searches.some(({ prefix }) => END_PREFIXES.has(prefix));
  return indexCondition('idx_date', resourceType, param.code, searches.map(({ prefix, range }) => dateRow(prefix, range, input.now)), { scan });
}

const END_PREFIXES = new Set<Prefix>(['ne', 'gt', 'ge', 'le', 'eb']);

function dateRow(prefix: Prefix, [qs, qe]: [number, number], now: number): Sql {
  switch (prefix) {
    case 'eq': return sql('start >= ? AND end <= ?', qs, qe);
    case 'ne': return sql('start < ? OR end > ?', qs, qe);
    case 'gt': return sql('end > ?', qe);
    case 'lt': return sql('start < ?', qs);
    case 'ge': return sql('start >= ? OR end > ?', qs, qe);
    case 'le': return sql('end <= ? OR start < ?', qe, qs);
    case 'sa': return sql('start > ?', qe);
    case 'eb': return sql('end < ?', qs);
    case 'ap': {
      const margin = Math.max(DAY_MS, Math.round(Math.abs(now - (qs + qe) / 2) * 0.1));
      return sql('start <= ? AND end >= ?', qe + margin, qs - margin);
    }
  }
}

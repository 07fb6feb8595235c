import { HearthError } from '../errors/hearth-error.ts';
import type { SearchFilter } from './parse-query.ts';
import { unescapeValue } from './parse-query.ts';
import type { Clause } from './sql.ts';

/**
 * search.html#_text and #_content: full-text search, over the narrative (`_text`) or over all of a
 * resource's text (`_content`), answered by the FTS5 table `resource_text` (rowid = resources.rid).
 *
 * User input never reaches FTS5 as syntax: every word becomes a quoted string (`"` doubled), so
 * `AND`, `NEAR`, `*`, `:` and unbalanced quotes are just text. Words must all occur (FTS5's implicit
 * AND); the last word also matches as a prefix, so a search typed as you go ("hemog") finds "hemoglobin".
 * Comma-separated values are alternatives (search.html#combining). The tokenizer (unicode61,
 * remove_diacritics 2) folds case and accents the same way on both sides.
 */
export function textClause(filter: SearchFilter): Clause {
  if (filter.modifier !== undefined) throw new HearthError('invalid', `modifier ":${filter.modifier}" is not valid on ${filter.code}`);
  const column = filter.code === '_text' ? 'narrative' : undefined;
  const alternatives = filter.values.map((value) => {
    const words = unescapeValue(value).split(/\s+/u).filter((word) => word !== '');
    if (words.length === 0) throw new HearthError('invalid', `${filter.code} needs at least one word`);
    return words.map((word, index) => phrase(word, column, index === words.length - 1)).join(' AND ');
  });
  const match = alternatives.length === 1 ? alternatives[0]! : alternatives.map((group) => `(${group})`).join(' OR ');
  // No correlated form: FTS5 does not use `rowid = ?` next to MATCH and would rerun the query per row.
  return { set: { text: 'SELECT rowid AS rid FROM resource_text WHERE resource_text MATCH ?', params: [match] }, correlated: undefined, negate: false, rank: 2, untyped: true };
}

function phrase(word: string, column: string | undefined, prefix: boolean): string {
  const quoted = `"${word.replaceAll('"', '""')}"${prefix ? ' *' : ''}`;
  return column === undefined ? quoted : `${column} : ${quoted}`;
}

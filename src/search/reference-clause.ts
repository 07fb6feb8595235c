import { HearthError } from '../errors/hearth-error.ts';
import { INDEXED_RESOURCE_TYPES } from '../fhir/search-index/index.ts';
import { invalidValue, rejectModifier, type ClauseInput } from './clause.ts';
import { unescapeValue } from './parse-query.ts';
import { anyOf, indexCondition, inList, sql, type Clause, type Sql } from './sql.ts';

const RESOURCE_TYPES = new Set(INDEXED_RESOURCE_TYPES);
/** datatypes.html#id */
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** `Type/id`, optionally `/_history/version` (references.html#literal). */
const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
/** An absolute URL's `Type/id` tail. */
const ABSOLUTE_TAIL = /\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

/**
 * search.html#reference: `[type]/[id]`, a plain `[id]` (any target type the parameter allows), an
 * absolute URL (matched by its `Type/id` tail: Hearth stores references relative to the vault,
 * whichever server they came from), and the `:[type]` modifier (`subject:Patient=123`).
 * Matching goes through idx_reference (target_type, target_id), which the search index resolves
 * from every form a source may have written. An absolute URL also matches canonical values the
 * parameter reaches (stored in idx_uri, e.g. `instantiates-canonical`).
 */
export function referenceClause(input: ClauseInput): Clause {
  const { resourceType, filter, param } = input;
  const modifier = filter.modifier;
  if (modifier !== undefined && !RESOURCE_TYPES.has(modifier)) return rejectModifier(input);
  if (modifier !== undefined && param.target !== undefined && !param.target.includes(modifier)) {
    throw new HearthError('invalid', `parameter "${filter.code}" of ${resourceType} cannot refer to ${modifier} (it refers to ${param.target.join(', ')})`);
  }
  const references: Sql[] = [];
  const canonicals: string[] = [];
  for (const escaped of filter.values) {
    const value = unescapeValue(escaped);
    if (modifier !== undefined) {
      // `subject:Patient=123`; `subject:Patient=Patient/123` says the same twice and is read as meant.
      const id = value.startsWith(`${modifier}/`) ? value.slice(modifier.length + 1) : value;
      if (!ID.test(id)) throw invalidValue(input, escaped, `a ${modifier} id with :${modifier}`);
      references.push(sql('target_id = ? AND target_type = ?', id, modifier));
      continue;
    }
    if (value.includes('://')) canonicals.push(value);
    const target = RELATIVE.exec(value) ?? (value.includes('://') ? ABSOLUTE_TAIL.exec(value) : null);
    if (target !== null) {
      references.push(sql('target_id = ? AND target_type = ?', target[2]!, target[1]!));
    } else if (ID.test(value)) {
      references.push(plainId(value, param.target));
    } else if (!value.includes('://')) {
      throw invalidValue(input, escaped, '[type]/[id], [id] or an absolute URL');
    }
  }
  const clauses: Clause[] = [];
  if (references.length > 0) clauses.push(indexCondition('idx_reference', resourceType, param.code, references));
  if (canonicals.length > 0) clauses.push(indexCondition('idx_uri', resourceType, param.code, canonicals.map((url) => sql('value = ?', url))));
  return anyOf(clauses);
}

function plainId(id: string, targets: readonly string[] | undefined): Sql {
  // A parameter that may point at (nearly) anything gains nothing from listing every type.
  if (targets === undefined || targets.length > 20) return sql('target_id = ? AND target_type IS NOT NULL', id);
  const list = inList(targets);
  return { text: `target_id = ? AND target_type IN ${list.text}`, params: [id, ...list.params] };
}

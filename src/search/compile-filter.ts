import { getSearchParameters } from '@medplum/core';
import { HearthError } from '../errors/hearth-error.ts';
import { loadFhirDefinitions } from '../fhir/definitions.ts';
import type { IndexedSearchParam } from '../fhir/search-index/index.ts';
import type { ClauseInput } from './clause.ts';
import { dateClause } from './date-clause.ts';
import type { SearchFilter } from './parse-query.ts';
import { numberClause, quantityClause } from './quantity-clause.ts';
import { referenceClause } from './reference-clause.ts';
import { indexCondition, type Clause, type IndexTable } from './sql.ts';
import { stringClause, uriClause } from './string-clause.ts';
import { textClause } from './text-clause.ts';
import { tokenClause } from './token-clause.ts';

const TABLES: Record<IndexedSearchParam['type'], IndexTable> = {
  token: 'idx_token',
  string: 'idx_string',
  date: 'idx_date',
  quantity: 'idx_quantity',
  number: 'idx_number',
  reference: 'idx_reference',
  uri: 'idx_uri',
};

const CLAUSES: Record<IndexedSearchParam['type'], (input: ClauseInput) => Clause> = {
  token: tokenClause,
  string: stringClause,
  date: dateClause,
  quantity: quantityClause,
  number: numberClause,
  reference: referenceClause,
  uri: uriClause,
};

/**
 * One search parameter → one clause. Comma-separated values are OR'd inside the clause; the planner
 * ANDs the clauses of repeated parameters (search.html#combining).
 */
export function compileFilter(
  resourceType: string,
  filter: SearchFilter,
  params: ReadonlyMap<string, IndexedSearchParam>,
  now: number,
): Clause {
  if (filter.code === '_text' || filter.code === '_content') return textClause(filter);
  const param = params.get(filter.code);
  if (param === undefined) throw unknownParameter(resourceType, filter.code);
  if (filter.modifier === 'missing') return missingClause(resourceType, filter, param);
  return CLAUSES[param.type]({ resourceType, param, filter, now });
}

/**
 * search.html#missing: `:missing=true` — resources with no value for the parameter (no index row);
 * `:missing=false` — resources with at least one.
 */
function missingClause(resourceType: string, filter: SearchFilter, param: IndexedSearchParam): Clause {
  const [value] = filter.values;
  if (filter.values.length !== 1 || (value !== 'true' && value !== 'false')) {
    throw new HearthError('invalid', `${filter.key} takes true or false, not "${filter.values.join(',')}"`);
  }
  if (param.code === '_id') throw new HearthError('invalid', 'every resource has an id: _id:missing is not meaningful');
  return indexCondition(TABLES[param.type], resourceType, param.code, undefined, { negate: value === 'true' });
}

/** A parameter the vault has no index for: FHIR defines it but Hearth cannot answer it (unsupported), or it does not exist (invalid). */
function unknownParameter(resourceType: string, code: string): HearthError {
  loadFhirDefinitions();
  const defined = getSearchParameters(resourceType)?.[code];
  if (defined?.type === 'composite') return new HearthError('unsupported', `composite search parameter "${code}" of ${resourceType} is not supported`);
  if (defined !== undefined) return new HearthError('unsupported', `search parameter "${code}" (${defined.type}) of ${resourceType} is not supported`);
  return new HearthError('invalid', `unknown search parameter "${code}" for ${resourceType}`);
}

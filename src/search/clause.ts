import { HearthError } from '../errors/hearth-error.ts';
import type { IndexedSearchParam } from '../fhir/search-index/index.ts';
import type { SearchFilter } from './parse-query.ts';

/** What a clause compiler needs: the searched type, the parameter's definition and the filter as written. */
export interface ClauseInput {
  resourceType: string;
  param: IndexedSearchParam;
  filter: SearchFilter;
  /** Epoch milliseconds of "now", for date `ap` (search.html#prefix). */
  now: number;
}

/** A modifier the clause does not take: one FHIR defines for the type → unsupported (not implemented here), any other → invalid. */
export function rejectModifier(input: ClauseInput): never {
  const { filter, param } = input;
  const modifier = filter.modifier ?? '';
  if (isSpecifiedFor(param.type, modifier)) {
    throw new HearthError('unsupported', `modifier ":${modifier}" on ${param.type} parameter "${filter.code}" is not supported`);
  }
  throw new HearthError('invalid', `modifier ":${modifier}" is not valid on ${param.type} parameter "${filter.code}"`);
}

// search.html#modifiers: the modifiers R4 defines per parameter type that Hearth does not implement
// (`:missing` on every type, `:exact`/`:contains` on strings etc. are implemented and never get here).
function isSpecifiedFor(type: string, modifier: string): boolean {
  switch (type) {
    case 'token':
      return ['text', 'not', 'above', 'below', 'in', 'not-in', 'of-type'].includes(modifier);
    case 'reference':
      return ['identifier', 'above', 'below'].includes(modifier);
    case 'uri':
      return ['above', 'below'].includes(modifier);
    default:
      return false;
  }
}

export function invalidValue(input: ClauseInput, value: string, expected: string): HearthError {
  return new HearthError('invalid', `"${value}" is not a valid value for ${input.param.type} parameter "${input.filter.key}": expected ${expected}`);
}

/** search.html#prefix: the comparison prefixes of number, date and quantity values. */
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

// A prefix is two letters before the value proper, which starts with a digit, a sign or a point.
const PREFIXED = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[0-9+\-.])/;

/** Splits `ge2020` into `ge` and `2020`; no prefix means `eq`. */
export function splitPrefix(value: string): { prefix: Prefix; rest: string } {
  const match = PREFIXED.exec(value);
  if (match === null) return { prefix: 'eq', rest: value };
  return { prefix: match[1] as Prefix, rest: value.slice(2) };
}

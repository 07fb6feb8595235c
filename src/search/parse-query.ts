import { HearthError } from '../errors/hearth-error.ts';

/**
 * Parsing of a FHIR R4 search query (`Type?name=value&...`) into filters and result parameters.
 *
 * Why not @medplum/core's parseSearchRequest: for parameters it knows, it keeps only the modifiers it
 * has an Operator for (so `subject:Patient=123` becomes a plain `subject=123` and a misspelt
 * `name:exakt` silently becomes `name`), it reads one prefix for a whole comma list (`date=ge2020,lt2010`),
 * its behaviour changes with whether the global FHIR definitions are loaded, and `+` in a query
 * (`2020-01-01T10:00:00+01:00`) turns into a space. Search on health records must not answer a
 * different question than the one asked, so the query is split here and every part is checked.
 */

/** One `name[:modifier]=value` pair; `values` are its comma-separated alternatives (search.html#combining), still escaped. */
export interface SearchFilter {
  /** The key as written, for messages: `subject:Patient`. */
  key: string;
  code: string;
  modifier: string | undefined;
  values: string[];
}

export interface SortKey {
  code: string;
  descending: boolean;
}

/** `_include=Source:param[:Target]` or `_revinclude=Source:param` (search.html#include); `param` may be `*`. */
export interface IncludeRequest {
  sourceType: string;
  param: string;
  targetType: string | undefined;
}

export interface ParsedQuery {
  resourceType: string;
  filters: SearchFilter[];
  sort: SortKey[];
  count: number;
  offset: number;
  include: IncludeRequest[];
  revinclude: IncludeRequest[];
  /** The query's own `name=value` segments, as written, minus `_count` and `_offset`: the base of the next-page link. */
  pagingSegments: string[];
}

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;

/** Result parameters that change the shape of the answer rather than which records match (search.html#return). */
const UNSUPPORTED_RESULT_PARAMETERS = new Set([
  '_summary', '_elements', '_contained', '_containedType', '_has', '_type', '_list', '_query', '_filter', '_graph', '_score', '_cursor',
]);
/** Transport parameters with no effect on a search's result (http.html#parameters). */
const IGNORED_PARAMETERS = new Set(['_total', '_format', '_pretty']);

const RESOURCE_TYPE = /^[A-Z][A-Za-z]+$/;

export function parseQuery(query: string): ParsedQuery {
  const question = query.indexOf('?');
  const resourceType = question === -1 ? query : query.slice(0, question);
  if (!RESOURCE_TYPE.test(resourceType)) throw new HearthError('invalid', `"${resourceType}" is not a resource type`);
  const parsed: ParsedQuery = {
    resourceType, filters: [], sort: [], count: DEFAULT_COUNT, offset: 0, include: [], revinclude: [], pagingSegments: [],
  };
  const seen = new Set<string>();
  const segments = question === -1 ? [] : query.slice(question + 1).split('&');
  for (const segment of segments) {
    if (segment === '') continue;
    const equals = segment.indexOf('=');
    const key = decode(equals === -1 ? segment : segment.slice(0, equals));
    const value = equals === -1 ? '' : decode(segment.slice(equals + 1));
    if (key !== '_count' && key !== '_offset') parsed.pagingSegments.push(segment);
    readParameter(parsed, key, value, seen);
  }
  return parsed;
}

function readParameter(parsed: ParsedQuery, key: string, value: string, seen: Set<string>): void {
  const colon = key.indexOf(':');
  const code = colon === -1 ? key : key.slice(0, colon);
  const modifier = colon === -1 ? undefined : key.slice(colon + 1);
  if (IGNORED_PARAMETERS.has(code)) return;
  if (UNSUPPORTED_RESULT_PARAMETERS.has(code)) throw new HearthError('unsupported', `search parameter "${key}" is not supported`);
  if (key.includes('.')) throw new HearthError('unsupported', `chained search parameter "${key}" is not supported`);
  if (code === '_include' || code === '_revinclude') {
    if (modifier === 'iterate' || modifier === 'recurse') throw new HearthError('unsupported', `"${key}" is not supported (only one level of includes)`);
    if (modifier !== undefined) throw new HearthError('invalid', `unknown modifier ":${modifier}" on ${code}`);
    (code === '_include' ? parsed.include : parsed.revinclude).push(parseInclude(code, value));
    return;
  }
  if (code === '_sort' || code === '_count' || code === '_offset') {
    if (modifier !== undefined) throw new HearthError('invalid', `${code} takes no modifier`);
    if (seen.has(code)) throw new HearthError('invalid', `${code} is given more than once`);
    seen.add(code);
    if (code === '_sort') parsed.sort = parseSort(value);
    else if (code === '_count') parsed.count = Math.min(parseCount(code, value), MAX_COUNT);
    else parsed.offset = parseCount(code, value);
    return;
  }
  if (code === '') throw new HearthError('invalid', `search parameter without a name ("${key}")`);
  // search.html#escaping: an empty parameter value is ignored, as if the parameter were not given.
  if (value === '') return;
  parsed.filters.push({ key, code, modifier, values: splitEscaped(value, ',') });
}

/**
 * Percent-decodes `%XX` runs and leaves a `%` that starts none as it is, so a query typed without
 * encoding (`value-quantity=5.4||%`) still reads as meant. `+` stays `+` (a time zone, not a space).
 */
function decode(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      throw new HearthError('invalid', `"${run}" in the query is not percent-encoded UTF-8`);
    }
  });
}

/** search.html#sort: `_sort=a,-b`; a leading `-` sorts that key descending. */
function parseSort(value: string): SortKey[] {
  return value.split(',').map((field) => {
    const descending = field.startsWith('-');
    const code = descending ? field.slice(1) : field;
    if (code === '') throw new HearthError('invalid', `_sort has an empty key ("${value}")`);
    return { code, descending };
  });
}

function parseCount(code: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new HearthError('invalid', `${code} must be a whole number of 0 or more, not "${value}"`);
  return Number(value);
}

function parseInclude(code: string, value: string): IncludeRequest {
  // search.html#include: `_include=*` includes everything the search type references.
  if (value === '*') return { sourceType: '*', param: '*', targetType: undefined };
  const parts = value.split(':');
  const [sourceType, param, targetType] = parts;
  const valid = parts.length >= 2 && parts.length <= (code === '_include' ? 3 : 2) && RESOURCE_TYPE.test(sourceType ?? '') && param !== '';
  if (!valid || sourceType === undefined || param === undefined || (targetType !== undefined && !RESOURCE_TYPE.test(targetType))) {
    const form = code === '_include' ? 'Type:parameter or Type:parameter:TargetType' : 'Type:parameter';
    throw new HearthError('invalid', `${code}=${value} is not of the form ${form}`);
  }
  return { sourceType, param, targetType };
}

/**
 * search.html#escaping: `\,` `\|` `\$` and `\\` stand for the character itself. Splits on `separator`
 * where it is not escaped; the parts keep their escapes, so a later split on another separator still works.
 */
export function splitEscaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '\\') index++;
    else if (char === separator) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

export function unescapeValue(text: string): string {
  return text.includes('\\') ? text.replace(/\\(.?)/gsu, '$1') : text;
}

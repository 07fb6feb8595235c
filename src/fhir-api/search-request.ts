import { HearthError } from '../errors/hearth-error.ts';
import { indexedSearchParams } from '../fhir/search-index/index.ts';

/** Result and text parameters Hearth's search answers (search/parse-query.ts, search/text-clause.ts). */
const SPECIAL_PARAMETERS = new Set(['_text', '_content', '_sort', '_count', '_offset', '_include', '_revinclude', '_total', '_format', '_pretty']);

export interface SearchRequest {
  /** The query's `name=value` segments as written, minus any left out (lenient) and minus `_count` / `_offset`. */
  segments: string[];
  /** `_count` / `_offset` as written, if given. */
  count: string | undefined;
  offset: string | undefined;
  /** Parameters left out under `Prefer: handling=lenient`, by name. */
  ignored: string[];
}

function keyOf(segment: string): string {
  const equals = segment.indexOf('=');
  const raw = equals === -1 ? segment : segment.slice(0, equals);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HearthError('invalid', 'a parameter name in the query is not percent-encoded UTF-8');
  }
}

/**
 * Splits a raw query string for the FHIR API. Under `Prefer: handling=lenient` (R4 search.html#errors)
 * parameters the vault cannot answer (unknown, unsupported, chained) are left out and reported;
 * under strict handling (the default) they stay and searchVault refuses them with a 400.
 */
export function readSearchRequest(resourceType: string, rawQuery: string, lenient: boolean): SearchRequest {
  const known = new Set(indexedSearchParams(resourceType).map((param) => param.code));
  const request: SearchRequest = { segments: [], count: undefined, offset: undefined, ignored: [] };
  for (const segment of rawQuery.split('&')) {
    if (segment === '') continue;
    const key = keyOf(segment);
    const code = key.split(':', 1)[0]!;
    if (lenient && (key.includes('.') || !(known.has(code) || SPECIAL_PARAMETERS.has(code)))) {
      request.ignored.push(key);
      continue;
    }
    const value = segment.slice(segment.indexOf('=') + 1);
    if (key === '_count' && request.count === undefined) request.count = value;
    else if (key === '_offset' && request.offset === undefined) request.offset = value;
    else request.segments.push(segment);
  }
  return request;
}

/** The query string searchVault reads: segments plus paging, as the caller wrote them. */
export function searchQueryOf(resourceType: string, request: SearchRequest): string {
  const paging = [
    ...(request.count !== undefined ? [`_count=${request.count}`] : []),
    ...(request.offset !== undefined ? [`_offset=${request.offset}`] : []),
  ];
  return `${resourceType}?${[...request.segments, ...paging].join('&')}`;
}

/** A page's query (search.html#count): the same parameters with `_count` and `_offset` set. */
export function pageQuery(segments: readonly string[], count: number, offset: number): string {
  return [...segments, `_count=${count}`, `_offset=${offset}`].join('&');
}

/**
 * Form-encoded POST `_search` bodies (R4 http.html#search, application/x-www-form-urlencoded): `+`
 * means a space there, unlike in Hearth's URL query reading, where `+` stays a time zone sign.
 */
export function formBodyAsQuery(body: string): string {
  return body.replace(/\+/g, '%20');
}

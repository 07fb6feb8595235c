/**
 * FHIR R4 resource → rows of Hearth's search index. See rows.ts for the row contract, param-catalog.ts
 * for which parameters are indexed, path-compiler.ts for how their expressions are evaluated fast.
 */
export type {
  DateRow,
  IndexContext,
  IndexedParamType,
  IndexRows,
  NumberRow,
  QuantityRow,
  ReferenceRow,
  StringRow,
  TokenRow,
  UriRow,
} from './rows.ts';
export { extractIndexRows, fallbackParams, type ExtractOptions } from './extract.ts';
export { derivedParams, hasOwnRows, storedAs, storedCodes, type StoredParam } from './stored-params.ts';
export { INDEXED_RESOURCE_TYPES, indexedSearchParams, type IndexedSearchParam } from './param-catalog.ts';
export { resolveReference, type ResolvedReference } from './references.ts';
export { normalizeString } from './normalize.ts';
export { dateRange, periodRange, DATE_MIN, DATE_MAX } from './date-range.ts';
export { implicitRange } from './number-range.ts';
export { benchmarkExtraction } from './bench.ts';

/**
 * Row shapes of Hearth's search index. This is a contract with the store (which inserts the rows into
 * SQLite tables) and the query compiler (which matches FHIR search semantics against them): change a
 * field here only together with both of them.
 *
 * FHIR R4 search parameter types: http://hl7.org/fhir/R4/search.html#ptypes. `composite` and `special`
 * parameters have no rows of their own (see param-catalog.ts).
 */

export type IndexedParamType = 'token' | 'string' | 'date' | 'quantity' | 'number' | 'reference' | 'uri';

/** search.html#token: one row per Coding / Identifier / code-like primitive. */
export interface TokenRow {
  param: string;
  system: string | null;
  code: string | null;
  display: string | null;
}

/** search.html#string: `value` is normalized (see normalize.ts), `raw` as written for `:exact`. */
export interface StringRow {
  param: string;
  value: string;
  raw: string;
}

/** search.html#date: the closed range [start, end] (epoch milliseconds) a value covers at its precision. */
export interface DateRow {
  param: string;
  start: number;
  end: number;
}

/** search.html#quantity: `low`/`high` is the implicit precision range of the stored value. */
export interface QuantityRow {
  param: string;
  value: number;
  low: number;
  high: number;
  system: string | null;
  code: string | null;
  unit: string | null;
}

/** search.html#number. */
export interface NumberRow {
  param: string;
  value: number;
  low: number;
  high: number;
}

/** search.html#reference: `reference` as written; target resolved as far as the string allows. */
export interface ReferenceRow {
  param: string;
  reference: string;
  targetType: string | null;
  targetId: string | null;
  contained: boolean;
}

/** search.html#uri (also canonical values of reference parameters). */
export interface UriRow {
  param: string;
  value: string;
}

export interface IndexRows {
  tokens: TokenRow[];
  strings: StringRow[];
  dates: DateRow[];
  quantities: QuantityRow[];
  numbers: NumberRow[];
  references: ReferenceRow[];
  uris: UriRow[];
  /** Human-readable text for `_text` (search.html#_text): narrative plus the display texts of the resource. */
  narrative: string;
  /** Text for `_content`: narrative plus every other string value; capped at 64 KiB of UTF-8. */
  content: string;
}

export interface IndexContext {
  /** Base URL of the server the resource came from, e.g. 'https://ehr.example.org/fhir/R4'. */
  sourceBase?: string;
}

export function emptyIndexRows(): IndexRows {
  return { tokens: [], strings: [], dates: [], quantities: [], numbers: [], references: [], uris: [], narrative: '', content: '' };
}

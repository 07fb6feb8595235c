/**
 * String normalization for the `string` search type. FHIR R4 search.html#string: "By default, a field
 * matches a string query if the value of the field equals or starts with the supplied parameter value,
 * after both have been normalized by case and accent." The query compiler applies this same function
 * to the query value, so both sides meet in one form.
 */

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const COMBINING_MARKS = /\p{M}+/gu;
const WHITESPACE_RUN = /\s+/g;
const ASCII_NEEDS_WORK = /[A-Z]|\s\s|^\s|\s$/;

/**
 * NFKD, combining marks removed, lowercased, whitespace runs collapsed to one space, trimmed.
 * NFKD also folds compatibility forms (ligatures "ﬁ" → "fi", full-width letters), which is what a
 * person typing a search expects. Lowercasing happens after decomposition so that e.g. "İ" (I + dot
 * above) becomes plain "i".
 */
export function normalizeString(raw: string): string {
  // Fast path: plain printable ASCII has no marks or compatibility forms; most values are like this.
  if (PRINTABLE_ASCII.test(raw)) {
    if (!ASCII_NEEDS_WORK.test(raw)) return raw;
    return raw.toLowerCase().replace(WHITESPACE_RUN, ' ').trim();
  }
  return raw.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase().replace(WHITESPACE_RUN, ' ').trim();
}

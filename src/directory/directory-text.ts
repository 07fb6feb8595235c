/**
 * Text rules shared by the directory's processing and its search: one folding (case, accents,
 * apostrophes), one tokenizer, one guess of a FHIR version from an endpoint URL.
 */

// Letters NFKD does not decompose but people type without their mark.
const EXTRA_FOLDS: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', þ: 'th', ı: 'i' };
const EXTRA = new RegExp(`[${Object.keys(EXTRA_FOLDS).join('')}]`, 'g');

/** Lower case, accents stripped, apostrophes dropped ("Children's" → "childrens"). */
export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(EXTRA, (letter) => EXTRA_FOLDS[letter] ?? letter)
    .replace(/['’`]/g, '');
}

/** Folded words: runs of letters and digits. */
export function words(text: string): string[] {
  return fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The comparable form of a name: its folded words joined by one space. */
export function nameKey(text: string): string {
  return words(text).join(' ');
}

export type FhirVersion = 'R4' | 'R5' | 'STU3' | 'DSTU2' | 'unknown';

export const FHIR_VERSIONS: readonly FhirVersion[] = ['R4', 'R5', 'STU3', 'DSTU2', 'unknown'];

/** Preference when one organisation lists several endpoints: Hearth speaks R4, so R4 first. */
export const VERSION_RANK: Record<FhirVersion, number> = { R4: 0, unknown: 1, R5: 2, STU3: 3, DSTU2: 4 };

/**
 * The FHIR version an endpoint URL announces in its path (`…/api/FHIR/R4/`, `…/dstu2`, `…/fhir/4.0`).
 * Meditech's `/v2/argonaut/` endpoints are the Argonaut Data Query profiles, which are DSTU2.
 * The Lantern lists carry no version field, so a URL without a marker stays `unknown`.
 */
export function fhirVersionOf(url: string): FhirVersion {
  let path: string;
  try {
    path = new URL(url).pathname.toLowerCase();
  } catch {
    return 'unknown';
  }
  const marker = /(?:^|[^a-z0-9])(dstu2|dstu3|stu3|r4b?|r5|4\.0(?:\.\d+)?|argonaut)(?=[^a-z0-9]|$)/.exec(path)?.[1];
  if (!marker) return 'unknown';
  if (marker === 'dstu2' || marker === 'argonaut') return 'DSTU2';
  if (marker === 'dstu3' || marker === 'stu3') return 'STU3';
  if (marker === 'r5') return 'R5';
  return 'R4';
}

/**
 * True when `a` becomes `b` by one insertion, deletion, substitution or swap of neighbours
 * (Damerau–Levenshtein distance ≤ 1). Compares in place: it runs over thousands of words per query.
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const lengthDifference = a.length - b.length;
  if (lengthDifference > 1 || lengthDifference < -1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (lengthDifference === 1) return sameFrom(a, i + 1, b, i);
  if (lengthDifference === -1) return sameFrom(a, i, b, i + 1);
  if (sameFrom(a, i + 1, b, i + 1)) return true;
  // Damerau: "hopsital" for "hospital".
  return a.charCodeAt(i) === b.charCodeAt(i + 1) && a.charCodeAt(i + 1) === b.charCodeAt(i) && sameFrom(a, i + 2, b, i + 2);
}

/** `a` from `fromA` equals `b` from `fromB`, to both ends. */
function sameFrom(a: string, fromA: number, b: string, fromB: number): boolean {
  if (a.length - fromA !== b.length - fromB) return false;
  for (let offset = 0; fromA + offset < a.length; offset++) {
    if (a.charCodeAt(fromA + offset) !== b.charCodeAt(fromB + offset)) return false;
  }
  return true;
}

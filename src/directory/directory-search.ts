import { HearthError } from '../errors/hearth-error.ts';
import type { Directory, DirectoryEntry } from './directory-build.ts';
import { fold, nameKey, withinOneEdit, words, type FhirVersion } from './directory-text.ts';
import { isStateCode } from './us-states.ts';

export interface DirectoryQuery {
  /** Organisation name words, in any order; each may be the start of a word; ≥ 5 letters may hold one typo. */
  text?: string;
  /** A whole ZIP or its first digits. */
  zip?: string;
  /** Two-letter USPS code. */
  state?: string;
  /** The start of the vendor's name or of one of its words ("epic", "athena"). */
  vendor?: string;
  limit?: number;
}

export interface DirectoryResult {
  id: string;
  organization: string;
  vendor: string;
  fhirVersion: FhirVersion;
  url: string;
  zip: string | null;
  state: string | null;
  npi: string | null;
  endpoints: { url: string; fhirVersion: FhirVersion }[];
}

export interface DirectorySearchResult {
  results: DirectoryResult[];
  total: number;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 200;
const MIN_FUZZY_LENGTH = 5;
const MAX_QUERY_WORDS = 12;
// How well a query word matched a name word; the weakest word of a query decides its tier.
const FUZZY = 1;
const PREFIX = 2;
const EXACT = 3;
// Abbreviations US organisation names use both ways ("St. Luke's" / "Saint Luke's"): each finds the other.
const SAME_WORD: Record<string, string> = { st: 'saint', saint: 'st', mt: 'mount', mount: 'mt', ft: 'fort', fort: 'ft' };

/**
 * The in-memory search index over a directory: an inverted index from folded name words to
 * organisations, a sorted word list for prefixes, words by length for one-edit typos. Organisations
 * are numbered in alphabetical order, so every scan in ascending number is already alphabetical and
 * ranking needs no sort: results fall into eight buckets (tier × R4) read in order.
 */
export interface DirectoryIndex {
  readonly size: number;
  search(query: DirectoryQuery): DirectorySearchResult;
}

export function buildDirectoryIndex(directory: Directory): DirectoryIndex {
  const entries: DirectoryEntry[] = directory.entries; // already in folded-name order
  const size = entries.length;
  const names = entries.map((entry) => nameKey(entry.organization));
  const isR4 = new Uint8Array(size);
  const vendors = [...new Set(entries.map((entry) => entry.vendor))];
  const vendorOf = new Uint16Array(size);
  const vendorNumber = new Map(vendors.map((vendor, index) => [vendor, index]));
  const postingsByWord = new Map<string, number[]>();
  entries.forEach((entry, number) => {
    isR4[number] = entry.endpoints[0]!.fhirVersion === 'R4' ? 1 : 0;
    vendorOf[number] = vendorNumber.get(entry.vendor)!;
    for (const word of new Set(names[number]!.split(' '))) {
      if (!word) continue;
      const list = postingsByWord.get(word);
      if (list) list.push(number);
      else postingsByWord.set(word, [number]);
    }
  });
  const dictionary = [...postingsByWord.keys()].sort();
  const postingStart = new Uint32Array(dictionary.length + 1);
  const postings = new Uint32Array(dictionary.reduce((sum, word) => sum + postingsByWord.get(word)!.length, 0));
  dictionary.forEach((word, index) => {
    const list = postingsByWord.get(word)!;
    postings.set(list, postingStart[index]!);
    postingStart[index + 1] = postingStart[index]! + list.length;
  });
  postingsByWord.clear();
  const byLength = new Map<number, number[]>();
  dictionary.forEach((word, index) => {
    const list = byLength.get(word.length) ?? [];
    list.push(index);
    byLength.set(word.length, list);
  });

  const mark = (strength: Uint8Array, wordIndex: number, value: number) => {
    for (let at = postingStart[wordIndex]!; at < postingStart[wordIndex + 1]!; at++) {
      const number = postings[at]!;
      if (strength[number]! < value) strength[number] = value;
    }
  };

  /** The first dictionary position whose word is not before `word`. */
  const lowerBound = (word: string): number => {
    let low = 0;
    let high = dictionary.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (dictionary[middle]! < word) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  const wordIndex = (word: string): number => {
    const at = lowerBound(word);
    return dictionary[at] === word ? at : -1;
  };

  // Reused between queries (a search runs synchronously, start to end): a query allocates almost
  // nothing, so the garbage collector has no reason to pause one.
  const buffers: Uint8Array[] = [];
  const bufferFor = (position: number): Uint8Array => {
    const buffer = (buffers[position] ??= new Uint8Array(size));
    buffer.fill(0);
    return buffer;
  };

  /** How well each organisation's name matches one query word (0: not at all). */
  const strengthOf = (token: string, position: number): Uint8Array => {
    const strength = bufferFor(position);
    const low = lowerBound(token);
    for (let index = low; index < dictionary.length && dictionary[index]!.startsWith(token); index++) {
      mark(strength, index, dictionary[index] === token ? EXACT : PREFIX);
    }
    const same = Object.hasOwn(SAME_WORD, token) ? wordIndex(SAME_WORD[token]!) : -1;
    if (same >= 0) mark(strength, same, EXACT);
    if (token.length >= MIN_FUZZY_LENGTH) {
      for (let length = token.length - 1; length <= token.length + 1; length++) {
        for (const index of byLength.get(length) ?? []) {
          const word = dictionary[index]!;
          if (word !== token && withinOneEdit(token, word)) mark(strength, index, FUZZY);
        }
      }
    }
    return strength;
  };

  return {
    size,
    search(query) {
      const limit = query.limit ?? DEFAULT_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new HearthError('invalid', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
      const tokens = [...new Set(words(query.text ?? ''))];
      if (tokens.length > MAX_QUERY_WORDS) throw new HearthError('invalid', `a directory search takes at most ${MAX_QUERY_WORDS} words`);
      const zip = zipFilter(query.zip);
      const state = stateFilter(query.state);
      const vendorAllowed = vendorFilter(vendors, query.vendor);
      if (tokens.length === 0 && zip === null && state === null && vendorAllowed === null) {
        throw new HearthError('invalid', 'give an organisation name, a ZIP, a state or a vendor to search the directory');
      }
      const phrase = tokens.join(' ');
      const strengths = tokens.map(strengthOf);
      // Eight buckets (tier × R4), each filled in alphabetical order: only the first `limit` of
      // each are kept, the rest counted.
      const buckets: number[][] = Array.from({ length: 8 }, () => []);
      const counts = new Uint32Array(8);
      for (let number = 0; number < size; number++) {
        let weakest = EXACT;
        for (const strength of strengths) {
          const value = strength[number]!;
          if (value < weakest) weakest = value;
          if (value === 0) break;
        }
        if (weakest === 0) continue;
        if (vendorAllowed && !vendorAllowed[vendorOf[number]!]) continue;
        const entry = entries[number]!;
        if (zip !== null && !entry.zip?.startsWith(zip)) continue;
        if (state !== null && entry.state !== state) continue;
        // Tiers: the exact name, then names starting with the query, then all words found, then with a typo.
        const name = names[number]!;
        const tier = tokens.length === 0 ? 0 : name === phrase ? 0 : name.startsWith(phrase) ? 1 : weakest >= PREFIX ? 2 : 3;
        const bucket = tier * 2 + (isR4[number] ? 0 : 1);
        if (counts[bucket]! < limit) buckets[bucket]!.push(number);
        counts[bucket]!++;
      }
      const results: DirectoryResult[] = [];
      let total = 0;
      for (const [position, bucket] of buckets.entries()) {
        total += counts[position]!;
        for (const number of bucket) {
          if (results.length >= limit) break;
          results.push(resultOf(entries[number]!));
        }
      }
      return { results, total };
    },
  };
}

function resultOf(entry: DirectoryEntry): DirectoryResult {
  const best = entry.endpoints[0]!;
  return {
    id: entry.id,
    organization: entry.organization,
    vendor: entry.vendor,
    fhirVersion: best.fhirVersion,
    url: best.url,
    zip: entry.zip,
    state: entry.state,
    npi: entry.npi,
    endpoints: entry.endpoints.map((endpoint) => ({ url: endpoint.url, fhirVersion: endpoint.fhirVersion })),
  };
}

function zipFilter(zip: string | undefined): string | null {
  if (zip === undefined || zip.trim() === '') return null;
  const value = zip.trim();
  if (!/^\d{1,5}(?:-\d{4})?$/.test(value)) throw new HearthError('invalid', 'zip must be up to five digits (a whole ZIP or its start)');
  return value.slice(0, 5);
}

function stateFilter(state: string | undefined): string | null {
  if (state === undefined || state.trim() === '') return null;
  const code = state.trim().toUpperCase();
  if (!isStateCode(code)) throw new HearthError('invalid', `"${state.slice(0, 20)}" is not a two-letter US state code`);
  return code;
}

/** Which vendors a vendor filter lets through, by number, or null for no filter. */
function vendorFilter(vendors: string[], vendor: string | undefined): Uint8Array | null {
  if (vendor === undefined || vendor.trim() === '') return null;
  const wanted = nameKey(vendor);
  if (!wanted) throw new HearthError('invalid', 'vendor must contain letters or digits');
  return Uint8Array.from(vendors, (name) => {
    const folded = nameKey(fold(name));
    return folded.startsWith(wanted) || folded.includes(` ${wanted}`) ? 1 : 0;
  });
}

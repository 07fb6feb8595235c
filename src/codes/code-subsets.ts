import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HearthError } from '../errors/hearth-error.ts';

/** The shipped subsets (assets/codes/README.md: what they are, their licences), by the name used in URLs. */
export const CODE_SUBSETS = ['loinc', 'snomed', 'rxnorm', 'cvx'] as const;
export type CodeSubsetName = (typeof CODE_SUBSETS)[number];

export interface CodeEntry {
  system: string;
  code: string;
  display: string;
  kind?: string;
  /** A UCUM unit suggestion (LOINC tests and vitals). */
  unit?: string;
}

export interface CodeSubset {
  name: CodeSubsetName;
  system: string;
  title: string;
  attribution: string;
  entries: CodeEntry[];
}

interface SubsetFile {
  system: string;
  title: string;
  attribution: string;
  codes: string[][];
}

const ASSETS = join(import.meta.dirname, '..', '..', 'assets', 'codes');
const cache = new Map<CodeSubsetName, CodeSubset>();

export function isCodeSubsetName(name: string): name is CodeSubsetName {
  return (CODE_SUBSETS as readonly string[]).includes(name);
}

/** One subset, read once from assets/codes/<name>.json. */
export function codeSubset(name: CodeSubsetName): CodeSubset {
  const cached = cache.get(name);
  if (cached) return cached;
  const file = JSON.parse(readFileSync(join(ASSETS, `${name}.json`), 'utf8')) as SubsetFile;
  const entries = file.codes.map(([code = '', display = '', kind, unit]) => ({
    system: file.system,
    code,
    display,
    ...(kind ? { kind } : {}),
    ...(unit ? { unit } : {}),
  }));
  const subset = { name, system: file.system, title: file.title, attribution: file.attribution, entries };
  cache.set(name, subset);
  return subset;
}

const words = (text: string) => text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

/**
 * Entries matching `query`: by code prefix, or every query word a prefix of some word of the display
 * ("chol ldl" finds "Cholesterol in LDL …"). Best first: the exact code, a display that starts with
 * the query, then the rest in file order (the files list common entries first). An empty query lists
 * the subset (of `kind`) from the top.
 */
export function searchCodes(name: CodeSubsetName, query: string, options: { kind?: string; limit?: number } = {}): CodeEntry[] {
  const limit = options.limit ?? 20;
  const q = query.trim().toLowerCase();
  if (q.length > 100) throw new HearthError('invalid', 'the query is too long (at most 100 characters)');
  const wanted = words(q);
  const scored: { entry: CodeEntry; score: number; index: number }[] = [];
  codeSubset(name).entries.forEach((entry, index) => {
    if (options.kind !== undefined && entry.kind !== options.kind) return;
    const code = entry.code.toLowerCase();
    const display = entry.display.toLowerCase();
    let score: number;
    if (q === '') score = 3;
    else if (code === q) score = 0;
    else if (display.startsWith(q)) score = 1;
    else if (code.startsWith(q)) score = 2;
    else {
      const have = words(display);
      if (wanted.length === 0 || !wanted.every((word) => have.some((candidate) => candidate.startsWith(word)))) return;
      score = 3;
    }
    scored.push({ entry, score, index });
  });
  scored.sort((a, b) => a.score - b.score || a.index - b.index);
  return scored.slice(0, limit).map((hit) => hit.entry);
}

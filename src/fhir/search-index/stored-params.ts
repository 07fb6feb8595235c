import { catalogFor, type CatalogParam } from './param-catalog.ts';

/**
 * Which index rows answer a search parameter. Most parameters have rows of their own; some R4
 * parameters select exactly what others already select, and writing their rows again only cost
 * storage and write time (about a third of an Observation's rows). Those are answered from the
 * other parameters' rows instead:
 *
 * - the same expression as another parameter of the same type (Patient `phonetic` = `name`): the
 *   code first in alphabetical order keeps the rows;
 * - a union of other parameters' expressions (Observation `combo-code` = `code` | `component-code`):
 *   the rows of each;
 * - another reference parameter's expression filtered by target type (Observation `patient` =
 *   `Observation.subject.where(resolve() is Patient)`): that parameter's rows whose `target_type` is
 *   the type. The compiled filter resolves the type from the reference exactly as the stored row's
 *   `target_type` is resolved (path-compiler.ts), so the rows are the same.
 *
 * `_id` has no rows: the resources table's unique (type, id) index answers it (search.html#id).
 * `stored-params.test.ts` checks, record by record, that every derived parameter's rows equal the
 * rows it is answered from.
 */
export interface StoredParam {
  /** The parameter whose rows are read. */
  code: string;
  /** Only its reference rows to this target type. */
  targetType?: string;
}

const derivations = new Map<string, ReadonlyMap<string, readonly StoredParam[]>>();

/** The rows that answer `code` of `resourceType`: `[{ code }]` for a parameter stored as itself. */
export function storedAs(resourceType: string, code: string): readonly StoredParam[] {
  return derivedParams(resourceType).get(code) ?? [{ code }];
}

/** Whether `code` has index rows of its own (false for `_id` and the derived parameters). */
export function hasOwnRows(resourceType: string, code: string): boolean {
  return !derivedParams(resourceType).has(code);
}

/** The distinct parameter codes whose rows answer any of `codes` (targets dropped: callers filter on the target themselves). */
export function storedCodes(resourceType: string, codes: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const code of codes) for (const stored of storedAs(resourceType, code)) out.add(stored.code);
  return [...out];
}

/** Derived parameters of one type, computed once from the catalog. */
export function derivedParams(resourceType: string): ReadonlyMap<string, readonly StoredParam[]> {
  let derived = derivations.get(resourceType);
  if (derived === undefined) {
    derived = derive(catalogFor(resourceType));
    derivations.set(resourceType, derived);
  }
  return derived;
}

const RESOLVE_FILTER = /^(.+)\.where\(\(resolve\(\) is (\w+)\)\)$/;

function derive(catalog: readonly CatalogParam[]): Map<string, readonly StoredParam[]> {
  const derived = new Map<string, readonly StoredParam[]>();
  if (catalog.length === 0) return derived;
  derived.set('_id', []);
  const partsOf = new Map(catalog.map((param) => [param, param.parts.map((part) => part.toString())]));
  const keyOf = (param: CatalogParam) => `${param.type} ${partsOf.get(param)!.join(' | ')}`;
  // A derived parameter is answered from parameters that keep their rows (`keeps`), so one lookup
  // always reaches real rows; the check at the end catches a base made derived by a later decision.
  const byCode = [...catalog].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const firstWithKey = new Map<string, CatalogParam>();
  for (const param of byCode) if (!firstWithKey.has(keyOf(param))) firstWithKey.set(keyOf(param), param);
  const keeps = (param: CatalogParam) => !derived.has(param.code);

  for (const param of byCode) {
    if (param.code === '_id') continue;
    const same = firstWithKey.get(keyOf(param))!;
    if (same !== param) derived.set(param.code, [{ code: same.code }]);
  }
  for (const param of byCode) {
    if (derived.has(param.code)) continue;
    const parts = partsOf.get(param)!;
    const filter = parts.length === 1 && param.type === 'reference' ? RESOLVE_FILTER.exec(parts[0]!) : null;
    if (filter !== null) {
      const base = byCode.find((other) => other !== param && other.type === 'reference' && keeps(other) && keyOf(other) === `reference ${filter[1]}`);
      if (base !== undefined) derived.set(param.code, [{ code: base.code, targetType: filter[2]! }]);
      continue;
    }
    const union = unionOf(parts, byCode.filter((other) => other !== param && other.type === param.type && keeps(other)), partsOf);
    if (union !== undefined) derived.set(param.code, union.map((other) => ({ code: other.code })));
  }
  // A later decision may have made an earlier base derived; reading rows that are never written
  // would silently lose matches, so that is a definitions change to handle here, not to ignore.
  for (const [code, stored] of derived) {
    const lost = stored.find((entry) => derived.has(entry.code));
    if (lost !== undefined) throw new Error(`search parameter ${code} would be answered from ${lost.code}, which has no rows`);
  }
  return derived;
}

/** Params whose parts, taken together without overlap, are exactly `parts` (largest first). */
function unionOf(parts: readonly string[], candidates: readonly CatalogParam[], partsOf: Map<CatalogParam, string[]>): CatalogParam[] | undefined {
  if (parts.length < 2 || new Set(parts).size !== parts.length) return undefined;
  const covered = new Set<string>();
  const used: CatalogParam[] = [];
  const fitting = candidates
    .filter((other) => partsOf.get(other)!.length < parts.length && partsOf.get(other)!.every((part) => parts.includes(part)))
    .sort((a, b) => partsOf.get(b)!.length - partsOf.get(a)!.length);
  for (const other of fitting) {
    const otherParts = partsOf.get(other)!;
    if (otherParts.some((part) => covered.has(part))) continue;
    for (const part of otherParts) covered.add(part);
    used.push(other);
  }
  return covered.size === parts.length ? used : undefined;
}

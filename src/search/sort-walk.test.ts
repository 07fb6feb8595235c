import type { Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexedSearchParams } from '../fhir/search-index/index.ts';
import { compileFilter } from './compile-filter.ts';
import { parseQuery } from './parse-query.ts';
import { planMatches, readPage } from './query-plan.ts';
import { orderBy } from './sort.ts';
import { readSortWalk, shortWalk, SORT_ALL_MAX, SORT_WALK_MIN, SORT_WALK_ROWS, sortWalkKey } from './sort-walk.ts';
import { openTestVault, type TestVault } from './test-vault.ts';

/**
 * More Observations than SORT_WALK_MIN, with ties, periods that reach far past their start,
 * year-precision dates and records without a date: every page must match the sort of sort.ts.
 */
const COUNT = 6000;
const NOW = new Date('2030-01-01T00:00:00Z');
const day = (i: number) => new Date(Date.UTC(2000, 0, 1 + i)).toISOString().slice(0, 10);

function effective(i: number): Partial<Observation> {
  if (i % 17 === 0) return {};
  if (i % 13 === 0) return { effectivePeriod: { start: day(i % 900), end: day((i % 900) + (i % 5000)) } };
  if (i % 11 === 0) return { effectiveDateTime: String(2000 + (i % 8)) };
  return { effectiveDateTime: day((i * 7919) % 3000) };
}

const observations: Observation[] = Array.from({ length: COUNT }, (_, i) => ({
  resourceType: 'Observation',
  id: `w${i}`,
  status: i % 3 === 0 ? 'amended' : 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: i % 4 === 0 ? 'laboratory' : 'vital-signs' }] }],
  code: { coding: [{ system: 'http://example.org/codes', code: `c${i % 3}` }] },
  ...effective(i),
}));

let vault: TestVault;
beforeAll(() => {
  vault = openTestVault(observations);
});
afterAll(() => vault.close());

/** The page as sort.ts orders it, without the walk. */
function sortedPage(query: string): { total: number; rids: number[] } {
  const parsed = parseQuery(query);
  const params = new Map(indexedSearchParams(parsed.resourceType).map((param) => [param.code, param]));
  const clauses = parsed.filters.map((filter) => compileFilter(parsed.resourceType, filter, params, NOW.getTime()));
  const plan = planMatches(vault.db, parsed.resourceType, clauses);
  return readPage(vault.db, plan, orderBy(parsed.resourceType, parsed.sort, params), parsed.count, parsed.offset);
}

function walkedPage(query: string, withSets = false): number[] | undefined {
  const parsed = parseQuery(query);
  const params = new Map(indexedSearchParams(parsed.resourceType).map((param) => [param.code, param]));
  const clauses = parsed.filters.map((filter) => compileFilter(parsed.resourceType, filter, params, NOW.getTime()));
  const key = sortWalkKey(parsed.sort, params, clauses, parsed.count, parsed.offset);
  // withSets: the clauses the planner read in full are tested in memory, as a search does.
  const sets = withSets ? planMatches(vault.db, parsed.resourceType, clauses).sets : new Map();
  return key === undefined ? undefined : readSortWalk(vault.db, parsed.resourceType, clauses, key, parsed.count, parsed.offset, sets);
}

const ridsOf = (query: string) => {
  const result = vault.search(query, { now: NOW });
  const rows = vault.db.prepare("SELECT rid FROM resources WHERE type = 'Observation' AND id = ?").pluck();
  return { total: result.total, rids: result.resources.map((resource) => rows.get(resource.id) as number), next: result.next };
};

describe('sorted pages read in date order (sort-walk.ts)', () => {
  const searches = [
    'Observation?_sort=date',
    'Observation?_sort=-date',
    'Observation?category=vital-signs&_sort=date',
    'Observation?category=vital-signs&_sort=-date',
    'Observation?category=vital-signs&status=final&_sort=-date',
    'Observation?category=vital-signs&status:not=final&_sort=date',
    'Observation?code=c1,c2&date=ge2001-06-01&_sort=-date',
    'Observation?code=c1,c2&date=lt2003-01-01&_sort=date',
    'Observation?date:missing=true&_sort=-date',
    // Fewer candidates than SORT_WALK_MIN, read in full by the planner: walked when dense (shortWalk).
    'Observation?code=c1&_sort=date',
    'Observation?code=c2&_sort=-date',
    'Observation?code=c0&category=vital-signs&_sort=-date',
    'Observation?code=c1&category=laboratory&_sort=date',
    'Observation?code=c2&date:missing=true&_sort=-date',
  ];
  for (const search of searches) {
    it(search, () => {
      expect(COUNT).toBeGreaterThan(SORT_WALK_MIN);
      for (const [count, offset] of [[20, 0], [20, 40], [7, 93], [50, 500], [1, 0]] as const) {
        const query = `${search}&_count=${count}&_offset=${offset}`;
        const expected = sortedPage(query);
        const walked = walkedPage(query);
        if (walked !== undefined) expect(walked).toEqual(expected.rids);
        expect(walkedPage(query, true)).toEqual(walked);
        const actual = ridsOf(query);
        expect(actual.rids).toEqual(expected.rids);
        expect(actual.total).toBe(expected.total);
        expect(actual.next).toBe(offset + count < expected.total ? `${search}&_count=${count}&_offset=${offset + count}` : undefined);
      }
    });
  }

  it('walks fewer candidates only when they are dense among the dated rows', () => {
    const rows = vault.db.prepare("SELECT count(*) FROM idx_date WHERE type = 'Observation' AND param = 'date'").pluck().get() as number;
    const key = { code: 'date', descending: true };
    expect(shortWalk(vault.db, 'Observation', key, SORT_WALK_MIN + 1, 1000)).toBe(true);
    expect(shortWalk(vault.db, 'Observation', key, 2000, 20)).toBe(true);
    expect(shortWalk(vault.db, 'Observation', key, 2000, Math.floor((SORT_WALK_ROWS / 4) * (2000 / rows)) + 1)).toBe(false);
    expect(shortWalk(vault.db, 'Observation', key, SORT_ALL_MAX - 1, 1)).toBe(false);
    expect(shortWalk(vault.db, 'Observation', key, 0, 20)).toBe(false);
    // The sets a walk tests in memory: clauses the planner read in full (here the code, 2,000 and 4,000 of 6,000).
    for (const query of ['Observation?code=c0&category=vital-signs&_sort=-date&_count=20', 'Observation?code=c1,c2&date=ge2001-06-01&_sort=-date&_count=20']) {
      const parsed = parseQuery(query);
      const params = new Map(indexedSearchParams('Observation').map((param) => [param.code, param]));
      const clauses = parsed.filters.map((filter) => compileFilter('Observation', filter, params, NOW.getTime()));
      expect(planMatches(vault.db, 'Observation', clauses).sets.size).toBeGreaterThan(0);
      expect(walkedPage(query, true)).toEqual(sortedPage(query).rids);
    }
  });

  it('walks the large searches, and gives up where resources without a date reach the page', () => {
    expect(walkedPage('Observation?category=vital-signs&_sort=-date&_count=20')).toBeDefined();
    expect(walkedPage('Observation?category=vital-signs&_sort=date&_count=20&_offset=40')).toBeDefined();
    expect(walkedPage('Observation?_sort=date&_count=20&_offset=1100')).toBeUndefined();
    expect(walkedPage('Observation?date:missing=true&_sort=date&_count=20')).toBeUndefined();
    // Pages holding resources without a date are sorted as before.
    const last = sortedPage('Observation?_sort=-date&_count=20&_offset=5990');
    expect(last.rids).toHaveLength(10);
    expect(ridsOf('Observation?_sort=-date&_count=20&_offset=5990').rids).toEqual(last.rids);
  });
});

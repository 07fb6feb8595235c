import type { Observation, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_LIMIT } from './query-plan.ts';
import { openTestVault, reference, type TestVault } from './test-vault.ts';

/**
 * More resources than PROBE_LIMIT, so that every planner path runs (small driver, complete probed
 * sets, large sets checked per candidate, no driver, FTS5), each checked against the same filter
 * written in plain TypeScript.
 */
const COUNT = 5000;
const day = (i: number) => new Date(Date.UTC(2000, 0, 1 + i)).toISOString().slice(0, 10);

const observations: Observation[] = Array.from({ length: COUNT }, (_, i) => ({
  resourceType: 'Observation',
  id: `x${i}`,
  status: i % 7 === 0 ? 'amended' : 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
  code: { coding: [{ system: 'http://example.org/codes', code: `c${i % 5}` }] },
  subject: { reference: i % 2 === 0 ? 'Patient/a' : 'Patient/b' },
  effectiveDateTime: day(i),
  valueQuantity: { value: i % 100, unit: 'mg' },
  text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${i % 10 === 0 ? 'special' : 'routine'} result</div>` },
}));

let vault: TestVault;
const statements: { text: string; params: unknown[] }[] = [];
let recording = true;

beforeAll(() => {
  const patients: Resource[] = [{ resourceType: 'Patient', id: 'a' }, { resourceType: 'Patient', id: 'b' }];
  vault = openTestVault([...patients, ...observations]);
  // Record every statement the search prepares, to read their query plans afterwards.
  const prepare = vault.db.prepare.bind(vault.db);
  vault.db.prepare = ((text: string) => {
    const statement = prepare(text);
    for (const method of ['get', 'all', 'iterate'] as const) {
      const run = statement[method].bind(statement) as (...args: unknown[]) => unknown;
      (statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        if (recording) statements.push({ text, params: args });
        return run(...args);
      };
    }
    return statement;
  }) as typeof vault.db.prepare;
});
afterAll(() => vault.close());

/** All pages of a search, following `next`. */
function allIds(query: string): string[] {
  const ids: string[] = [];
  let next: string | undefined = `${query}&_count=1000`;
  while (next !== undefined) {
    const page = vault.search(next);
    ids.push(...page.resources.map(reference));
    expect(page.total).toBeGreaterThanOrEqual(ids.length);
    next = page.next;
  }
  return ids;
}

const expected = (keep: (i: number) => boolean) =>
  observations.map((_, i) => i).filter(keep).map((i) => `Observation/x${i}`);

describe('query planning against brute force', () => {
  it('has more resources than a probe reads', () => {
    expect(COUNT).toBeGreaterThan(PROBE_LIMIT);
  });

  const cases: [string, (i: number) => boolean][] = [
    ['category=laboratory&code=http://example.org/codes|c1', (i) => i % 5 === 1],
    ['category=laboratory&date=ge2005-01-01', (i) => day(i) >= '2005-01-01'],
    ['category=laboratory&status:not=amended', (i) => i % 7 !== 0],
    ['subject=Patient/a&category=laboratory&code:not=c3', (i) => i % 2 === 0 && i % 5 !== 3],
    ['code=c1,c2&value-quantity=lt50&date=lt2010', (i) => (i % 5 === 1 || i % 5 === 2) && i % 100 < 50 && day(i) < '2010'],
    ['_text=special&category=laboratory', (i) => i % 10 === 0],
    ['_text=routine&subject=Patient/b&status=amended', (i) => i % 10 !== 0 && i % 2 === 1 && i % 7 === 0],
    ['status:not=final', (i) => i % 7 === 0],
    ['date=ge2003&date=lt2004&value-quantity=ge90', (i) => day(i).startsWith('2003') && i % 100 >= 90],
    ['category=laboratory&subject=Patient/a', (i) => i % 2 === 0],
    ['category=laboratory&subject=Patient/a&value-quantity=ne5&status:missing=false', (i) => i % 2 === 0 && i % 100 !== 5],
    // A complete driver of 2,500 (the subject), then a smaller clause that takes over, or larger ones left per candidate.
    ['subject=Patient/b&value-quantity=ge97', (i) => i % 2 === 1 && i % 100 >= 97],
    ['subject=Patient/a&date=ge2010-01-01&category=laboratory', (i) => i % 2 === 0 && day(i) >= '2010-01-01'],
    ['subject=Patient/a&value-quantity=ge40&date=lt2005-01-01', (i) => i % 2 === 0 && i % 100 >= 40 && day(i) < '2005-01-01'],
  ];
  for (const [query, keep] of cases) {
    it(query, () => {
      expect(allIds(`Observation?${query}`)).toEqual(expected(keep));
    });
  }

  it('sorts a large match set', () => {
    const ids = allIds('Observation?category=laboratory&code=c1,c2&_sort=-date');
    expect(ids).toEqual(expected((i) => i % 5 === 1 || i % 5 === 2).reverse());
  });

  it('pages a large match set sorted by date in date order (sort-walk.ts)', () => {
    expect(vault.ids('Observation?category=laboratory&_sort=-date&_count=3')).toEqual(expected((i) => i >= COUNT - 3).reverse());
    expect(vault.ids('Observation?status=final&_sort=date&_count=3&_offset=2')).toEqual(expected((i) => i % 7 !== 0).slice(2, 5));
  });

  it('reads every index through a lookup, never by scanning a table, and per resource through its rid', () => {
    recording = false;
    expect(statements.length).toBeGreaterThan(20);
    const problems = new Set<string>();
    for (const { text, params } of statements) {
      const plan = vault.db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...(params as [])) as { id: number; parent: number; detail: string }[];
      const byId = new Map(plan.map((row) => [row.id, row]));
      const correlated = (row: { parent: number }): boolean => {
        const parent = byId.get(row.parent);
        return parent !== undefined && (parent.detail.startsWith('CORRELATED') || correlated(parent));
      };
      for (const row of plan) {
        // Scanning the CTEs, bound JSON lists, FTS5 (which answers MATCH from its own index) and a
        // table-less SELECT (total_changes() in date-span.ts: a CONSTANT ROW) is expected.
        if (/^SCAN /.test(row.detail) && !/^SCAN (d|candidates|matches|json_each|resource_text|CONSTANT ROW|\(subquery-\d+\))(?!\w)/.test(row.detail)) problems.add(`${row.detail} in ${text}`);
        // A per-resource check must find that resource's rows, not read the parameter's rows for each resource.
        if (row.detail.startsWith('SEARCH ') && correlated(row) && !/\((rid|rowid)=\?\)|INTEGER PRIMARY KEY/.test(row.detail)) problems.add(`${row.detail} in ${text}`);
        // A set of matches is read through the (type, param, ...) index; another index on the same table
        // (idx_reference_target: every reference to the patient, from every type) costs far more.
        const indexRead = /^SEARCH (idx_\w+) USING (?:COVERING )?INDEX (\w+)/.exec(row.detail);
        if (indexRead && !correlated(row) && !text.includes('FROM idx_reference x') && indexRead[2] !== `${indexRead[1]}_lookup`) problems.add(`${row.detail} in ${text}`);
      }
    }
    expect([...problems]).toEqual([]);
  });
});

import type { Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestVault, type TestVault } from './test-vault.ts';

/**
 * search.html#count: the total counts resources, not index rows. A search whose only clause drives
 * it is counted straight from that clause's index (countMatches in query-plan.ts), where a resource
 * coded twice with the same code has two rows.
 */
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const observations: Observation[] = Array.from({ length: 60 }, (_, i) => ({
  resourceType: 'Observation',
  id: `c${i}`,
  status: 'final',
  code: { text: 'pulse' },
  effectiveDateTime: `2020-01-${String((i % 28) + 1).padStart(2, '0')}`,
  category: [
    { coding: [{ system: CATEGORY, code: i % 3 === 0 ? 'laboratory' : 'vital-signs' }] },
    // Every fourth also carries the same code under another system: two index rows, one resource.
    ...(i % 4 === 0 ? [{ coding: [{ system: 'http://example.org/local', code: 'vital-signs' }] }] : []),
  ],
}));
const vitals = observations.filter((_, i) => i % 3 !== 0 || i % 4 === 0).length;

let vault: TestVault;
beforeAll(() => {
  vault = openTestVault(observations);
});
afterAll(() => vault.close());

describe('the total of a single-clause search', () => {
  it('counts each resource once, whatever the page', () => {
    expect(vitals).toBe(45);
    expect(vault.db.prepare("SELECT count(*) FROM idx_token WHERE param = 'category' AND code = 'vital-signs'").pluck().get()).toBe(55);
    for (const query of ['Observation?category=vital-signs&_count=0', 'Observation?category=vital-signs&_count=7', 'Observation?category=vital-signs&_sort=-date&_count=3&_offset=44', 'Observation?category=vital-signs&_count=10&_offset=100']) {
      expect(vault.search(query).total).toBe(vitals);
    }
    expect(vault.ids('Observation?category=vital-signs&_count=100')).toHaveLength(vitals);
  });
});

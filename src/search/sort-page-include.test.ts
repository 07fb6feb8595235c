import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE, openTestVault, reference, type TestVault } from './test-vault.ts';

let vault: TestVault;
beforeAll(() => {
  vault = openTestVault(FIXTURE);
});
afterAll(() => vault.close());

describe('_sort (search.html#_sort)', () => {
  it('dates: ascending by start, descending by end; resources without a value last', () => {
    expect(vault.ids('Observation?_sort=date')).toEqual(['o3', 'o4', 'o1', 'o2', 'o6', 'o5'].map((id) => `Observation/${id}`));
    expect(vault.ids('Observation?_sort=-date')).toEqual(['o6', 'o2', 'o4', 'o1', 'o3', 'o5'].map((id) => `Observation/${id}`));
  });

  it('several keys, each with its direction', () => {
    expect(vault.ids('Observation?_sort=status,-date')).toEqual(['o3', 'o6', 'o2', 'o1', 'o5', 'o4'].map((id) => `Observation/${id}`));
  });

  it('tokens by code, quantities by value, strings by normalized value (lowest ascending, highest descending)', () => {
    expect(vault.ids('Observation?_sort=code')).toEqual(['o3', 'o4', 'o1', 'o2', 'o5', 'o6'].map((id) => `Observation/${id}`));
    expect(vault.ids('Observation?_sort=-value-quantity')).toEqual(['o3', 'o4', 'o2', 'o1', 'o5', 'o6'].map((id) => `Observation/${id}`));
    expect(vault.ids('Patient?_sort=name')).toEqual(['Patient/p3', 'Patient/p1', 'Patient/p2']);
    expect(vault.ids('Patient?_sort=-name')).toEqual(['Patient/p3', 'Patient/p2', 'Patient/p1']);
  });

  it('_id, and ties in storage order', () => {
    expect(vault.ids('Observation?_sort=-_id')).toEqual(['o6', 'o5', 'o4', 'o3', 'o2', 'o1'].map((id) => `Observation/${id}`));
    expect(vault.ids('Observation?_sort=status')).toEqual(['o3', 'o1', 'o2', 'o5', 'o6', 'o4'].map((id) => `Observation/${id}`));
  });

  it('_lastUpdated follows writes', async () => {
    const own = openTestVault(FIXTURE.filter((resource) => resource.resourceType === 'Condition'));
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      own.write({ resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, code: { text: 'Diabetes, revised' } });
      // c2 and c3 may share a millisecond or not: only the revised c1 has a known place.
      const newestFirst = own.ids('Condition?_sort=-_lastUpdated');
      expect(newestFirst[0]).toBe('Condition/c1');
      expect([...newestFirst.slice(1)].sort()).toEqual(['Condition/c2', 'Condition/c3']);
      expect(own.ids('Condition?_sort=_lastUpdated,_id')).toEqual(['Condition/c2', 'Condition/c3', 'Condition/c1']);
    } finally {
      own.close();
    }
  });
});

describe('_count and paging (search.html#count)', () => {
  it('pages with a next link until the end, the total ignoring paging', () => {
    const first = vault.search('Observation?_sort=date&_count=2');
    expect(first.resources.map(reference)).toEqual(['Observation/o3', 'Observation/o4']);
    expect(first).toMatchObject({ total: 6, offset: 0, count: 2, next: 'Observation?_sort=date&_count=2&_offset=2' });
    const second = vault.search(first.next!);
    expect(second.resources.map(reference)).toEqual(['Observation/o1', 'Observation/o2']);
    expect(second.next).toBe('Observation?_sort=date&_count=2&_offset=4');
    const last = vault.search(second.next!);
    expect(last.resources.map(reference)).toEqual(['Observation/o6', 'Observation/o5']);
    expect(last.next).toBeUndefined();
    expect(last.total).toBe(6);
  });

  it('keeps the query as written in the next link', () => {
    const result = vault.search('Observation?code=http%3A%2F%2Floinc.org%7C4548-4&_count=1');
    expect(result.next).toBe('Observation?code=http%3A%2F%2Floinc.org%7C4548-4&_count=1&_offset=1');
    expect(result.total).toBe(2);
  });

  it('_count=0 gives the total only; an offset past the end gives an empty page; default 20', () => {
    expect(vault.search('Observation?_count=0')).toMatchObject({ resources: [], total: 6, count: 0 });
    expect(vault.search('Observation?_count=0').next).toBeUndefined();
    expect(vault.search('Observation?_offset=10')).toMatchObject({ resources: [], total: 6, offset: 10, count: 20 });
    expect(vault.search('Observation?code=4548-4&_offset=10')).toMatchObject({ resources: [], total: 3 });
  });
});

describe('_include and _revinclude (search.html#include)', () => {
  const included = (query: string) => vault.search(query).included.map(reference);

  it('includes the targets of the page matches', () => {
    expect(included('Observation?code=4548-4&_include=Observation:subject')).toEqual(['Patient/p1', 'Patient/p3']);
    expect(included('Observation?_id=o6&_include=*')).toEqual(['Patient/p3', 'Practitioner/dr1']);
    expect(included('Observation?_include=Observation:subject:Practitioner')).toEqual([]);
    expect(included('Observation?_include=Observation:subject:Patient&_include=Observation:performer')).toEqual([
      'Patient/p1', 'Patient/p2', 'Patient/p3', 'Practitioner/dr1',
    ]);
  });

  it('only for the page, de-duplicated, never repeating a match', () => {
    expect(included('Observation?_sort=date&_count=1&_include=Observation:subject')).toEqual(['Patient/p2']);
    expect(included('Patient?_id=p1&_revinclude=Provenance:target&_revinclude=Provenance:patient')).toEqual(['Provenance/prov1']);
    // o2 has o1 as a member: o1 is a match already.
    expect(included('Observation?_id=o1,o2&_include=Observation:has-member')).toEqual([]);
    expect(included('Observation?_id=o2&_include=Observation:has-member')).toEqual(['Observation/o1']);
  });

  it('revincludes the resources that refer to the matches', () => {
    expect(included('Observation?_id=o1,o2&_revinclude=Provenance:target')).toEqual(['Provenance/prov1']);
    expect(included('Observation?_id=o2&_revinclude=Provenance:target')).toEqual([]);
    expect(included('Patient?_id=p2&_revinclude=Observation:subject&_revinclude=Condition:*')).toEqual([
      'Observation/o3', 'Observation/o4', 'Condition/c3',
    ]);
  });

  it('rejects includes that are not reference parameters of the right type', () => {
    const codeOf = (query: string) => {
      try {
        vault.search(query);
        return 'accepted';
      } catch (error) {
        return `${(error as { code: string }).code}: ${(error as Error).message}`;
      }
    };
    expect(codeOf('Observation?_include=Observation:code')).toBe('invalid: _include: "code" of Observation is a token parameter, not a reference');
    expect(codeOf('Observation?_include=Observation:nope')).toBe('invalid: _include: unknown search parameter "nope" for Observation');
    expect(codeOf('Observation?_include=Patient:link')).toContain('invalid: _include=Patient:link must start with the searched type Observation');
    expect(codeOf('Observation?_revinclude=*')).toContain('invalid: _revinclude=*');
    // Checked even when nothing matches.
    expect(codeOf('Observation?_id=none&_include=Observation:nope')).toContain('invalid');
  });
});

import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { SearchPages, type StoredSearch } from './paging.ts';

const search = (n: number): StoredSearch => ({ patientId: 'p', target: 'Observation', query: new URLSearchParams(), count: 10, firstUrl: `u${n}` });
const results = (n: number): Resource[] => [{ resourceType: 'Observation', id: `o${n}`, status: 'final', code: { text: 'x' } }];

describe('search snapshots', () => {
  it('computes a search once and serves its later pages from the snapshot', async () => {
    const pages = new SearchPages();
    const stored = search(0);
    let runs = 0;
    const compute = async () => results(runs++);
    expect(await pages.snapshot(stored, compute)).toEqual(results(0));
    expect(await pages.snapshot(stored, compute)).toEqual(results(0));
    expect(runs).toBe(1);
  });

  it('keeps a bounded number of snapshots: the oldest is dropped and taken again when asked for', async () => {
    const pages = new SearchPages();
    const first = search(0);
    let runs = 0;
    await pages.snapshot(first, async () => results(runs++));
    for (let n = 1; n <= 64; n++) await pages.snapshot(search(n), async () => results(100 + n));
    expect(first.snapshot).toBeUndefined();
    expect(await pages.snapshot(first, async () => results(runs++))).toEqual(results(1));
    expect(runs).toBe(2);
  });
});

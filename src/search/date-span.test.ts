import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomKey } from '../keys/key-derivation.ts';
import { recordStore } from '../records/record-store.ts';
import { openVault, type Vault } from '../vault/vault.ts';
import { auditLog } from '../audit/audit-log.ts';
import { dateRowStats, longestDateSpan } from './date-span.ts';
import { searchVault } from './search-vault.ts';
import { SORT_WALK_MIN } from './sort-walk.ts';

/**
 * The descending sort walk bounds its search for long periods by the longest span it has cached
 * (date-span.ts). A cached span must never outlive a write that lengthens it — from this connection
 * or from another — or a long period would be missing from the first page.
 */
const COUNT = SORT_WALK_MIN + 500;
const instant = (i: number) => new Date(Date.UTC(2010, 0, 1) + i * 3_600_000).toISOString();
const observation = (id: string, fields: Partial<Observation>): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { text: 'pulse' },
  ...fields,
});

let dir: string;
let key: Buffer;
let vault: Vault;
let other: Vault;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-span-'));
  key = randomKey();
  vault = openVault(join(dir, 'vault.db'), 'person-1', key, { create: true });
  other = openVault(join(dir, 'vault.db'), 'person-1', key);
  const store = recordStore(vault.db);
  store.transaction(() => {
    for (let i = 0; i < COUNT; i++) store.write(observation(`o${i}`, { effectiveDateTime: instant(i) }), { sourceId: 'test' });
  });
});
afterAll(() => {
  other.close();
  vault.close();
  rmSync(dir, { recursive: true, force: true });
});

const QUERY = 'Observation?category=vital-signs&_sort=-date&_count=5';
const firstIds = (db: Vault['db']) => searchVault(db, QUERY).resources.map((resource) => resource.id);
const newest = (n: number) => Array.from({ length: n }, (_, i) => `o${COUNT - 1 - i}`);

describe('the longest date span (date-span.ts)', () => {
  it('is the longest end - start of the parameter, null without rows', () => {
    // effectiveDateTime to the millisecond: start = end.
    expect(longestDateSpan(vault.db, 'Observation', 'date')).toBe(0);
    expect(longestDateSpan(vault.db, 'Encounter', 'date')).toBeNull();
  });

  it('follows a write on the same connection into the descending walk', () => {
    expect(firstIds(vault.db)).toEqual(newest(5));
    // Starts before every instant above and ends after them all: its latest end sorts it first.
    recordStore(vault.db).write(observation('long-1', { effectivePeriod: { start: '2009-01-01', end: '2031-01-01' } }), { sourceId: 'test' });
    expect(longestDateSpan(vault.db, 'Observation', 'date')).toBeGreaterThan(20 * 365 * 86_400_000);
    expect(firstIds(vault.db)).toEqual(['long-1', ...newest(4)]);
  });

  it('follows a write committed by another connection', () => {
    expect(firstIds(vault.db)[0]).toBe('long-1');
    expect(firstIds(other.db)[0]).toBe('long-1');
    // Both connections now bound the walk by long-1's 22 years, measured back from the page's last
    // value in 2010: the next periods start further back than that, so only a fresh span finds them.
    recordStore(vault.db).write(observation('long-2', { effectivePeriod: { start: '1980-01-01', end: '2032-01-01' } }), { sourceId: 'test' });
    expect(firstIds(other.db)).toEqual(['long-2', 'long-1', ...newest(3)]);
    expect(firstIds(vault.db)).toEqual(['long-2', 'long-1', ...newest(3)]);
    recordStore(other.db).write(observation('long-3', { effectivePeriod: { start: '1950-01-01', end: '2033-01-01' } }), { sourceId: 'test' });
    expect(firstIds(vault.db)).toEqual(['long-3', 'long-2', 'long-1', ...newest(2)]);
  });

  it('outlives the audit entry every search appends on the same connection, but not a record write', () => {
    const cached = dateRowStats(vault.db, 'Observation', 'date');
    auditLog(vault.db).append({ actor: 'test', personId: 'person-1', action: 'search', outcome: 'success', what: { query: QUERY } }, { relaxed: true });
    auditLog(vault.db).append({ actor: 'test', personId: 'person-1', action: 'read', outcome: 'success', what: { query: QUERY } });
    expect(dateRowStats(vault.db, 'Observation', 'date')).toBe(cached);
    recordStore(vault.db).write(observation('short-1', { effectiveDateTime: instant(COUNT) }), { sourceId: 'test' });
    const fresh = dateRowStats(vault.db, 'Observation', 'date');
    expect(fresh).not.toBe(cached);
    expect(fresh.rows).toBe(cached.rows + 1);
  });
});

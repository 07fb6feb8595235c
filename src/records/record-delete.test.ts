import type { Observation } from '@medplum/fhirtypes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempVault } from '../../test/helpers/temp-vault.ts';
import { searchVault } from '../search/index.ts';
import { recordStore, type RecordStore } from './record-store.ts';

let vault: ReturnType<typeof tempVault>;
let store: RecordStore;
beforeEach(() => {
  vault = tempVault();
  store = recordStore(vault.db);
});
afterEach(() => vault.dispose());

const MANUAL = { sourceId: 'manual', vaultIds: true };
const weight = (value: number): Observation => ({
  resourceType: 'Observation',
  id: 'w1',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }], text: 'Body weight' },
  subject: { reference: 'Patient/p1' },
  valueQuantity: { value, unit: 'kg' },
});
const rows = (table: string) => vault.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

describe('record store: delete', () => {
  it('appends a deleted version, keeps the history, removes the current row and every index row', () => {
    store.write(weight(70), MANUAL);
    store.write(weight(71), MANUAL);
    expect(searchVault(vault.db, 'Observation?code=29463-7').total).toBe(1);
    expect(rows('idx_token')).toBeGreaterThan(0);

    expect(store.remove('Observation', 'w1', { sourceId: 'manual' })).toBe(3);

    expect(store.read('Observation', 'w1')).toBeUndefined();
    expect(store.latest('Observation', 'w1')).toEqual({ versionId: 3, deleted: true, sourceId: 'manual' });
    expect(searchVault(vault.db, 'Observation?code=29463-7').total).toBe(0);
    expect(searchVault(vault.db, 'Observation?_text=weight').total).toBe(0);
    for (const table of ['idx_token', 'idx_string', 'idx_date', 'idx_quantity', 'idx_reference', 'resource_text']) expect(rows(table), table).toBe(0);
    const history = store.history('Observation', 'w1');
    expect(history.map((entry) => [entry.versionId, entry.deleted, entry.resource === undefined])).toEqual([[3, true, true], [2, false, false], [1, false, false]]);
    expect((store.vread('Observation', 'w1', 2) as Observation).valueQuantity?.value).toBe(71);
    expect(() => store.vread('Observation', 'w1', 3)).toThrow(expect.objectContaining({ code: 'gone' }));
  });

  it('answers undefined for a record that is not there, and numbering goes on after a deletion', () => {
    expect(store.remove('Observation', 'nope', { sourceId: 'manual' })).toBeUndefined();
    store.write(weight(70), MANUAL);
    store.remove('Observation', 'w1', { sourceId: 'manual' });
    expect(store.write(weight(72), MANUAL)).toMatchObject({ outcome: 'created', versionId: 3 });
    expect(store.read('Observation', 'w1')?.meta?.versionId).toBe('3');
  });

  it('keeps vault ids and references as given for records entered through the API, and claims the id', () => {
    store.write({ resourceType: 'Patient', id: 'p1' }, { sourceId: 'file' });
    store.write(weight(70), MANUAL);
    expect((store.read('Observation', 'w1') as Observation).subject?.reference).toBe('Patient/p1');
    // An import that later brings its own Observation/w1 gets an id of its own instead.
    const imported = store.write({ ...weight(50) }, { sourceId: 'file' });
    expect(imported.id).not.toBe('w1');
    expect(() => store.write({ resourceType: 'Patient', id: 'p1' }, MANUAL)).toThrow(expect.objectContaining({ code: 'conflict' }));
  });
});

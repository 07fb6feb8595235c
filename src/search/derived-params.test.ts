import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingRepository } from '../fhir-api/everything-repository.ts';
import { patientsOf } from '../import/patient-compartment.ts';
import { openTestVault, reference, type TestVault } from './test-vault.ts';

/**
 * Searches on parameters answered from other parameters' rows (stored-params.ts): Observation
 * `combo-code` and `combo-value-quantity` (unions), `patient` and Encounter `practitioner` (a
 * reference parameter filtered by target type), `_id` (the resources table). Each way the index is
 * read is covered: a clause as a set and correlated, `:not`, `:missing`, `_sort`, `_include`,
 * `_revinclude`, `$everything` and the patient compartment used when splitting an import.
 */
const LOINC = 'http://loinc.org';
const RECORDS = [
  { resourceType: 'Patient', id: 'p1', name: [{ family: 'Lovelace', given: ['Ada'] }] },
  { resourceType: 'Patient', id: 'p2' },
  { resourceType: 'Group', id: 'g1', type: 'person', actual: true },
  { resourceType: 'Practitioner', id: 'dr1' },
  {
    resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' },
    subject: { reference: 'Patient/p1' }, participant: [{ individual: { reference: 'Practitioner/dr1' } }],
  },
  {
    resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: LOINC, code: 'A' }] },
    subject: { reference: 'Patient/p1' }, performer: [{ reference: 'Practitioner/dr1' }], encounter: { reference: 'Encounter/e1' },
  },
  {
    resourceType: 'Observation', id: 'o2', status: 'final', code: { coding: [{ system: LOINC, code: 'B' }] },
    subject: { reference: 'Patient/p2' }, valueQuantity: { value: 5, system: 'http://unitsofmeasure.org', code: 'mg' },
    component: [{ code: { coding: [{ system: LOINC, code: 'A' }] }, valueString: 'x' }],
  },
  {
    resourceType: 'Observation', id: 'o3', status: 'final', code: { coding: [{ system: LOINC, code: 'C' }] },
    subject: { reference: 'Group/g1' },
    component: [{ code: { text: 'part' }, valueQuantity: { value: 7, system: 'http://unitsofmeasure.org', code: 'mg' } }],
  },
] as Resource[];

let vault: TestVault;
beforeAll(() => {
  vault = openTestVault(RECORDS);
});
afterAll(() => vault.close());

const ids = (query: string) => vault.ids(query);

describe('derived search parameters', () => {
  it('combo-code matches a code or a component code', () => {
    expect(ids('Observation?combo-code=A')).toEqual(['Observation/o1', 'Observation/o2']);
    expect(ids(`Observation?combo-code=${LOINC}|C`)).toEqual(['Observation/o3']);
    expect(ids('Observation?combo-code:not=A')).toEqual(['Observation/o3']);
    expect(ids('Observation?combo-code:missing=true')).toEqual([]);
    // Correlated: `_id` drives, combo-code is tested per record.
    expect(ids('Observation?_id=o2,o3&combo-code=A')).toEqual(['Observation/o2']);
  });

  it('combo-value-quantity matches a value or a component value', () => {
    expect(ids('Observation?combo-value-quantity=5')).toEqual(['Observation/o2']);
    expect(ids('Observation?combo-value-quantity=gt6')).toEqual(['Observation/o3']);
    expect(ids('Observation?combo-value-quantity:missing=true')).toEqual(['Observation/o1']);
  });

  it('patient is the subject when the subject is a Patient', () => {
    expect(ids('Observation?patient=p1')).toEqual(['Observation/o1']);
    expect(ids('Observation?patient=Patient/p2')).toEqual(['Observation/o2']);
    expect(ids('Observation?patient=g1')).toEqual([]);
    expect(ids('Observation?subject=Group/g1')).toEqual(['Observation/o3']);
    expect(ids('Observation?patient:missing=true')).toEqual(['Observation/o3']);
    expect(ids('Observation?patient:missing=false')).toEqual(['Observation/o1', 'Observation/o2']);
    expect(ids('Observation?_id=o1,o3&patient=p1')).toEqual(['Observation/o1']);
    expect(ids('Encounter?patient=p1')).toEqual(['Encounter/e1']);
    expect(ids('Encounter?practitioner=dr1')).toEqual(['Encounter/e1']);
  });

  it('sorts by a derived parameter, records without a value last', () => {
    expect(ids('Observation?_sort=patient')).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o3']);
    expect(ids('Observation?_sort=-patient')).toEqual(['Observation/o2', 'Observation/o1', 'Observation/o3']);
  });

  it('_id and _id:not use the resources table', () => {
    expect(ids('Observation?_id=o2')).toEqual(['Observation/o2']);
    expect(ids('Observation?_id:not=o1')).toEqual(['Observation/o2', 'Observation/o3']);
    expect(() => vault.search('Observation?_id:text=o1')).toThrow(/not supported/);
  });

  it('includes and revincludes through patient', () => {
    const included = (query: string) => vault.search(query).included.map(reference);
    expect(included('Observation?_id=o1&_include=Observation:patient')).toEqual(['Patient/p1']);
    expect(included('Observation?_id=o3&_include=Observation:patient')).toEqual([]);
    expect(included('Patient?_id=p1&_revinclude=Observation:patient')).toEqual(['Observation/o1']);
    expect(included('Group?_id=g1&_revinclude=Observation:patient')).toEqual([]);
    expect(included('Group?_id=g1&_revinclude=Observation:subject')).toEqual(['Observation/o3']);
    expect(included('Practitioner?_id=dr1&_revinclude=Encounter:practitioner')).toEqual(['Encounter/e1']);
  });

  it('$everything and the patient compartment find an Encounter through its subject', () => {
    const rows = everythingRepository(vault.db).rows('p1');
    const byRid = new Map((vault.db.prepare('SELECT rid, type, id FROM resources').all() as { rid: number; type: string; id: string }[]).map((row) => [row.rid, `${row.type}/${row.id}`]));
    const matches = rows.filter((row) => row.mode === 'match').map((row) => byRid.get(row.rid)).sort();
    expect(matches).toEqual(['Encounter/e1', 'Observation/o1', 'Patient/p1']);
    expect(rows.filter((row) => row.mode === 'include').map((row) => byRid.get(row.rid))).toEqual(['Practitioner/dr1']);
    expect(patientsOf(RECORDS.find((record) => record.id === 'e1')!)).toEqual(new Set(['p1']));
  });

  it('writes no rows for derived parameters', () => {
    const count = (sql: string) => vault.db.prepare(sql).pluck().get();
    expect(count("SELECT count(*) FROM idx_token WHERE param IN ('combo-code', '_id')")).toBe(0);
    expect(count("SELECT count(*) FROM idx_reference WHERE param IN ('patient', 'practitioner')")).toBe(0);
    expect(count("SELECT count(*) FROM idx_reference WHERE param = 'subject'")).toBe(4);
  });
});

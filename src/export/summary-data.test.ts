import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { recordStore } from '../records/record-store.ts';
import { tempVault } from '../../test/helpers/temp-vault.ts';
import { SECTION_LIMITS, summaryData } from './summary-data.ts';
import { summaryRows } from './summary-text.ts';
import { winAnsi } from './summary-pdf.ts';

const clinical = (code: string) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code }] });
const laboratory = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }];

describe('summaryData', () => {
  let vault: ReturnType<typeof tempVault>;
  beforeEach(() => {
    vault = tempVault();
  });
  afterEach(() => vault.dispose());
  const write = (resources: object[]) => {
    const store = recordStore(vault.db);
    store.transaction(() => {
      for (const resource of resources) store.write(resource as Resource, { sourceId: 's' });
    });
  };

  it('keeps active problems and allergies, active medications and laboratory results only', () => {
    write([
      { resourceType: 'Patient', id: 'p', name: [{ given: ['Ada'], family: 'Lovelace' }], birthDate: '1990-01-02' },
      { resourceType: 'Condition', id: 'active', clinicalStatus: clinical('active'), code: { text: 'Asthma' }, subject: { reference: 'Patient/p' } },
      { resourceType: 'Condition', id: 'resolved', clinicalStatus: clinical('resolved'), code: { text: 'Otitis' }, subject: { reference: 'Patient/p' } },
      { resourceType: 'Condition', id: 'error', verificationStatus: { coding: [{ code: 'entered-in-error' }] }, code: { text: 'Oops' }, subject: { reference: 'Patient/p' } },
      { resourceType: 'AllergyIntolerance', id: 'a', clinicalStatus: { coding: [{ code: 'active' }] }, code: { text: 'Peanut' }, patient: { reference: 'Patient/p' }, reaction: [{ manifestation: [{ text: 'Hives' }] }] },
      { resourceType: 'Medication', id: 'm', code: { text: 'Salbutamol inhaler' } },
      { resourceType: 'MedicationRequest', id: 'mr', status: 'active', intent: 'order', medicationReference: { reference: 'Medication/m' }, subject: { reference: 'Patient/p' }, dosageInstruction: [{ text: 'as needed' }] },
      { resourceType: 'MedicationRequest', id: 'old', status: 'completed', intent: 'order', medicationCodeableConcept: { text: 'Amoxicillin' }, subject: { reference: 'Patient/p' } },
      { resourceType: 'Observation', id: 'vital', status: 'final', code: { text: 'Heart rate' }, subject: { reference: 'Patient/p' }, effectiveDateTime: '2026-01-01', valueQuantity: { value: 60, unit: '/min' } },
      { resourceType: 'Observation', id: 'lab', status: 'final', category: laboratory, code: { text: 'Haemoglobin' }, subject: { reference: 'Patient/p' }, effectiveDateTime: '2026-01-01', valueQuantity: { value: 13.5, unit: 'g/dL' } },
    ]);
    const data = summaryData(vault.db);
    const ids = (section: keyof typeof data.sections) => data.sections[section].map((r) => r.id);
    expect(ids('problems')).toEqual(['active']);
    expect(ids('allergies')).toEqual(['a']);
    expect(ids('medications')).toEqual(['mr']);
    expect(ids('results')).toEqual(['lab']);
    expect(data.referenced.map((r) => r.id)).toEqual(['m']);
    const rows = summaryRows(data);
    expect(rows.medications[0]).toMatchObject({ text: 'Salbutamol inhaler', detail: 'as needed' });
    expect(rows.allergies[0]).toMatchObject({ text: 'Peanut', detail: 'Hives' });
    expect(rows.results[0]).toMatchObject({ text: 'Haemoglobin', detail: '13.5 g/dL', date: '2026-01-01' });
  });

  it('keeps only the most recent results, newest first', () => {
    const total = SECTION_LIMITS.results * 3;
    write(
      Array.from({ length: total }, (_, i) => ({
        resourceType: 'Observation', id: `o${i}`, status: 'final', category: laboratory, code: { text: 'Glucose' },
        effectiveDateTime: new Date(Date.UTC(2020, 0, 1 + i)).toISOString(), valueQuantity: { value: i },
      })),
    );
    const results = summaryData(vault.db).sections.results;
    expect(results).toHaveLength(SECTION_LIMITS.results);
    expect(results[0]!.id).toBe(`o${total - 1}`);
    expect(results.at(-1)!.id).toBe(`o${total - SECTION_LIMITS.results}`);
  });
});

describe('winAnsi', () => {
  it('folds accents and replaces what the standard PDF fonts cannot show', () => {
    expect(winAnsi('Zoë Ångström – 李')).toBe('Zoe Angstrom - ?');
  });
});

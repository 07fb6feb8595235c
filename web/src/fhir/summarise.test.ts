import { describe, expect, it } from 'vitest';
import { formatDate } from '../format.ts';
import { conceptText, periodText, quantityText, summarise } from './summarise.ts';

// One line per record: what a person would want to read first, per FHIR R4 resource type.
const loinc = (code: string, display: string) => ({ coding: [{ system: 'http://loinc.org', code, display }] });

describe('summarise', () => {
  it('reads an Observation as code, value with unit, date', () => {
    const line = summarise({ resourceType: 'Observation', id: 'o1', code: loinc('4548-4', 'Hemoglobin A1c'), valueQuantity: { value: 6.1, unit: '%' }, effectiveDateTime: '2024-05' });
    expect(line).toBe('Hemoglobin A1c · 6.1 % · 2024-05');
  });

  it('reads blood pressure components', () => {
    const line = summarise({
      resourceType: 'Observation',
      code: { text: 'Blood pressure' },
      component: [
        { code: loinc('8480-6', 'Systolic'), valueQuantity: { value: 120, unit: 'mm[Hg]' } },
        { code: loinc('8462-4', 'Diastolic'), valueQuantity: { value: 80, unit: 'mm[Hg]' } },
      ],
    });
    expect(line).toBe('Blood pressure · Systolic 120 mm[Hg], Diastolic 80 mm[Hg]');
  });

  it('reads the common clinical types', () => {
    expect(summarise({ resourceType: 'Condition', code: { text: 'Asthma' }, onsetDateTime: '2001', clinicalStatus: { coding: [{ code: 'active' }] } })).toBe('Asthma · since 2001 · active');
    expect(summarise({ resourceType: 'MedicationRequest', medicationCodeableConcept: { text: 'Amoxicillin 250 MG' }, authoredOn: '2019-02', status: 'stopped' })).toBe('Amoxicillin 250 MG · 2019-02 · stopped');
    expect(summarise({ resourceType: 'Immunization', vaccineCode: { coding: [{ display: 'Influenza' }] }, occurrenceString: 'autumn 2020' })).toBe('Influenza · autumn 2020');
    expect(summarise({ resourceType: 'Encounter', type: [{ text: 'Checkup' }], period: { start: '2020-01', end: '2020-01' } })).toBe('Checkup · 2020-01');
    expect(summarise({ resourceType: 'Patient', name: [{ given: ['Ada', 'M'], family: 'Lovelace' }], birthDate: '1815', gender: 'female' })).toBe('Ada M Lovelace · born 1815 · female');
    expect(summarise({ resourceType: 'AllergyIntolerance', code: { text: 'Peanut' }, criticality: 'high' })).toBe('Peanut · criticality high');
  });

  it('falls back to type/id for a type it does not know or a record without the elements', () => {
    expect(summarise({ resourceType: 'Basic', id: 'b1' })).toBe('Basic/b1');
    expect(summarise({ resourceType: 'Observation', id: 'o2' })).toBe('Observation/o2');
  });

  it('renders data types', () => {
    expect(conceptText({ coding: [{ code: 'x' }, { code: 'y', display: 'Why' }] })).toBe('Why');
    expect(conceptText({ text: 'Free text', coding: [{ display: 'Coded' }] })).toBe('Free text');
    expect(quantityText({ value: 5, comparator: '<', code: 'mg' })).toBe('< 5 mg');
    expect(quantityText({ unit: 'mg' })).toBeUndefined();
    expect(periodText({ start: '2020-01-02', end: '2020-01-05' })).toBe(`${formatDate('2020-01-02')} – ${formatDate('2020-01-05')}`);
    expect(periodText({ end: '2021' })).toBe('2021');
  });
});

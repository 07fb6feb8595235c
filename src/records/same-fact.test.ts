import type { Condition, Immunization, MedicationRequest, Observation, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { factKeys, groupSameFacts, normalisedText, sameFact, sameQuantity } from './same-fact.ts';

const LOINC = 'http://loinc.org';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

function lab(id: string, code: string, effective: string, value: number, unit: string, system = LOINC): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system, code }] },
    effectiveDateTime: effective,
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  };
}

const med = (id: string, codes: { code: string; display?: string }[], text: string | undefined, authoredOn = '2024-02-01'): MedicationRequest => ({
  resourceType: 'MedicationRequest',
  id,
  status: 'active',
  intent: 'order',
  subject: { reference: 'Patient/p' },
  authoredOn,
  medicationCodeableConcept: { coding: codes.map((coding) => ({ system: RXNORM, ...coding })), ...(text ? { text } : {}) },
});

describe('same-fact: lab results', () => {
  it('matches the same LOINC code, day and value written in different UCUM units', () => {
    expect(sameFact(lab('a', '2345-7', '2024-03-01T08:00:00Z', 100, 'mg/dL'), lab('b', '2345-7', '2024-03-01T10:30:00Z', 1, 'g/L'))).toBe(true);
  });

  it('does not match when the converted values differ', () => {
    expect(sameFact(lab('a', '2345-7', '2024-03-01', 100, 'mg/dL'), lab('b', '2345-7', '2024-03-01', 1.1, 'g/L'))).toBe(false);
  });

  it('does not convert mass into moles (needs a molecular weight): 5.55 mmol/L and 100 mg/dL stay two facts', () => {
    expect(sameFact(lab('a', '2345-7', '2024-03-01', 100, 'mg/dL'), lab('b', '2345-7', '2024-03-01', 5.55, 'mmol/L'))).toBe(false);
  });

  it('does not match the same value on another day or under another code', () => {
    expect(sameFact(lab('a', '2345-7', '2024-03-01', 100, 'mg/dL'), lab('b', '2345-7', '2024-03-02', 100, 'mg/dL'))).toBe(false);
    expect(sameFact(lab('a', '2345-7', '2024-03-01', 100, 'mg/dL'), lab('b', '2339-0', '2024-03-01', 100, 'mg/dL'))).toBe(false);
  });

  it('treats the LOINC OID as LOINC (C-CDA conversions)', () => {
    expect(sameFact(lab('a', '2345-7', '2024-03-01', 100, 'mg/dL'), lab('b', '2345-7', '2024-03-01', 100, 'mg/dL', 'urn:oid:2.16.840.1.113883.6.1'))).toBe(true);
  });

  it('uses the calendar day as written, not the UTC day', () => {
    // 23:30 in New York is the next day in UTC; the clinic's date is what the person sees.
    expect(sameFact(lab('a', '2345-7', '2024-03-01T23:30:00-05:00', 100, 'mg/dL'), lab('b', '2345-7', '2024-03-01', 100, 'mg/dL'))).toBe(true);
  });

  it('never matches a record with itself, nor an unknown unit', () => {
    const a = lab('a', '2345-7', '2024-03-01', 100, 'mg/dL');
    expect(sameFact(a, a)).toBe(false);
    expect(sameQuantity({ value: 1, code: 'furlongs-ish' }, { value: 1, code: 'mg' })).toBe(false);
    expect(sameQuantity({ value: 1, comparator: '<', code: 'mg' }, { value: 1, code: 'mg' })).toBe(false);
  });

  it('a value on one side only is not the same fact', () => {
    const withoutValue: Observation = { ...lab('b', '2345-7', '2024-03-01', 1, 'mg'), valueQuantity: undefined };
    expect(sameFact(lab('a', '2345-7', '2024-03-01', 100, 'mg/dL'), withoutValue)).toBe(false);
  });
});

describe('same-fact: medications (no RxNorm database: identical codes or identical text only)', () => {
  it('matches the same RxNorm SCD code on the same day', () => {
    expect(sameFact(med('a', [{ code: '308182' }], 'Amoxicillin 250 MG Oral Capsule'), med('b', [{ code: '308182' }], undefined))).toBe(true);
  });

  it('does not match an ingredient code with a clinical drug code of the same medicine', () => {
    // 723 is amoxicillin (IN), 308182 amoxicillin 250 MG oral capsule (SCD): related only through RxNorm.
    expect(sameFact(med('a', [{ code: '723', display: 'Amoxicillin' }], undefined), med('b', [{ code: '308182', display: 'Amoxicillin 250 MG Oral Capsule' }], undefined))).toBe(false);
  });

  it('matches identical text after normalisation when codes are missing', () => {
    expect(sameFact(med('a', [], 'Amoxicillin 250 MG  Oral Capsule.'), med('b', [], 'amoxicillin 250 mg oral capsule'))).toBe(true);
    expect(normalisedText('Metformin 0.5 g, tablet')).toBe('metformin 0.5 g tablet');
  });

  it('does not match different strengths written as text', () => {
    expect(sameFact(med('a', [], 'Amoxicillin 250 MG Oral Capsule'), med('b', [], 'Amoxicillin 500 MG Oral Capsule'))).toBe(false);
  });
});

describe('same-fact: conditions and immunisations', () => {
  const condition = (id: string, system: string, code: string, onset: string): Condition => ({
    resourceType: 'Condition',
    id,
    subject: { reference: 'Patient/p' },
    code: { coding: [{ system, code }] },
    onsetDateTime: onset,
  });
  const shot = (id: string, code: string, day: string, system = 'http://hl7.org/fhir/sid/cvx'): Immunization => ({
    resourceType: 'Immunization',
    id,
    status: 'completed',
    patient: { reference: 'Patient/p' },
    vaccineCode: { coding: [{ system, code }] },
    occurrenceDateTime: day,
  });

  it('matches a condition by SNOMED code and onset day, not across code systems', () => {
    expect(sameFact(condition('a', 'http://snomed.info/sct', '44054006', '2020-05-01'), condition('b', 'urn:oid:2.16.840.1.113883.6.96', '44054006', '2020-05-01T09:00:00Z'))).toBe(true);
    expect(sameFact(condition('a', 'http://snomed.info/sct', '44054006', '2020-05-01'), condition('b', 'http://hl7.org/fhir/sid/icd-10-cm', 'E11.9', '2020-05-01'))).toBe(false);
  });

  it('matches immunisations by CVX code ("08" and "8" are the same code) and day', () => {
    expect(sameFact(shot('a', '08', '2021-01-01'), shot('b', '8', '2021-01-01'))).toBe(true);
    expect(sameFact(shot('a', '08', '2021-01-01'), shot('b', '08', '2021-01-02'))).toBe(false);
  });

  it('never matches other kinds of records', () => {
    const note: Resource = { resourceType: 'DocumentReference', id: 'd', status: 'current', content: [] };
    expect(factKeys(note)).toEqual([]);
    expect(sameFact(note, { ...note, id: 'e' })).toBe(false);
  });
});

describe('groupSameFacts', () => {
  it('shows each fact once, keeps every record, and keeps the input order', () => {
    const records = [
      lab('a', '2345-7', '2024-03-01', 100, 'mg/dL'),
      lab('c', '718-7', '2024-03-01', 13, 'g/dL'),
      lab('b', '2345-7', '2024-03-01', 1, 'g/L'),
      lab('d', '2345-7', '2024-03-01', 140, 'mg/dL'),
    ];
    const groups = groupSameFacts(records);
    expect(groups.map((group) => [group.record.id, group.others.map((other) => other.id)])).toEqual([
      ['a', ['b']],
      ['c', []],
      ['d', []],
    ]);
    expect(groups.reduce((n, group) => n + 1 + group.others.length, 0)).toBe(records.length);
  });
});

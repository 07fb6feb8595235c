import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE, openTestVault, type TestVault } from './test-vault.ts';

let vault: TestVault;
beforeAll(() => {
  vault = openTestVault(FIXTURE);
});
afterAll(() => vault.close());

describe('token search (search.html#token)', () => {
  it('matches a code in any system, a system and code, a code without system, and any code of a system', () => {
    expect(vault.ids('Observation?code=4548-4')).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o5']);
    expect(vault.ids('Observation?code=http://loinc.org|4548-4')).toEqual(['Observation/o1', 'Observation/o2']);
    expect(vault.ids('Observation?code=|4548-4')).toEqual(['Observation/o5']);
    expect(vault.ids('Observation?code=http://snomed.info/sct|')).toEqual(['Observation/o4']);
    expect(vault.ids('Observation?code=http://loinc.org|27113001')).toEqual([]);
  });

  it('is case-sensitive', () => {
    expect(vault.ids('Observation?status=FINAL')).toEqual([]);
    expect(vault.ids('Observation?status=final')).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o5', 'Observation/o6']);
  });

  it('ORs comma-separated values and ANDs repeated parameters', () => {
    expect(vault.ids('Observation?code=2345-7,27113001')).toEqual(['Observation/o3', 'Observation/o4']);
    expect(vault.ids('Observation?code=4548-4&status=final&code=8867-4')).toEqual(['Observation/o5']);
    expect(vault.ids('Observation?status=amended,preliminary&code=27113001')).toEqual(['Observation/o4']);
  });

  it(':not keeps resources with no matching token, including those with no value', () => {
    expect(vault.ids('Observation?code:not=4548-4')).toEqual(['Observation/o3', 'Observation/o4', 'Observation/o6']);
    expect(vault.ids('Condition?clinical-status:not=active')).toEqual(['Condition/c2', 'Condition/c3']);
    expect(vault.ids('Observation?status:not=final,amended')).toEqual(['Observation/o4']);
  });

  it(':missing', () => {
    expect(vault.ids('Condition?clinical-status:missing=true')).toEqual(['Condition/c3']);
    expect(vault.ids('Condition?clinical-status:missing=false')).toEqual(['Condition/c1', 'Condition/c2']);
    expect(vault.ids('Patient?active:missing=true')).toEqual(['Patient/p3']);
  });

  it(':text matches the display or text, normalized, as a prefix', () => {
    expect(vault.ids('Observation?code:text=hemo')).toEqual(['Observation/o1', 'Observation/o2']);
    expect(vault.ids('Observation?code:text=COVID')).toEqual(['Observation/o6']);
    expect(vault.ids('Observation?code:text=a1c')).toEqual([]);
    expect(vault.ids('MedicationRequest?code:text=lisinopril,metformin')).toEqual(['MedicationRequest/m1', 'MedicationRequest/m2']);
  });

  it('matches identifiers by system and value, and by identifier type text', () => {
    expect(vault.ids('Patient?identifier=MRN1')).toEqual(['Patient/p1', 'Patient/p2']);
    expect(vault.ids('Patient?identifier=urn:mrn|MRN1')).toEqual(['Patient/p1']);
    expect(vault.ids('Patient?identifier=|MRN1')).toEqual(['Patient/p2']);
    expect(vault.ids('Patient?identifier:text=medical record')).toEqual(['Patient/p1']);
  });

  it('matches booleans and codes', () => {
    expect(vault.ids('Patient?active=true')).toEqual(['Patient/p1']);
    expect(vault.ids('Patient?active=false')).toEqual(['Patient/p2']);
    expect(vault.ids('Patient?gender=female')).toEqual(['Patient/p1', 'Patient/p3']);
  });

  it('_id, alone and with other parameters', () => {
    expect(vault.ids('Patient?_id=p3,p1')).toEqual(['Patient/p1', 'Patient/p3']);
    expect(vault.ids('Patient?_id=p1,p3&gender=female&name=smi')).toEqual(['Patient/p3']);
    expect(vault.ids('Observation?_id=p1')).toEqual([]);
  });
});

describe('string search (search.html#string)', () => {
  it('matches the start of any name part, ignoring case and accents', () => {
    expect(vault.ids('Patient?name=mul')).toEqual(['Patient/p1', 'Patient/p2']);
    expect(vault.ids('Patient?name=MÜLLER')).toEqual(['Patient/p1', 'Patient/p2']);
    expect(vault.ids('Patient?given=eva')).toEqual(['Patient/p1']);
    expect(vault.ids('Patient?name=anna  m')).toEqual(['Patient/p3']);
    expect(vault.ids('Patient?name=maria')).toEqual([]);
    expect(vault.ids('Patient?address-city=zur')).toEqual(['Patient/p1']);
  });

  it(':exact compares the whole value as written', () => {
    expect(vault.ids('Patient?family:exact=Müller')).toEqual(['Patient/p1']);
    expect(vault.ids('Patient?family:exact=muller')).toEqual([]);
    expect(vault.ids('Patient?family:exact=Mül')).toEqual([]);
  });

  it(':contains matches anywhere, normalized', () => {
    expect(vault.ids('Patient?name:contains=SMI')).toEqual(['Patient/p2', 'Patient/p3']);
    expect(vault.ids('Patient?name:contains=ller-s')).toEqual(['Patient/p2']);
  });

  it(':missing, OR and AND', () => {
    expect(vault.ids('Observation?value-string:missing=false')).toEqual(['Observation/o6']);
    expect(vault.ids('Patient?name=john,anna')).toEqual(['Patient/p2', 'Patient/p3']);
    expect(vault.ids('Patient?name=mul&name=john')).toEqual(['Patient/p2']);
    // Starts-with applies to each value as a whole: "Muller-Smith" does not start with "smith".
    expect(vault.ids('Patient?name=mul&name=smith')).toEqual([]);
  });
});

describe('uri search (search.html#uri)', () => {
  it('matches exactly, :below (under a prefix) and :above (a prefix of the value)', () => {
    expect(vault.ids('Questionnaire?url=http://other.org/q')).toEqual(['Questionnaire/q3']);
    expect(vault.ids('Questionnaire?url=http://other.org')).toEqual([]);
    expect(vault.ids('Questionnaire?url:below=http://example.org/fhir/')).toEqual(['Questionnaire/q1', 'Questionnaire/q2']);
    expect(vault.ids('Questionnaire?url:above=http://example.org/fhir/Questionnaire/phq9/_history/2')).toEqual(['Questionnaire/q1']);
  });
});

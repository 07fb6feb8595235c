import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE, openTestVault, type TestVault } from './test-vault.ts';

let vault: TestVault;
beforeAll(() => {
  vault = openTestVault(FIXTURE);
});
afterAll(() => vault.close());

const failure = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
  throw new Error('no error');
};

describe('reference search (search.html#reference)', () => {
  it('matches Type/id, whatever form the record used (o5 has an absolute URL)', () => {
    expect(vault.ids('Observation?subject=Patient/p3')).toEqual(['Observation/o5', 'Observation/o6']);
    expect(vault.ids('Observation?subject=Patient/p2/_history/3')).toEqual(['Observation/o3', 'Observation/o4']);
    expect(vault.ids('Observation?subject=Group/p3')).toEqual([]);
  });

  it('matches a plain id against any target type the parameter allows', () => {
    expect(vault.ids('Observation?subject=p3')).toEqual(['Observation/o5', 'Observation/o6']);
    expect(vault.ids('Provenance?target=o1')).toEqual(['Provenance/prov1']);
    expect(vault.ids('Observation?subject=dr1')).toEqual([]);
  });

  it('matches an absolute URL by its Type/id tail', () => {
    expect(vault.ids('Observation?subject=https://other.example/fhir/Patient/p2')).toEqual(['Observation/o3', 'Observation/o4']);
  });

  it('takes the target type as a modifier', () => {
    expect(vault.ids('Observation?subject:Patient=p1')).toEqual(['Observation/o1', 'Observation/o2']);
    expect(vault.ids('Observation?subject:Patient=Patient/p1')).toEqual(['Observation/o1', 'Observation/o2']);
    expect(vault.ids('Observation?subject:Device=p1')).toEqual([]);
    expect(failure(() => vault.search('Observation?subject:Practitioner=dr1'))).toEqual({
      code: 'invalid',
      message: 'parameter "subject" of Observation cannot refer to Practitioner (it refers to Group, Device, Patient, Location)',
    });
  });

  it('OR, AND with other parameters, and :missing', () => {
    expect(vault.ids('Observation?subject=Patient/p1,Patient/p2')).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o3', 'Observation/o4']);
    expect(vault.ids('Condition?subject=p1&clinical-status=active')).toEqual(['Condition/c1']);
    expect(vault.ids('Observation?performer=Practitioner/dr1')).toEqual(['Observation/o6']);
    expect(vault.ids('Observation?performer:missing=true')).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o3', 'Observation/o4', 'Observation/o5']);
  });

  it('rejects what is not a reference, and :identifier', () => {
    expect(failure(() => vault.search('Observation?subject=not an id!')).code).toBe('invalid');
    expect(failure(() => vault.search('Observation?subject:identifier=urn:mrn|MRN1')).code).toBe('unsupported');
  });
});

describe('_text and _content (search.html#_text, FTS5)', () => {
  it('_text searches the narrative, _content all text', () => {
    expect(vault.ids('Patient?_text=penicillin')).toEqual(['Patient/p3']);
    expect(vault.ids('Patient?_text=female')).toEqual([]);
    expect(vault.ids('Patient?_content=female')).toEqual(['Patient/p1', 'Patient/p3']);
  });

  it('needs every word, takes the last as a prefix, folds case and accents', () => {
    expect(vault.ids('Patient?_text=allergic PENIC')).toEqual(['Patient/p3']);
    expect(vault.ids('Patient?_text=penicillin john')).toEqual([]);
    expect(vault.ids('Patient?_content=muller')).toEqual(['Patient/p1', 'Patient/p2']);
    expect(vault.ids('Patient?_content=eva zur')).toEqual(['Patient/p1']);
    expect(vault.ids('Patient?_content=john,anna')).toEqual(['Patient/p2', 'Patient/p3']);
  });

  it('stays within the searched type and combines with other parameters', () => {
    expect(vault.ids('Observation?_content=female')).toEqual([]);
    expect(vault.ids('Observation?_text=hemoglobin')).toEqual(['Observation/o1', 'Observation/o2']);
    expect(vault.ids('Observation?_text=hemoglobin&date=2021')).toEqual(['Observation/o2']);
    expect(vault.ids('Observation?_text=hemoglobin&_text=blood')).toEqual(['Observation/o2']);
    expect(vault.ids('Patient?_content=hemoglobin&gender:not=male')).toEqual([]);
    expect(vault.ids('Patient?_content=female&gender:not=male')).toEqual(['Patient/p1', 'Patient/p3']);
  });

  it('treats FTS5 syntax in the input as text and never fails inside FTS5', () => {
    for (const text of ['"', 'AND', 'a OR b', 'NEAR(anna maria)', '*', 'narrative:anna', '-', '^anna', 'anna"*', "'; DROP TABLE resources; --"]) {
      expect(() => vault.search(`Patient?_content=${encodeURIComponent(text)}`), text).not.toThrow();
    }
    expect(vault.ids('Patient?_content=AND')).toEqual([]);
    // As FTS5 syntax this would be a column filter and find p3; as text it is the phrase "narrative anna".
    expect(vault.ids(`Patient?_content=${encodeURIComponent('narrative:anna')}`)).toEqual([]);
    expect(vault.ids(`Patient?_content=${encodeURIComponent('"anna')}`)).toEqual(['Patient/p3']);
    expect(failure(() => vault.search('Patient?_text=%20%20')).code).toBe('invalid');
  });
});

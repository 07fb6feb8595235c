import { describe, expect, it } from 'vitest';
import { fallbackParams } from './extract.ts';
import { INDEXED_RESOURCE_TYPES, indexedSearchParams } from './param-catalog.ts';

const REQUIRED_TYPES = [
  'Patient', 'Observation', 'Condition', 'Encounter', 'Procedure', 'MedicationRequest', 'MedicationStatement', 'Medication',
  'AllergyIntolerance', 'Immunization', 'DiagnosticReport', 'DocumentReference', 'Binary', 'CarePlan', 'CareTeam', 'Goal',
  'Device', 'Coverage', 'ExplanationOfBenefit', 'Claim', 'Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Provenance',
];

describe('param catalog', () => {
  it('indexes every R4 resource type, including the ones Hearth relies on', () => {
    for (const type of REQUIRED_TYPES) expect(INDEXED_RESOURCE_TYPES).toContain(type);
    expect(INDEXED_RESOURCE_TYPES.length).toBeGreaterThan(140);
  });

  it('has the common parameters on every type and no Medplum-only _compartment', () => {
    for (const type of REQUIRED_TYPES) {
      const codes = indexedSearchParams(type).map((param) => param.code);
      expect(codes).toEqual(expect.arrayContaining(['_id', '_lastUpdated', '_tag', '_profile', '_security', '_source']));
      expect(codes).not.toContain('_compartment');
    }
  });

  it('restricts multi-resource expressions to the parts rooted at the type', () => {
    const code = indexedSearchParams('Observation').find((param) => param.code === 'code');
    expect(code).toEqual({ code: 'code', type: 'token', expression: 'Observation.code' });
    const patient = indexedSearchParams('AllergyIntolerance').find((param) => param.code === 'patient');
    expect(patient?.expression).toBe('AllergyIntolerance.patient');
    expect(patient?.target).toContain('Patient');
    // "RelatedPerson.name" contains "Person." but is no part of Person's name parameter.
    expect(indexedSearchParams('Person').find((param) => param.code === 'name')?.expression).toBe('Person.name');
  });

  it('skips composite and special parameters', () => {
    const observation = indexedSearchParams('Observation').map((param) => param.code);
    expect(observation).not.toContain('code-value-quantity');
    expect(observation).not.toContain('component-code-value-concept');
    expect(indexedSearchParams('Location').map((param) => param.code)).not.toContain('near');
    expect(indexedSearchParams('NotAType')).toEqual([]);
  });

  it('falls back to FHIRPath only for Patient.deceased among the types Hearth relies on', () => {
    const fallbacks = fallbackParams();
    expect(fallbacks.filter((param) => REQUIRED_TYPES.includes(param.resourceType))).toEqual([
      { resourceType: 'Patient', code: 'deceased', expression: '(Patient.deceased.exists() and (Patient.deceased != false))' },
    ]);
    expect(fallbacks.length).toBeLessThanOrEqual(5);
  });
});

import { describe, expect, it } from 'vitest';
import { extractIndexRows as extractStoredRows } from './extract.ts';
import { resolveReference } from './references.ts';

/** Every parameter's rows, derived ones included (stored-params.ts): these tests are about what each expression selects. */
const extractIndexRows: typeof extractStoredRows = (resource, context) => extractStoredRows(resource, context, { everyParameter: true });

const base = { sourceBase: 'https://ehr.example.org/fhir/R4' };

describe('resolveReference (references.html#literal)', () => {
  it('relative Type/id, dropping a version', () => {
    expect(resolveReference('Patient/123', 'Observation')).toEqual({ targetType: 'Patient', targetId: '123', contained: false });
    expect(resolveReference('Patient/123/_history/4', 'Observation')).toEqual({ targetType: 'Patient', targetId: '123', contained: false });
  });

  it('does not resolve what is not Type/id', () => {
    const none = { targetType: null, targetId: null, contained: false };
    expect(resolveReference('NotAType/123', 'Observation')).toEqual(none);
    expect(resolveReference('Patient/123/extra', 'Observation')).toEqual(none);
    expect(resolveReference('Patient/bad id', 'Observation')).toEqual(none);
    expect(resolveReference('Patient', 'Observation')).toEqual(none);
  });

  it('absolute URLs under sourceBase, and other absolute URLs ending in /Type/id', () => {
    expect(resolveReference('https://ehr.example.org/fhir/R4/Patient/123', 'Observation', base)).toEqual({ targetType: 'Patient', targetId: '123', contained: false });
    expect(resolveReference('https://ehr.example.org/fhir/R4/Patient/123/_history/2', 'Observation', base)).toEqual({ targetType: 'Patient', targetId: '123', contained: false });
    expect(resolveReference('https://other.example.com/api/Practitioner/p9', 'Observation', base)).toEqual({ targetType: 'Practitioner', targetId: 'p9', contained: false });
    expect(resolveReference('https://other.example.com/api/patients/p9', 'Observation', base)).toEqual({ targetType: null, targetId: null, contained: false });
  });

  it('contained #id takes the type of the matching contained resource', () => {
    const contained = [{ resourceType: 'Medication', id: 'med1' }];
    expect(resolveReference('#med1', 'MedicationRequest', undefined, contained)).toEqual({ targetType: 'Medication', targetId: null, contained: true });
    expect(resolveReference('#missing', 'MedicationRequest', undefined, contained)).toEqual({ targetType: null, targetId: null, contained: true });
    expect(resolveReference('#', 'Medication', undefined, contained)).toEqual({ targetType: 'Medication', targetId: null, contained: true });
  });

  it('leaves urn:uuid and urn:oid unresolved', () => {
    expect(resolveReference('urn:uuid:9d7c3c2a-1a4e-4b2b-8a57-0b6f3f0d1a11', 'Observation')).toEqual({ targetType: null, targetId: null, contained: false });
    expect(resolveReference('urn:oid:1.2.3.4', 'Observation')).toEqual({ targetType: null, targetId: null, contained: false });
  });

  it('conditional references name a type but no id, even with URLs in the query', () => {
    expect(resolveReference('Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999974493', 'Encounter')).toEqual({ targetType: 'Practitioner', targetId: null, contained: false });
  });
});

describe('reference rows', () => {
  const request = {
    resourceType: 'MedicationRequest' as const, id: 'mr', status: 'active' as const, intent: 'order' as const,
    contained: [{ resourceType: 'Medication' as const, id: 'med1', code: { text: 'Aspirin' } }],
    medicationReference: { reference: '#med1' },
    subject: { reference: 'Group/g1' },
    requester: { reference: 'https://ehr.example.org/fhir/R4/Practitioner/pr1' },
    performer: { identifier: { system: 'urn:x', value: 'only-identifier' } },
  };

  it('keeps the reference as written and resolves contained and absolute forms', () => {
    const rows = extractIndexRows(request, base).references;
    expect(rows).toContainEqual({ param: 'medication', reference: '#med1', targetType: 'Medication', targetId: null, contained: true });
    expect(rows).toContainEqual({ param: 'requester', reference: 'https://ehr.example.org/fhir/R4/Practitioner/pr1', targetType: 'Practitioner', targetId: 'pr1', contained: false });
    expect(rows).toContainEqual({ param: 'subject', reference: 'Group/g1', targetType: 'Group', targetId: 'g1', contained: false });
  });

  it('where(resolve() is Patient) keeps only references to that type', () => {
    const rows = extractIndexRows(request, base).references;
    expect(rows.filter((row) => row.param === 'patient')).toEqual([]);
    const toPatient = extractIndexRows({ ...request, subject: { reference: 'Patient/p1' } }).references;
    expect(toPatient.filter((row) => row.param === 'patient')).toEqual([
      { param: 'patient', reference: 'Patient/p1', targetType: 'Patient', targetId: 'p1', contained: false },
    ]);
  });

  it('writes no row for a Reference without .reference', () => {
    expect(extractIndexRows(request, base).references.filter((row) => row.param === 'performer')).toEqual([]);
  });

  it('indexes canonical values of reference parameters as uri rows', () => {
    const rows = extractIndexRows({
      resourceType: 'PlanDefinition', id: 'pd', status: 'active', library: ['http://example.org/Library/base|1.0'],
    });
    expect(rows.uris).toContainEqual({ param: 'depends-on', value: 'http://example.org/Library/base|1.0' });
    expect(rows.references).toEqual([]);
  });
});

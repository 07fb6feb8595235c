import { describe, expect, it } from 'vitest';
import { extractIndexRows as extractStoredRows } from './extract.ts';
import type { TokenRow } from './rows.ts';

/** Every parameter's rows, derived ones included (stored-params.ts): these tests are about what each expression selects. */
const extractIndexRows: typeof extractStoredRows = (resource, context) => extractStoredRows(resource, context, { everyParameter: true });

const tokens = (rows: { tokens: TokenRow[] }, param: string): Omit<TokenRow, 'param'>[] =>
  rows.tokens.filter((row) => row.param === param).map(({ system, code, display }) => ({ system, code, display }));

describe('token rows (search.html#token)', () => {
  it('CodeableConcept: one row per coding, display falling back to the text', () => {
    const rows = extractIndexRows({
      resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/p' },
      code: {
        coding: [
          { system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' },
          { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' },
        ],
        text: 'Type 2 diabetes',
      },
    });
    expect(tokens(rows, 'code')).toEqual([
      { system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' },
      { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9', display: 'Type 2 diabetes' },
    ]);
  });

  it('CodeableConcept with only text: one row with neither system nor code', () => {
    const rows = extractIndexRows({ resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/p' }, code: { text: 'Sore knee' } });
    expect(tokens(rows, 'code')).toEqual([{ system: null, code: null, display: 'Sore knee' }]);
  });

  it('Identifier: system and value, display from type.text', () => {
    const rows = extractIndexRows({
      resourceType: 'Patient', id: 'p',
      identifier: [{ system: 'http://hospital.example/mrn', value: 'MRN-1', type: { text: 'Medical Record Number' } }, { value: 'no-system' }],
    });
    expect(tokens(rows, 'identifier')).toEqual([
      { system: 'http://hospital.example/mrn', code: 'MRN-1', display: 'Medical Record Number' },
      { system: null, code: 'no-system', display: null },
    ]);
  });

  it('boolean as "true"/"false"; code, id and string primitives without system', () => {
    const rows = extractIndexRows({ resourceType: 'Patient', id: 'p-1', active: false, gender: 'other' });
    expect(tokens(rows, 'active')).toEqual([{ system: null, code: 'false', display: null }]);
    expect(tokens(rows, 'gender')).toEqual([{ system: null, code: 'other', display: null }]);
    expect(tokens(rows, '_id')).toEqual([{ system: null, code: 'p-1', display: null }]);
  });

  it('ContactPoint: the value, filtered by system for phone/email', () => {
    const rows = extractIndexRows({
      resourceType: 'Patient', id: 'p',
      telecom: [{ system: 'phone', value: '+1 555 0100' }, { system: 'email', value: 'a@example.org' }, { system: 'fax', value: '555 0101' }],
    });
    expect(tokens(rows, 'phone')).toEqual([{ system: null, code: '+1 555 0100', display: null }]);
    expect(tokens(rows, 'email')).toEqual([{ system: null, code: 'a@example.org', display: null }]);
    expect(tokens(rows, 'telecom')).toHaveLength(3);
  });

  it('meta: _tag and _security as Codings, _profile and _source as uris', () => {
    const rows = extractIndexRows({
      resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' },
      meta: {
        tag: [{ system: 'urn:hearth:tag', code: 'imported' }], security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }],
        profile: ['http://hl7.org/fhir/StructureDefinition/vitalsigns'], source: 'https://ehr.example.org/fhir/R4',
      },
    });
    expect(tokens(rows, '_tag')).toEqual([{ system: 'urn:hearth:tag', code: 'imported', display: null }]);
    expect(tokens(rows, '_security')).toEqual([{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R', display: null }]);
    expect(rows.uris).toEqual([
      { param: '_profile', value: 'http://hl7.org/fhir/StructureDefinition/vitalsigns' },
      { param: '_source', value: 'https://ehr.example.org/fhir/R4' },
    ]);
  });

  it('choice elements: value-concept only from valueCodeableConcept, not from valueQuantity', () => {
    const quantity = extractIndexRows({ resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1 } });
    expect(tokens(quantity, 'value-concept')).toEqual([]);
    const concept = extractIndexRows({ resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' }, valueCodeableConcept: { text: 'positive' } });
    expect(tokens(concept, 'value-concept')).toEqual([{ system: null, code: null, display: 'positive' }]);
    expect(concept.strings).toContainEqual({ param: 'value-string', value: 'positive', raw: 'positive' });
  });

  it('repeats no row (FHIRPath union is a set)', () => {
    const rows = extractIndexRows({
      resourceType: 'AllergyIntolerance', id: 'a', patient: { reference: 'Patient/p' },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '91935009' }] },
      reaction: [{ substance: { coding: [{ system: 'http://snomed.info/sct', code: '91935009' }] }, manifestation: [{ text: 'hives' }] }],
    });
    expect(tokens(rows, 'code')).toEqual([{ system: 'http://snomed.info/sct', code: '91935009', display: null }]);
  });
});

import type { Resource } from '@medplum/fhirtypes';
import { tempVault } from '../../test/helpers/temp-vault.ts';
import { recordStore } from '../records/record-store.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { searchVault, type SearchOptions, type SearchResult } from './search-vault.ts';

/** A real encrypted vault in a temp dir, filled through the record store (so the index is the real one). */
export interface TestVault {
  db: SqliteDatabase;
  search(query: string, options?: SearchOptions): SearchResult;
  /** `Type/id` of the matches, in order. */
  ids(query: string, options?: SearchOptions): string[];
  write(resource: Resource): void;
  close(): void;
}

export function openTestVault(resources: readonly Resource[]): TestVault {
  const vault = tempVault();
  const store = recordStore(vault.db);
  store.transaction(() => {
    for (const resource of resources) store.write(resource, { sourceId: 'test' });
  });
  const search = (query: string, options?: SearchOptions) => searchVault(vault.db, query, options);
  return {
    db: vault.db,
    search,
    ids: (query, options) => search(query, options).resources.map(reference),
    write: (resource) => void store.write(resource, { sourceId: 'test' }),
    close: () => vault.dispose(),
  };
}

export const reference = (resource: Resource): string => `${resource.resourceType}/${resource.id}`;

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const SNOMED = 'http://snomed.info/sct';

const observation = (id: string, fields: Record<string, unknown>): Resource =>
  ({ resourceType: 'Observation', id, status: 'final', code: { text: 'unspecified' }, ...fields }) as Resource;

/** The hand-made records the search tests run against; each test states its expected ids exactly. */
export const FIXTURE: readonly Resource[] = [
  {
    resourceType: 'Patient', id: 'p1', active: true, gender: 'female', birthDate: '1980-05-12',
    name: [{ family: 'Müller', given: ['Éva'] }],
    identifier: [{ system: 'urn:mrn', value: 'MRN1', type: { text: 'Medical record number' } }],
    address: [{ city: 'Zürich' }],
  },
  {
    resourceType: 'Patient', id: 'p2', active: false, gender: 'male', birthDate: '1975',
    name: [{ family: 'Muller-Smith', given: ['John'] }],
    identifier: [{ system: 'urn:ssn', value: '123' }, { value: 'MRN1' }],
  },
  {
    resourceType: 'Patient', id: 'p3', gender: 'female',
    name: [{ family: 'Smith', given: ['Anna Maria'] }],
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Anna is allergic to penicillin</div>' },
  },
  observation('o1', {
    code: { coding: [{ system: LOINC, code: '4548-4', display: 'Hemoglobin A1c' }] },
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    effectiveDateTime: '2020-03-15', valueQuantity: { value: 5.4, unit: '%', system: UCUM, code: '%' },
    subject: { reference: 'Patient/p1' },
  }),
  observation('o2', {
    code: { coding: [{ system: LOINC, code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' }] },
    effectiveDateTime: '2021-06-01T10:00:00Z', valueQuantity: { value: 6.1, unit: '%', system: UCUM, code: '%' },
    subject: { reference: 'Patient/p1' },
    hasMember: [{ reference: 'Observation/o1' }],
  }),
  observation('o3', {
    status: 'amended',
    code: { coding: [{ system: LOINC, code: '2345-7', display: 'Glucose' }] },
    effectivePeriod: { start: '2019-12-20', end: '2020-01-10' }, valueQuantity: { value: 95, unit: 'mg/dL', system: UCUM, code: 'mg/dL' },
    subject: { reference: 'Patient/p2' },
  }),
  observation('o4', {
    status: 'preliminary',
    code: { coding: [{ system: SNOMED, code: '27113001', display: 'Body weight' }] },
    effectiveDateTime: '2020', valueQuantity: { value: 70.35, unit: 'kg' },
    subject: { reference: 'Patient/p2' },
  }),
  observation('o5', {
    code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }, { code: '4548-4' }] },
    valueQuantity: { value: 5.35, unit: 'beats/minute', system: UCUM, code: '/min' },
    subject: { reference: 'https://ehr.example.org/fhir/Patient/p3' },
  }),
  observation('o6', {
    code: { text: 'Covid test' }, valueString: 'Positive result',
    effectiveDateTime: '2022-01-01T00:30:00+01:00',
    subject: { reference: 'Patient/p3' }, performer: [{ reference: 'Practitioner/dr1' }],
  }),
  {
    resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, onsetDateTime: '2015',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: SNOMED, code: '44054006', display: 'Diabetes mellitus type 2' }] },
  },
  {
    resourceType: 'Condition', id: 'c2', subject: { reference: 'Patient/p1' },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] },
    code: { text: 'Hypertension' },
  },
  { resourceType: 'Condition', id: 'c3', subject: { reference: 'Patient/p2' }, code: { text: 'Asthma' } },
  { resourceType: 'Practitioner', id: 'dr1', name: [{ family: 'House' }] },
  {
    resourceType: 'MedicationRequest', id: 'm1', status: 'active', intent: 'order', subject: { reference: 'Patient/p1' },
    medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '860975', display: 'Metformin 500 MG' }] },
  },
  {
    resourceType: 'MedicationRequest', id: 'm2', status: 'stopped', intent: 'order', subject: { reference: 'Patient/p1' },
    medicationCodeableConcept: { text: 'Lisinopril 10 mg' },
  },
  {
    resourceType: 'Provenance', id: 'prov1', recorded: '2021-06-02T00:00:00Z',
    target: [{ reference: 'Observation/o1' }, { reference: 'Patient/p1' }], agent: [{ who: { reference: 'Practitioner/dr1' } }],
  },
  { resourceType: 'Questionnaire', id: 'q1', status: 'active', url: 'http://example.org/fhir/Questionnaire/phq9' },
  { resourceType: 'Questionnaire', id: 'q2', status: 'active', url: 'http://example.org/fhir/Questionnaire/gad7' },
  { resourceType: 'Questionnaire', id: 'q3', status: 'draft', url: 'http://other.org/q' },
  riskAssessment('r1', 0.25),
  riskAssessment('r2', 0.3),
  riskAssessment('r3', 0.305),
  riskAssessment('r4', -2),
] as Resource[];

function riskAssessment(id: string, probability: number): Resource {
  return { resourceType: 'RiskAssessment', id, status: 'final', subject: { reference: 'Patient/p1' }, prediction: [{ probabilityDecimal: probability }] } as Resource;
}

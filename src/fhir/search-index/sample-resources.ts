import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DiagnosticReport, Observation, Resource } from '@medplum/fhirtypes';

/**
 * Resources for the equivalence tests and the benchmark: the Synthea export in
 * test/fixtures/synthea-10 (a copy of the Synthea sample export, which has no Observations) and hand-written Observations and a
 * DiagnosticReport in the shapes US Core feeds send.
 */

export const SYNTHEA_DIR = fileURLToPath(new URL('../../../test/fixtures/synthea-10/', import.meta.url));

export function loadSyntheaResources(): Resource[] {
  const resources: Resource[] = [];
  for (const file of readdirSync(SYNTHEA_DIR).filter((name) => name.endsWith('.ndjson') && name !== 'log.ndjson').sort()) {
    for (const line of readFileSync(SYNTHEA_DIR + file, 'utf8').split('\n')) {
      if (line.trim() !== '') resources.push(JSON.parse(line) as Resource);
    }
  }
  return resources;
}

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const category = (code: string, display: string): Observation['category'] => [
  { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code, display }] },
];

/** A vital sign the size of a typical Synthea/US Core Observation; `n` varies ids, values and dates. */
export function bodyWeight(n: number): Observation {
  const day = String((n % 28) + 1).padStart(2, '0');
  return {
    resourceType: 'Observation',
    id: `obs-weight-${n}`,
    meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-body-weight'] },
    status: 'final',
    category: category('vital-signs', 'Vital signs'),
    code: { coding: [{ system: LOINC, code: '29463-7', display: 'Body Weight' }], text: 'Body Weight' },
    subject: { reference: `Patient/p-${n % 13}` },
    encounter: { reference: `Encounter/e-${n}` },
    effectiveDateTime: `2014-06-${day}T02:24:25-04:00`,
    issued: `2014-06-${day}T02:24:25.105-04:00`,
    valueQuantity: { value: 60 + (n % 400) / 10, unit: 'kg', system: UCUM, code: 'kg' },
  };
}

export function bloodPressure(n: number): Observation {
  const component = (code: string, display: string, value: number): NonNullable<Observation['component']>[number] => ({
    code: { coding: [{ system: LOINC, code, display }], text: display },
    valueQuantity: { value, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' },
  });
  return {
    resourceType: 'Observation',
    id: `obs-bp-${n}`,
    status: 'final',
    category: category('vital-signs', 'Vital signs'),
    code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }], text: 'Blood pressure panel' },
    subject: { reference: `Patient/p-${n % 13}` },
    effectiveDateTime: '2019-03-05T10:00:00+01:00',
    component: [component('8480-6', 'Systolic blood pressure', 110 + (n % 40)), component('8462-4', 'Diastolic blood pressure', 70 + (n % 20))],
  };
}

export function handWrittenObservations(): Observation[] {
  return [
    bodyWeight(1),
    bloodPressure(2),
    {
      resourceType: 'Observation', id: 'obs-smoking', status: 'final', category: category('social-history', 'Social History'),
      code: { coding: [{ system: LOINC, code: '72166-2', display: 'Tobacco smoking status' }] },
      subject: { reference: 'Patient/p-1' },
      effectivePeriod: { start: '2020-01', end: '2020-02-15T08:00:00Z' },
      valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '266919005', display: 'Never smoked tobacco' }], text: 'Never smoker' },
    },
    {
      resourceType: 'Observation', id: 'obs-note', status: 'amended', code: { text: 'Clinician comment' },
      subject: { reference: 'https://ehr.example.org/fhir/R4/Patient/p-2' },
      performer: [{ reference: 'Practitioner/pr-1/_history/3' }, { reference: '#author' }],
      contained: [{ resourceType: 'Practitioner', id: 'author', name: [{ family: 'Müller', given: ['Zoë'] }] }],
      effectivePeriod: { end: '2021' },
      valueString: 'Patient reports feeling better',
      note: [{ text: 'Follow up in **two** weeks' }],
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Comment &amp; plan</p></div>' },
    },
    {
      resourceType: 'Observation', id: 'obs-range', status: 'final', code: { coding: [{ system: LOINC, code: '2345-7' }] },
      subject: { reference: 'Patient/p-3' }, effectiveInstant: '2022-02-02T02:02:02.2Z',
      valueRange: { low: { value: 4.2, unit: 'mmol/L' }, high: { value: 6.1, unit: 'mmol/L' } },
      interpretation: [{ text: 'borderline' }],
    },
  ];
}

export function diagnosticReport(): DiagnosticReport {
  return {
    resourceType: 'DiagnosticReport', id: 'dr-1', status: 'final',
    identifier: [{ system: 'urn:oid:1.2.3', value: 'LAB-77', type: { text: 'Accession' } }],
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB' }] }],
    code: { coding: [{ system: LOINC, code: '24323-8', display: 'Comprehensive metabolic panel' }] },
    subject: { reference: 'Patient/p-1' },
    encounter: { reference: 'Encounter/e-1' },
    effectiveDateTime: '2021-07-14',
    issued: '2021-07-15T09:30:00.000Z',
    performer: [{ reference: 'Organization/org-1', display: 'City Lab' }],
    result: [{ reference: 'Observation/obs-range' }, { reference: 'Observation/obs-weight-1' }],
    conclusion: 'Within normal limits',
    conclusionCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '17621005', display: 'Normal' }] }],
    presentedForm: [{ contentType: 'application/pdf', title: 'CMP report', url: 'Binary/b-1' }],
  };
}

import type { Resource } from '@medplum/fhirtypes';

/**
 * A synthetic health record of about `total` resources, shaped like one person's long history:
 * mostly lab results and vital signs, with encounters, conditions, medications, reports, documents.
 * Deterministic (seeded), so timings compare between runs. Used by search-performance.test.ts.
 */
export function* benchResources(total = 100_000): Generator<Resource> {
  const random = seeded(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const day = (from: number, to: number) => new Date(Date.UTC(from, 0, 1) + random() * (Date.UTC(to, 0, 1) - Date.UTC(from, 0, 1)));
  const counts = {
    observation: 0,
    encounter: Math.round(total * 0.08),
    diagnosticReport: Math.round(total * 0.06),
    medicationRequest: Math.round(total * 0.05),
    procedure: Math.round(total * 0.04),
    condition: Math.round(total * 0.03),
    document: Math.round(total * 0.019),
    immunization: Math.round(total * 0.01),
  };
  // The rest (~70%) are observations, after the patient, 50 practitioners and 200 medications.
  counts.observation = total - 251 - Object.values(counts).reduce((sum, count) => sum + count, 0);
  yield { resourceType: 'Patient', id: 'me', name: [{ family: 'Doe', given: ['Jane'] }], birthDate: '1970-01-01', gender: 'female' };
  for (let i = 0; i < 50; i++) yield { resourceType: 'Practitioner', id: `dr${i}`, name: [{ family: pick(SURNAMES), given: [pick(GIVEN)] }] };
  for (let i = 0; i < 200; i++) {
    yield { resourceType: 'Medication', id: `med${i}`, code: { coding: [{ system: RXNORM, code: String(100000 + i), display: `${pick(DRUGS)} ${pick([5, 10, 20, 500])} MG` }] } };
  }
  for (let i = 0; i < counts.encounter; i++) {
    const start = day(2000, 2026);
    yield {
      resourceType: 'Encounter', id: `enc${i}`, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: pick(['AMB', 'IMP', 'EMER']) },
      subject: { reference: 'Patient/me' }, participant: [{ individual: { reference: `Practitioner/dr${i % 50}` } }],
      period: { start: start.toISOString(), end: new Date(start.getTime() + 3_600_000).toISOString() },
    } as Resource;
  }
  for (let i = 0; i < counts.observation; i++) {
    const [code, display, unit, low, high] = pick(LABS);
    const vital = code.startsWith('8') && random() < 0.5;
    yield {
      resourceType: 'Observation', id: `obs${i}`, status: random() < 0.97 ? 'final' : 'amended',
      category: [{ coding: [{ system: CATEGORY, code: vital ? 'vital-signs' : 'laboratory' }] }],
      code: { coding: [{ system: LOINC, code, display }] },
      subject: { reference: 'Patient/me' }, encounter: { reference: `Encounter/enc${i % counts.encounter}` },
      performer: [{ reference: `Practitioner/dr${i % 50}` }],
      effectiveDateTime: day(2000, 2026).toISOString(),
      valueQuantity: { value: Math.round((low + random() * (high - low)) * 10) / 10, unit, system: UCUM, code: unit },
    } as Resource;
  }
  for (let i = 0; i < counts.diagnosticReport; i++) {
    yield {
      resourceType: 'DiagnosticReport', id: `dr-report${i}`, status: 'final', code: { coding: [{ system: LOINC, code: '58410-2', display: 'CBC panel' }] },
      subject: { reference: 'Patient/me' }, effectiveDateTime: day(2000, 2026).toISOString(),
      result: [0, 1, 2].map((k) => ({ reference: `Observation/obs${(i * 3 + k) % counts.observation}` })),
    } as Resource;
  }
  for (let i = 0; i < counts.medicationRequest; i++) {
    yield {
      resourceType: 'MedicationRequest', id: `mr${i}`, status: random() < 0.05 ? 'active' : pick(['completed', 'stopped']), intent: 'order',
      subject: { reference: 'Patient/me' }, medicationReference: { reference: `Medication/med${i % 200}` },
      authoredOn: day(2000, 2026).toISOString(), requester: { reference: `Practitioner/dr${i % 50}` },
    } as Resource;
  }
  for (let i = 0; i < counts.procedure; i++) {
    yield {
      resourceType: 'Procedure', id: `proc${i}`, status: 'completed', subject: { reference: 'Patient/me' },
      code: { coding: [{ system: SNOMED, code: String(70000 + (i % 400)), display: `${pick(PROCEDURES)} of ${pick(BODY)}` }] },
      performedDateTime: day(2000, 2026).toISOString(),
    } as Resource;
  }
  for (let i = 0; i < counts.condition; i++) {
    yield {
      resourceType: 'Condition', id: `cond${i}`, subject: { reference: 'Patient/me' },
      clinicalStatus: { coding: [{ system: CLINICAL, code: random() < 0.1 ? 'active' : 'resolved' }] },
      code: { coding: [{ system: SNOMED, code: String(40000 + (i % 300)), display: `${pick(CONDITIONS)} ${i % 300}` }] },
      onsetDateTime: day(2000, 2026).toISOString().slice(0, 10),
    } as Resource;
  }
  for (let i = 0; i < counts.document; i++) {
    const words = Array.from({ length: 40 }, () => pick(NOTE_WORDS)).join(' ');
    yield {
      resourceType: 'DocumentReference', id: `doc${i}`, status: 'current', subject: { reference: 'Patient/me' }, date: day(2000, 2026).toISOString(),
      type: { coding: [{ system: LOINC, code: '11506-3', display: 'Progress note' }] },
      text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${words}</div>` },
      content: [{ attachment: { contentType: 'text/plain', title: `Note ${i}` } }],
    } as Resource;
  }
  for (let i = 0; i < counts.immunization; i++) {
    yield {
      resourceType: 'Immunization', id: `imm${i}`, status: 'completed', patient: { reference: 'Patient/me' },
      vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: String(i % 100), display: 'Influenza vaccine' }] },
      occurrenceDateTime: day(2000, 2026).toISOString(),
    } as Resource;
  }
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const SNOMED = 'http://snomed.info/sct';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';

const BASE_LABS: ReadonlyArray<[string, string, string, number, number]> = [
  ['4548-4', 'Hemoglobin A1c', '%', 4, 10], ['2345-7', 'Glucose', 'mg/dL', 60, 200], ['718-7', 'Hemoglobin', 'g/dL', 10, 18],
  ['2093-3', 'Cholesterol', 'mg/dL', 120, 300], ['2160-0', 'Creatinine', 'mg/dL', 0.5, 2], ['8867-4', 'Heart rate', '/min', 45, 140],
  ['8480-6', 'Systolic blood pressure', 'mm[Hg]', 90, 180], ['8462-4', 'Diastolic blood pressure', 'mm[Hg]', 50, 110],
  ['8310-5', 'Body temperature', 'Cel', 35, 40], ['29463-7', 'Body weight', 'kg', 50, 100],
];
// 40 further lab codes, so a single code is ~1/50 of the results, as in real lab histories.
const LABS: ReadonlyArray<[string, string, string, number, number]> = [
  ...BASE_LABS,
  ...Array.from({ length: 40 }, (_, i): [string, string, string, number, number] => [`${10000 + i}-${i % 10}`, `Analyte ${i}`, 'mmol/L', 1, 50]),
];
const SURNAMES = ['Smith', 'Müller', 'García', 'Nguyen', 'Kowalski', 'Okafor', 'Rossi', 'Dubois'];
const GIVEN = ['Ana', 'Ben', 'Chloé', 'David', 'Éva', 'Femi', 'Greta', 'Hiro'];
const DRUGS = ['Metformin', 'Lisinopril', 'Atorvastatin', 'Amoxicillin', 'Ibuprofen', 'Levothyroxine', 'Omeprazole', 'Sertraline'];
const PROCEDURES = ['Excision', 'Biopsy', 'Imaging', 'Repair', 'Injection'];
const BODY = ['knee', 'shoulder', 'skin', 'colon', 'wrist'];
const CONDITIONS = ['Hypertension', 'Diabetes', 'Asthma', 'Migraine', 'Fracture', 'Bronchitis', 'Anemia', 'Dermatitis'];
const NOTE_WORDS = [
  'patient', 'reports', 'pain', 'knee', 'after', 'fall', 'no', 'fever', 'blood', 'pressure', 'stable', 'continue', 'metformin',
  'follow', 'up', 'weeks', 'x-ray', 'fracture', 'ruled', 'out', 'sleep', 'improved', 'diet', 'exercise', 'advised', 'cough', 'wheezing',
];

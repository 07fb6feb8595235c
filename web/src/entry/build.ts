// Manual entry: the form's values as FHIR R4 resources, and back (for editing). Pure functions, no
// DOM: the API tests (test/manual-entry-http.test.ts) post exactly what these build, and the server's
// create validates it (src/fhir-api/write-service.ts). Code systems per R4 terminology pages.

export type EntryKind = 'condition' | 'medication' | 'allergy' | 'immunization' | 'lab' | 'vital' | 'procedure' | 'note' | 'document';
type Json = Record<string, unknown>;

/** What the record is about: a picked code and/or free text (free text alone is always allowed). */
export interface Coded {
  text: string;
  system?: string;
  code?: string;
  display?: string;
}

export interface EntryForm {
  kind: EntryKind;
  /** `Patient/<id>` of the person's vault. */
  patient: string;
  /** `Encounter/<id>` of the visit, if any. */
  encounter?: string;
  what: Coded;
  /** YYYY-MM-DD: onset, start, given, taken, done, or the document's date. */
  date: string;
  endDate?: string;
  status?: string;
  value?: string;
  unit?: string;
  dosage?: string;
  reaction?: string;
  criticality?: string;
  note?: string;
  attachment?: { contentType: string; data: string; title: string; size?: number };
}

export const ENTRY_KINDS: { kind: EntryKind; label: string; type: string; codes?: { subset: string; kind?: string } }[] = [
  { kind: 'condition', label: 'Condition', type: 'Condition', codes: { subset: 'snomed', kind: 'problem' } },
  { kind: 'medication', label: 'Medication', type: 'MedicationStatement', codes: { subset: 'rxnorm' } },
  { kind: 'allergy', label: 'Allergy', type: 'AllergyIntolerance', codes: { subset: 'snomed', kind: 'allergy' } },
  { kind: 'immunization', label: 'Immunisation', type: 'Immunization', codes: { subset: 'cvx' } },
  { kind: 'lab', label: 'Lab result', type: 'Observation', codes: { subset: 'loinc', kind: 'lab' } },
  { kind: 'vital', label: 'Vital sign', type: 'Observation', codes: { subset: 'loinc', kind: 'vital' } },
  { kind: 'procedure', label: 'Procedure', type: 'Procedure', codes: { subset: 'snomed', kind: 'procedure' } },
  { kind: 'note', label: 'Visit note', type: 'DocumentReference', codes: { subset: 'loinc', kind: 'document' } },
  { kind: 'document', label: 'Document (photo or PDF)', type: 'DocumentReference', codes: { subset: 'loinc', kind: 'document' } },
];

/** Allowed statuses per kind (R4 value sets), the first the default. */
export const STATUSES: Partial<Record<EntryKind, string[]>> = {
  condition: ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'],
  medication: ['active', 'completed', 'stopped', 'on-hold', 'intended', 'not-taken'],
  allergy: ['active', 'inactive', 'resolved'],
  procedure: ['completed', 'in-progress', 'not-done', 'stopped'],
};

const UCUM = 'http://unitsofmeasure.org';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const BP_PANEL = '85354-9';

export class EntryProblem extends Error {}

const DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

function concept(coded: Coded): Json {
  const text = coded.text.trim() || coded.display?.trim() || '';
  if (!text && !coded.code) throw new EntryProblem('Say what it is: pick a code or type a name.');
  const coding = coded.code && coded.system ? [{ system: coded.system, code: coded.code, ...(coded.display ? { display: coded.display } : {}) }] : undefined;
  return { ...(coding ? { coding } : {}), ...(text ? { text } : {}) };
}

const statusConcept = (system: string, code: string) => ({ coding: [{ system, code }] });
const notes = (note?: string) => (note?.trim() ? { note: [{ text: note.trim() }] } : {});
const ref = (reference?: string) => (reference ? { reference } : undefined);

function checkDate(value: string | undefined, label: string, required: boolean): string | undefined {
  const date = value?.trim() ?? '';
  if (!date) {
    if (required) throw new EntryProblem(`${label} is needed.`);
    return undefined;
  }
  if (!DATE.test(date)) throw new EntryProblem(`${label} must be a date (YYYY-MM-DD).`);
  return date;
}

function pick(allowed: string[] | undefined, value: string | undefined): string {
  const status = value ?? allowed?.[0] ?? '';
  if (allowed && !allowed.includes(status)) throw new EntryProblem(`Status must be one of ${allowed.join(', ')}.`);
  return status;
}

/** A value as Quantity when numeric (UCUM unit), else as a string; "120/80" on the BP panel as components. */
function observationValue(form: EntryForm): Json {
  const raw = form.value?.trim() ?? '';
  if (!raw) throw new EntryProblem('A value is needed.');
  if (form.what.code === BP_PANEL) {
    const bp = /^(\d{2,3})\s*\/\s*(\d{2,3})$/.exec(raw);
    if (!bp) throw new EntryProblem('Blood pressure reads like 120/80.');
    const part = (code: string, display: string, value: string) => ({
      code: { coding: [{ system: 'http://loinc.org', code, display }], text: display },
      valueQuantity: { value: Number(value), unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' },
    });
    return { component: [part('8480-6', 'Systolic blood pressure', bp[1]!), part('8462-4', 'Diastolic blood pressure', bp[2]!)] };
  }
  if (/^-?\d+(\.\d+)?$/.test(raw)) {
    const unit = form.unit?.trim();
    return { valueQuantity: { value: Number(raw), ...(unit ? { unit, system: UCUM, code: unit } : {}) } };
  }
  return { valueString: raw };
}

/** UTF-8 text as base64 (Attachment.data), without DOM or Node-only APIs. */
export function utf8Base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a = 0, b = 0, c = 0] = [bytes[i], bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | (b << 8) | c;
    out += alphabet[(n >> 18) & 63]! + alphabet[(n >> 12) & 63]! + (i + 1 < bytes.length ? alphabet[(n >> 6) & 63]! : '=') + (i + 2 < bytes.length ? alphabet[n & 63]! : '=');
  }
  return out;
}

export function utf8FromBase64(data: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const clean = data.replace(/[^A-Za-z0-9+/]/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < clean.length; i += 4) {
    const n = [0, 1, 2, 3].reduce((acc, k) => (acc << 6) | Math.max(0, alphabet.indexOf(clean[i + k] ?? 'A')), 0);
    bytes.push((n >> 16) & 255);
    if (i + 2 < clean.length) bytes.push((n >> 8) & 255);
    if (i + 3 < clean.length) bytes.push(n & 255);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The FHIR resource of a filled-in form (no id: the server assigns it on create). */
export function buildResource(form: EntryForm): Json {
  const subject = { reference: form.patient };
  const encounter = ref(form.encounter);
  const date = checkDate(form.date, 'The date', form.kind === 'immunization' || form.kind === 'lab' || form.kind === 'vital');
  const endDate = checkDate(form.endDate, 'The end date', false);
  switch (form.kind) {
    case 'condition':
      return {
        resourceType: 'Condition',
        clinicalStatus: statusConcept('http://terminology.hl7.org/CodeSystem/condition-clinical', pick(STATUSES.condition, form.status)),
        verificationStatus: statusConcept('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed'),
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item', display: 'Problem List Item' }] }],
        code: concept(form.what),
        subject,
        ...(encounter ? { encounter } : {}),
        ...(date ? { onsetDateTime: date } : {}),
        ...(endDate ? { abatementDateTime: endDate } : {}),
        ...notes(form.note),
      };
    case 'medication':
      return {
        resourceType: 'MedicationStatement',
        status: pick(STATUSES.medication, form.status),
        medicationCodeableConcept: concept(form.what),
        subject,
        ...(encounter ? { context: encounter } : {}),
        ...(date || endDate ? { effectivePeriod: { ...(date ? { start: date } : {}), ...(endDate ? { end: endDate } : {}) } } : {}),
        ...(form.dosage?.trim() ? { dosage: [{ text: form.dosage.trim() }] } : {}),
        ...notes(form.note),
      };
    case 'allergy': {
      const criticality = form.criticality || undefined;
      if (criticality && !['low', 'high', 'unable-to-assess'].includes(criticality)) throw new EntryProblem('Criticality must be low, high or unable-to-assess.');
      return {
        resourceType: 'AllergyIntolerance',
        clinicalStatus: statusConcept('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', pick(STATUSES.allergy, form.status)),
        verificationStatus: statusConcept('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', 'confirmed'),
        code: concept(form.what),
        patient: subject,
        ...(encounter ? { encounter } : {}),
        ...(date ? { onsetDateTime: date } : {}),
        ...(criticality ? { criticality } : {}),
        ...(form.reaction?.trim() ? { reaction: [{ manifestation: [{ text: form.reaction.trim() }] }] } : {}),
        ...notes(form.note),
      };
    }
    case 'immunization':
      return { resourceType: 'Immunization', status: 'completed', vaccineCode: concept(form.what), patient: subject, ...(encounter ? { encounter } : {}), occurrenceDateTime: date, ...notes(form.note) };
    case 'lab':
    case 'vital': {
      const category = form.kind === 'lab' ? { code: 'laboratory', display: 'Laboratory' } : { code: 'vital-signs', display: 'Vital Signs' };
      return {
        resourceType: 'Observation',
        status: 'final',
        category: [{ coding: [{ system: OBSERVATION_CATEGORY, ...category }] }],
        code: concept(form.what),
        subject,
        ...(encounter ? { encounter } : {}),
        effectiveDateTime: date,
        ...observationValue(form),
        ...notes(form.note),
      };
    }
    case 'procedure':
      return {
        resourceType: 'Procedure',
        status: pick(STATUSES.procedure, form.status),
        code: concept(form.what),
        subject,
        ...(encounter ? { encounter } : {}),
        ...(date ? { performedDateTime: date } : {}),
        ...notes(form.note),
      };
    case 'note':
    case 'document': {
      let attachment: Json;
      if (form.kind === 'note') {
        if (!form.note?.trim()) throw new EntryProblem('Write the note.');
        attachment = { contentType: 'text/plain; charset=utf-8', data: utf8Base64(form.note.trim()), title: form.what.text.trim() || 'Visit note' };
      } else {
        if (!form.attachment) throw new EntryProblem('Choose a photo or PDF.');
        attachment = { ...form.attachment, ...(date ? { creation: date } : {}) };
      }
      const type = form.what.text.trim() || form.what.code ? concept(form.what) : { text: form.kind === 'note' ? 'Visit note' : 'Document' };
      return {
        resourceType: 'DocumentReference',
        status: 'current',
        type,
        subject,
        // DocumentReference.date is an instant: when this reference was made. The visit's date goes in context.
        date: new Date().toISOString(),
        description: String(attachment['title'] ?? ''),
        content: [{ attachment }],
        ...(encounter || date ? { context: { ...(encounter ? { encounter: [encounter] } : {}), ...(date ? { period: { start: date } } : {}) } } : {}),
      };
    }
  }
}

/** A new visit: an ambulatory Encounter on `date`, its reason as free text. */
export function buildEncounter(patient: string, date: string, reason: string): Json {
  checkDate(date, 'The visit date', true);
  return {
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
    ...(reason.trim() ? { type: [{ text: reason.trim() }] } : {}),
    subject: { reference: patient },
    period: { start: date, end: date },
  };
}

type Any = any; // reading arbitrary FHIR shapes back

function codedOf(value: Any): Coded {
  const coding = value?.coding?.[0];
  return { text: value?.text ?? coding?.display ?? '', ...(coding?.system ? { system: coding.system } : {}), ...(coding?.code ? { code: coding.code } : {}), ...(coding?.display ? { display: coding.display } : {}) };
}

/** The kind of a hand-entered resource, by its type (and an Observation's category, a DocumentReference's attachment). */
export function kindOf(resource: Any): EntryKind | undefined {
  switch (resource?.resourceType) {
    case 'Condition': return 'condition';
    case 'MedicationStatement': return 'medication';
    case 'AllergyIntolerance': return 'allergy';
    case 'Immunization': return 'immunization';
    case 'Procedure': return 'procedure';
    case 'Observation':
      return resource.category?.some((c: Any) => c.coding?.some((coding: Any) => coding.code === 'vital-signs')) ? 'vital' : 'lab';
    case 'DocumentReference':
      return String(resource.content?.[0]?.attachment?.contentType ?? '').startsWith('text/plain') ? 'note' : 'document';
    default:
      return undefined;
  }
}

/** The form of a resource built by buildResource, for editing (what the form cannot show is rebuilt). */
export function formOf(resource: Any): EntryForm | undefined {
  const kind = kindOf(resource);
  if (!kind) return undefined;
  const day = (value: unknown) => (typeof value === 'string' ? value.slice(0, 10) : '');
  const form: EntryForm = { kind, patient: (resource.subject ?? resource.patient)?.reference ?? '', what: { text: '' }, date: '' };
  const encounter = resource.encounter?.reference ?? resource.context?.reference ?? resource.context?.encounter?.[0]?.reference;
  if (encounter) form.encounter = encounter;
  const note = resource.note?.[0]?.text;
  if (note) form.note = note;
  switch (kind) {
    case 'condition':
      Object.assign(form, { what: codedOf(resource.code), date: day(resource.onsetDateTime), endDate: day(resource.abatementDateTime), status: resource.clinicalStatus?.coding?.[0]?.code });
      break;
    case 'medication':
      Object.assign(form, { what: codedOf(resource.medicationCodeableConcept), date: day(resource.effectivePeriod?.start), endDate: day(resource.effectivePeriod?.end), status: resource.status, dosage: resource.dosage?.[0]?.text ?? '' });
      break;
    case 'allergy':
      Object.assign(form, { what: codedOf(resource.code), date: day(resource.onsetDateTime), status: resource.clinicalStatus?.coding?.[0]?.code, criticality: resource.criticality ?? '', reaction: resource.reaction?.[0]?.manifestation?.[0]?.text ?? '' });
      break;
    case 'immunization':
      Object.assign(form, { what: codedOf(resource.vaccineCode), date: day(resource.occurrenceDateTime) });
      break;
    case 'procedure':
      Object.assign(form, { what: codedOf(resource.code), date: day(resource.performedDateTime), status: resource.status });
      break;
    case 'lab':
    case 'vital': {
      const bp = resource.component?.length === 2 ? `${resource.component[0].valueQuantity?.value}/${resource.component[1].valueQuantity?.value}` : undefined;
      Object.assign(form, { what: codedOf(resource.code), date: day(resource.effectiveDateTime), value: bp ?? String(resource.valueQuantity?.value ?? resource.valueString ?? ''), unit: resource.valueQuantity?.unit ?? '' });
      break;
    }
    case 'note':
    case 'document': {
      const attachment = resource.content?.[0]?.attachment ?? {};
      Object.assign(form, { what: codedOf(resource.type), date: day(resource.context?.period?.start) });
      if (kind === 'note') form.note = attachment.data ? utf8FromBase64(attachment.data) : '';
      else form.attachment = { contentType: attachment.contentType, data: attachment.data, title: attachment.title ?? '', ...(attachment.size ? { size: attachment.size } : {}) };
      break;
    }
  }
  return form;
}

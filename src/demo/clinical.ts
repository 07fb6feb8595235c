import type { AllergyIntolerance, Condition, Encounter, Immunization, MedicationRequest, Practitioner, Procedure, Reference } from '@medplum/fhirtypes';
import { ACUTE_CONDITIONS, CONDITIONS, MEDICATIONS, PROCEDURES, REACTIONS, SYSTEM, VACCINES, type ProcedureKey, type VaccineKey } from './catalog.ts';
import type { PersonContext } from './context.ts';
import { coding, concept, hl7, referenceTo, ucum } from './fhir-shapes.ts';
import type { MedicationCourse, StoryAllergy, StoryCondition } from './story.ts';
import { DAY, MINUTE, YEAR, formatDate, formatDateTime } from './time.ts';

/**
 * Builders for the problem list, allergies, prescriptions, procedures and immunizations. Status
 * fields describe the record as of the reference date: a condition that later resolves is written
 * as resolved, a prescription that is later replaced is written as stopped, because each resource
 * is yielded exactly once.
 */

export function conditionResource(ctx: PersonContext, condition: StoryCondition, recordedAt: number, recorder: Practitioner, encounter?: Reference<Encounter>): Condition {
  const definition = CONDITIONS[condition.key];
  const resolved = condition.abatement !== undefined;
  return {
    resourceType: 'Condition',
    id: ctx.random.uuid(),
    clinicalStatus: hl7(SYSTEM.conditionClinical, resolved ? 'resolved' : 'active', resolved ? 'Resolved' : 'Active'),
    verificationStatus: hl7(SYSTEM.conditionVerification, 'confirmed', 'Confirmed'),
    category: [ACUTE_CONDITIONS.has(condition.key)
      ? hl7(SYSTEM.conditionCategory, 'encounter-diagnosis', 'Encounter Diagnosis')
      : hl7(SYSTEM.conditionCategory, 'problem-list-item', 'Problem List Item')],
    code: { coding: [coding(SYSTEM.snomed, definition.snomed), coding(SYSTEM.icd10cm, definition.icd10)], text: definition.text },
    subject: ctx.patient,
    ...(encounter ? { encounter } : {}),
    onsetDateTime: formatDateTime(condition.onset),
    ...(resolved ? { abatementDateTime: formatDateTime(condition.abatement!) } : {}),
    recordedDate: formatDateTime(recordedAt),
    recorder: referenceTo(recorder),
  };
}

export function allergyResource(ctx: PersonContext, allergy: StoryAllergy, recordedAt: number, recorder: Practitioner, encounter?: Reference<Encounter>): AllergyIntolerance {
  const reaction = REACTIONS[allergy.reaction];
  return {
    resourceType: 'AllergyIntolerance',
    id: ctx.random.uuid(),
    clinicalStatus: hl7(SYSTEM.allergyClinical, 'active', 'Active'),
    verificationStatus: hl7(SYSTEM.allergyVerification, 'confirmed', 'Confirmed'),
    type: allergy.type,
    category: [allergy.allergen.category],
    criticality: allergy.criticality,
    code: { coding: [{ system: allergy.allergen.system, code: allergy.allergen.code, display: allergy.allergen.display }], text: allergy.allergen.text },
    patient: ctx.patient,
    ...(encounter ? { encounter } : {}),
    onsetDateTime: formatDate(allergy.onset),
    recordedDate: formatDateTime(recordedAt),
    recorder: referenceTo(recorder),
    reaction: [{ manifestation: [concept(SYSTEM.snomed, reaction, reaction.text)], severity: allergy.severity }],
  };
}

export interface PrescriptionWindow {
  authoredAt: number;
  start: number;
  end: number;
  status: 'active' | 'stopped' | 'completed';
  stopReason?: string;
  inpatient?: boolean;
}

export function medicationRequestResource(ctx: PersonContext, course: MedicationCourse, window: PrescriptionWindow, requester: Practitioner, encounter?: Reference<Encounter>): MedicationRequest {
  const medication = MEDICATIONS[course.medication];
  const reason = course.reason ? ctx.conditionRefs.get(course.reason) : undefined;
  const supplyDays = Math.max(1, Math.round((window.end - window.start) / DAY));
  return {
    resourceType: 'MedicationRequest',
    id: ctx.random.uuid(),
    status: window.status,
    ...(window.stopReason ? { statusReason: { text: window.stopReason } } : {}),
    intent: 'order',
    category: [hl7(SYSTEM.medicationRequestCategory, window.inpatient ? 'inpatient' : 'community', window.inpatient ? 'Inpatient' : 'Community')],
    medicationCodeableConcept: { coding: [coding(SYSTEM.rxnorm, medication)], text: medication.text },
    subject: ctx.patient,
    ...(encounter ? { encounter } : {}),
    authoredOn: formatDateTime(window.authoredAt),
    requester: referenceTo(requester, requester.name?.[0]?.text),
    ...(reason ? { reasonReference: [reason] } : {}),
    dosageInstruction: [{
      sequence: 1,
      text: medication.sig,
      timing: {
        repeat: {
          boundsPeriod: { start: formatDateTime(window.start), end: formatDateTime(window.end) },
          frequency: medication.timesPerDay,
          period: 1,
          periodUnit: 'd',
        },
      },
      ...(medication.asNeeded ? { asNeededBoolean: true } : {}),
      route: concept(SYSTEM.snomed, medication.route, medication.route.display),
    }],
    dispenseRequest: {
      validityPeriod: { start: formatDate(window.start), end: formatDate(window.end) },
      numberOfRepeatsAllowed: supplyDays > 60 ? Math.min(11, Math.floor(supplyDays / 30) - 1) : 0,
      expectedSupplyDuration: ucum(Math.min(supplyDays, 30), 'days', 'd'),
    },
  };
}

export function procedureResource(ctx: PersonContext, key: ProcedureKey, time: number, minutes: number, performer: Practitioner, encounter: Reference<Encounter>, reason?: Reference<Condition>): Procedure {
  const procedure = PROCEDURES[key];
  return {
    resourceType: 'Procedure',
    id: ctx.random.uuid(),
    status: 'completed',
    code: concept(SYSTEM.snomed, procedure, procedure.text),
    subject: ctx.patient,
    encounter,
    performedPeriod: { start: formatDateTime(time), end: formatDateTime(time + minutes * MINUTE) },
    performer: [{ actor: referenceTo(performer) }],
    ...(reason ? { reasonReference: [reason] } : {}),
  };
}

const ORAL_VACCINES: ReadonlySet<VaccineKey> = new Set(['rotavirus']);
const SUBCUTANEOUS_VACCINES: ReadonlySet<VaccineKey> = new Set(['mmr', 'varicella']);
const DOSE_ML: Partial<Record<VaccineKey, number>> = { rotavirus: 1, covidPfizer: 0.3, covidBivalent: 0.3, covidUpdated: 0.3, covidUpdatedChild: 0.3, covidPfizerChild: 0.2, covidBivalentChild: 0.2 };
const LOT_LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';

export function immunizationResource(ctx: PersonContext, key: VaccineKey, time: number, performer: Practitioner, encounter?: Reference<Encounter>): Immunization {
  const vaccine = VACCINES[key];
  const random = ctx.random;
  const infant = time - ctx.birth < 3 * YEAR;
  const route = ORAL_VACCINES.has(key) ? ['PO', 'Swallow, oral'] : SUBCUTANEOUS_VACCINES.has(key) ? ['SC', 'Injection, subcutaneous'] : ['IM', 'Injection, intramuscular'];
  const site = infant ? ['LT', 'left thigh'] : ['LA', 'left arm'];
  const letter = () => LOT_LETTERS[random.int(0, LOT_LETTERS.length - 1)];
  const lot = `${letter()}${letter()}${random.int(1000, 9999)}`;
  return {
    resourceType: 'Immunization',
    id: random.uuid(),
    status: 'completed',
    vaccineCode: { coding: [coding(SYSTEM.cvx, vaccine)], text: vaccine.text },
    patient: ctx.patient,
    ...(encounter ? { encounter } : {}),
    occurrenceDateTime: formatDateTime(time),
    recorded: formatDateTime(time + 5 * MINUTE),
    primarySource: true,
    lotNumber: lot,
    expirationDate: formatDate(time + random.int(120, 500) * DAY),
    ...(route[0] === 'PO' ? {} : { site: hl7('http://terminology.hl7.org/CodeSystem/v3-ActSite', site[0]!, site[1]!) }),
    route: hl7('http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration', route[0]!, route[1]!),
    doseQuantity: ucum(DOSE_ML[key] ?? 0.5, 'mL'),
    performer: [{
      function: hl7('http://terminology.hl7.org/CodeSystem/v2-0443', 'AP', 'Administering Provider'),
      actor: referenceTo(performer),
    }],
  };
}

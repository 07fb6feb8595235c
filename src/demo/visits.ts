import type { Condition, Encounter, Organization, Practitioner, Reference, Resource } from '@medplum/fhirtypes';
import { clinicianName } from './care-team.ts';
import { CONDITIONS, ENCOUNTER_TYPES, MEDICATIONS, PROCEDURES, SYSTEM, VACCINES, type ConditionKey, type DocumentTypeKey, type EncounterTypeKey, type ProcedureKey, type VaccineKey } from './catalog.ts';
import { allergyResource, conditionResource, immunizationResource, medicationRequestResource, procedureResource, type PrescriptionWindow } from './clinical.ts';
import type { PersonContext } from './context.ts';
import { noteResources } from './documents.ts';
import { concept, hl7, referenceTo } from './fhir-shapes.ts';
import type { LabPanelKey } from './lab-catalog.ts';
import { labPanelResources } from './labs.ts';
import type { MedicationCourse, StoryAllergy, StoryCondition } from './story.ts';
import { DAY, HOUR, MINUTE, formatDateTime } from './time.ts';
import { vitalSignResources, type VitalsSet } from './vitals.ts';

/**
 * One encounter and everything recorded during it, in an order where every reference points to a
 * resource already emitted: Encounter, vital signs, lab results and reports, new diagnoses,
 * allergies, prescriptions, procedures, immunizations, then the note.
 */

export type EncounterClass = 'AMB' | 'EMER' | 'IMP' | 'VR';

const CLASS_DISPLAY: Record<EncounterClass, string> = { AMB: 'ambulatory', EMER: 'emergency', IMP: 'inpatient encounter', VR: 'virtual' };

export interface VisitSpec {
  time: number;
  type: EncounterTypeKey;
  classCode: EncounterClass;
  practitioner: Practitioner;
  organization: Organization;
  minutes: number;
  /** Inpatient stays: vitals twice a day and labs every morning for this many days. */
  stayDays?: number;
  reason: string;
  reasonConditions: ConditionKey[];
  vitals: VitalsSet | 'none';
  panels: LabPanelKey[];
  diagnoses: StoryCondition[];
  allergies: StoryAllergy[];
  prescriptions: Array<{ course: MedicationCourse; window: PrescriptionWindow }>;
  procedures: ProcedureKey[];
  vaccines: VaccineKey[];
  plan: string;
  note: DocumentTypeKey | 'none';
  noteAsBinary: boolean;
}

function encounterResource(ctx: PersonContext, spec: VisitSpec, end: number): Encounter {
  const type = ENCOUNTER_TYPES[spec.type];
  const reasons = spec.reasonConditions.map((key) => ctx.conditionRefs.get(key)).filter((ref): ref is Reference<Condition> => ref !== undefined);
  const period = { start: formatDateTime(spec.time), end: formatDateTime(end) };
  return {
    resourceType: 'Encounter',
    id: ctx.random.uuid(),
    status: 'finished',
    class: { system: SYSTEM.actCode, code: spec.classCode, display: CLASS_DISPLAY[spec.classCode] },
    type: [concept(SYSTEM.snomed, type, type.text)],
    ...(spec.classCode === 'EMER' ? { priority: hl7('http://terminology.hl7.org/CodeSystem/v3-ActPriority', 'EM', 'emergency') } : {}),
    subject: ctx.patient,
    participant: [{
      type: [hl7('http://terminology.hl7.org/CodeSystem/v3-ParticipationType', 'PPRF', 'primary performer')],
      period: { ...period },
      individual: referenceTo(spec.practitioner, clinicianName(spec.practitioner)),
    }],
    period,
    reasonCode: [{ text: spec.reason }],
    ...(reasons.length > 0 ? { reasonReference: reasons } : {}),
    ...(spec.classCode === 'IMP'
      ? { hospitalization: { admitSource: hl7('http://terminology.hl7.org/CodeSystem/admit-source', 'emd', 'From accident/emergency department'), dischargeDisposition: hl7(SYSTEM.dischargeDisposition, 'home', 'Home') } }
      : {}),
    serviceProvider: referenceTo(spec.organization, spec.organization.name),
  };
}

export function visitResources(ctx: PersonContext, spec: VisitSpec): Resource[] {
  const days = spec.stayDays ?? 0;
  const end = days > 0 ? spec.time + days * DAY - 3 * HOUR : spec.time + spec.minutes * MINUTE;
  const encounter = encounterResource(ctx, spec, end);
  const encounterRef = referenceTo(encounter);
  const out: Resource[] = [encounter];
  const vitals: string[] = [];
  const results: string[] = [];

  const measure = (time: number, set: VitalsSet | 'none', panels: readonly LabPanelKey[], label: string): void => {
    if (set !== 'none') {
      const taken = vitalSignResources(ctx, time, encounterRef, set);
      out.push(...taken.resources);
      vitals.push(`${label}${taken.summary}`);
    }
    for (const panel of panels) {
      const lab = labPanelResources(ctx, panel, time + 20 * MINUTE, spec.practitioner, encounterRef);
      out.push(...lab.resources);
      results.push(...lab.summary.map((line) => `${label}${line}`));
    }
  };
  if (days > 0) {
    for (let day = 0; day < days; day++) {
      const morning = spec.time + day * DAY + (day === 0 ? 30 * MINUTE : 2 * HOUR);
      measure(morning, 'acute', spec.panels, `Day ${day + 1}: `);
      measure(morning + 10 * HOUR, 'acute', [], `Day ${day + 1} evening: `);
    }
  } else {
    measure(spec.time + 5 * MINUTE, spec.vitals, spec.panels, '');
  }

  const assessment: string[] = [];
  for (const diagnosis of spec.diagnoses) {
    const condition = conditionResource(ctx, diagnosis, spec.time + 15 * MINUTE, spec.practitioner, encounterRef);
    out.push(condition);
    ctx.conditionRefs.set(diagnosis.key, referenceTo(condition, CONDITIONS[diagnosis.key].text));
    assessment.push(`${CONDITIONS[diagnosis.key].snomed.display} (${CONDITIONS[diagnosis.key].icd10.code})`);
  }
  for (const key of spec.reasonConditions) {
    if (ctx.conditionRefs.has(key)) assessment.push(`${CONDITIONS[key].snomed.display}, follow-up`);
  }
  for (const allergy of spec.allergies) {
    out.push(allergyResource(ctx, allergy, spec.time + 10 * MINUTE, spec.practitioner, encounterRef));
    assessment.push(`${allergy.allergen.text} ${allergy.type} (${allergy.reaction}), recorded`);
  }
  const prescriptions: string[] = [];
  for (const { course, window } of spec.prescriptions) {
    out.push(medicationRequestResource(ctx, course, window, spec.practitioner, encounterRef));
    prescriptions.push(`${MEDICATIONS[course.medication].text}: ${MEDICATIONS[course.medication].sig}`);
  }
  const procedures: string[] = [];
  const firstReason = spec.diagnoses[0]?.key ?? spec.reasonConditions[0];
  for (const key of spec.procedures) {
    const reason = firstReason ? ctx.conditionRefs.get(firstReason) : undefined;
    out.push(procedureResource(ctx, key, spec.time + 25 * MINUTE, key === 'colonoscopy' ? 40 : 15, spec.practitioner, encounterRef, reason));
    procedures.push(PROCEDURES[key].text);
  }
  const immunizations: string[] = [];
  for (const key of spec.vaccines) {
    out.push(immunizationResource(ctx, key, spec.time + 30 * MINUTE, spec.practitioner, encounterRef));
    immunizations.push(VACCINES[key].text);
  }
  if (spec.note !== 'none') {
    out.push(...noteResources(ctx, {
      type: spec.note,
      visitTitle: ENCOUNTER_TYPES[spec.type].text,
      start: spec.time,
      end,
      author: spec.practitioner,
      custodian: spec.organization,
      encounter: encounterRef,
      reason: spec.reason,
      vitals,
      results,
      assessment,
      prescriptions,
      procedures,
      immunizations,
      plan: spec.plan,
      asBinary: spec.noteAsBinary,
    }));
  }
  return out;
}

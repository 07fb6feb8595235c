import type { Encounter, Observation, Reference } from '@medplum/fhirtypes';
import { SYSTEM } from './catalog.ts';
import type { PersonContext } from './context.ts';
import { clamp, hl7, round, ucum } from './fhir-shapes.ts';
import { illnessAt } from './lab-values.ts';
import { ageInYears, formatDateTime } from './time.ts';

/**
 * Vital signs as US Core shapes them: category vital-signs, LOINC codes, UCUM units, blood pressure
 * as one 85354-9 panel with systolic and diastolic components. `full` is a check-up (with height,
 * head circumference for infants), `basic` a quick follow-up, `acute` adds temperature, respiratory
 * rate and pulse oximetry for sick and hospital visits.
 */

export type VitalsSet = 'full' | 'basic' | 'acute';

interface Vital {
  code: string;
  display: string;
  text: string;
  unit: string;
  ucum: string;
}

const VITALS = {
  weight: { code: '29463-7', display: 'Body weight', text: 'Body weight', unit: 'kg', ucum: 'kg' },
  height: { code: '8302-2', display: 'Body height', text: 'Body height', unit: 'cm', ucum: 'cm' },
  bmi: { code: '39156-5', display: 'Body mass index (BMI) [Ratio]', text: 'BMI', unit: 'kg/m2', ucum: 'kg/m2' },
  heartRate: { code: '8867-4', display: 'Heart rate', text: 'Heart rate', unit: '/min', ucum: '/min' },
  respiratoryRate: { code: '9279-1', display: 'Respiratory rate', text: 'Respiratory rate', unit: '/min', ucum: '/min' },
  temperature: { code: '8310-5', display: 'Body temperature', text: 'Body temperature', unit: 'Cel', ucum: 'Cel' },
  headCircumference: { code: '9843-4', display: 'Head Occipital-frontal circumference', text: 'Head circumference', unit: 'cm', ucum: 'cm' },
} as const satisfies Record<string, Vital>;

export interface VitalsOutput {
  resources: Observation[];
  /** "BP 128/80 mmHg, HR 72/min, ..." for the clinical note. */
  summary: string;
}

export function vitalSignResources(ctx: PersonContext, time: number, encounter: Reference<Encounter>, set: VitalsSet): VitalsOutput {
  const random = ctx.random;
  const body = ctx.story.physiology;
  const age = ageInYears(ctx.birth, time);
  const ill = illnessAt(body, time);
  const effective = formatDateTime(time);
  const resources: Observation[] = [];
  const summary: string[] = [];

  const base = (code: { code: string; display: string; text: string }): Observation => ({
    resourceType: 'Observation',
    id: random.uuid(),
    status: 'final',
    category: [hl7(SYSTEM.observationCategory, 'vital-signs', 'Vital Signs')],
    code: { coding: [{ system: SYSTEM.loinc, code: code.code, display: code.display }], text: code.text },
    subject: ctx.patient,
    encounter,
    effectiveDateTime: effective,
  });
  const add = (vital: Vital, value: number, label: string): void => {
    resources.push({ ...base(vital), valueQuantity: ucum(value, vital.unit, vital.ucum) });
    summary.push(`${label} ${value} ${vital.unit === 'Cel' ? '°C' : vital.unit}`);
  };

  if (age >= 3) {
    const systolic = Math.round(random.normal(body.systolic(time) + ill * 8, 5));
    const diastolic = Math.round(random.normal(body.diastolic(time) + ill * 4, 3.5));
    resources.push({
      ...base({ code: '85354-9', display: 'Blood pressure panel with all children optional', text: 'Blood pressure' }),
      component: [
        { code: { coding: [{ system: SYSTEM.loinc, code: '8480-6', display: 'Systolic blood pressure' }], text: 'Systolic blood pressure' }, valueQuantity: ucum(systolic, 'mm[Hg]') },
        { code: { coding: [{ system: SYSTEM.loinc, code: '8462-4', display: 'Diastolic blood pressure' }], text: 'Diastolic blood pressure' }, valueQuantity: ucum(diastolic, 'mm[Hg]') },
      ],
    });
    summary.push(`BP ${systolic}/${diastolic} mmHg`);
  }
  add(VITALS.heartRate, Math.round(random.normal(body.heartRate(time) + ill * 22, 4)), 'HR');
  if (set === 'acute' || ill > 0) {
    add(VITALS.respiratoryRate, Math.round(random.normal(body.respiratoryRate(time) + ill * 7, 1.2)), 'RR');
    add(VITALS.temperature, round(random.normal(36.8 + ill * 1.8, 0.15), 1), 'Temp');
    const saturation = clamp(Math.round(random.normal(98 - ill * 6, 0.8)), 80, 100);
    resources.push({
      ...base({ code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', text: 'Oxygen saturation (pulse oximetry)' }),
      code: {
        coding: [
          { system: SYSTEM.loinc, code: '2708-6', display: 'Oxygen saturation in Arterial blood' },
          { system: SYSTEM.loinc, code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry' },
        ],
        text: 'Oxygen saturation (pulse oximetry)',
      },
      valueQuantity: ucum(saturation, '%'),
    });
    summary.push(`SpO2 ${saturation} %`);
  }
  const weight = round(body.weight(time) * (1 + random.normal(0, age < 2 ? 0.02 : 0.007)), age < 2 ? 2 : 1);
  add(VITALS.weight, weight, 'Weight');
  // Height is measured at check-ups and at every visit for growing children.
  if (set === 'full' || age < 18) {
    const height = round(random.normal(body.height(time), age < 2 ? 0.4 : 0.3), 1);
    add(VITALS.height, height, 'Height');
    if (age >= 2) add(VITALS.bmi, round(weight / (height / 100) ** 2, 1), 'BMI');
    if (age < 3 && set === 'full') add(VITALS.headCircumference, round(random.normal(body.headCircumference(time), 0.25), 1), 'Head circumference');
  }
  return { resources, summary: summary.join(', ') };
}

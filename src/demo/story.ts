import type { AllergenConcept, ConditionKey, MedicationKey, ProcedureKey, REACTIONS, VaccineKey } from './catalog.ts';
import type { DemoPersonPlan } from './family.ts';
import type { Curve } from './fhir-shapes.ts';
import type { LabPanelKey } from './lab-catalog.ts';
import type { Random } from './random.ts';
import { DAY, REFERENCE_TIME, ageInYears, clinicTime, dateOf, yearOf } from './time.ts';

/**
 * A person's clinical story: what happens to them and when, decided up front from the seed, before
 * any FHIR resource exists. The timeline (person-records.ts) turns it into resources in date order.
 * Keeping the story separate means the same illnesses and treatments appear whatever the size of the
 * requested record; a bigger target only adds routine visits and years.
 */

export type Profile = 'cardiometabolic' | 'thyroid' | 'child' | 'elder';

export type Setting = 'problem' | 'followUp' | 'symptom' | 'urgentCare' | 'emergency' | 'inpatient' | 'telehealth';

export interface StoryCondition {
  key: ConditionKey;
  onset: number;
  /** Set when the condition resolved; clinicalStatus is then 'resolved' (R4 invariant con-4). */
  abatement?: number;
}

export interface MedicationCourse {
  id: string;
  medication: MedicationKey;
  start: number;
  /** chronic: renewed yearly until `end` (stopped) or still active; short: one prescription of `days`; seasonal: every spring. */
  kind: 'chronic' | 'short' | 'seasonal';
  end?: number;
  days?: number;
  reason?: ConditionKey;
}

export interface StoryAllergy {
  allergen: AllergenConcept;
  reaction: keyof typeof REACTIONS;
  onset: number;
  criticality: 'low' | 'high';
  type: 'allergy' | 'intolerance';
  severity: 'mild' | 'moderate' | 'severe';
}

/** A visit the story needs: a diagnosis, an injury, a hospital stay. */
export interface Episode {
  time: number;
  setting: Setting;
  reason: string;
  diagnoses?: ConditionKey[];
  /** Ids of medication courses whose first prescription is written at this visit. */
  starts?: string[];
  procedures?: ProcedureKey[];
  panels?: LabPanelKey[];
  stayDays?: number;
  plan: string;
}

export interface ScheduledVaccine {
  time: number;
  vaccine: VaccineKey;
}

/** Physiological trajectories the labs and vital signs are sampled from (plus per-draw noise). */
export interface Physiology {
  hba1c: Curve;
  ldl: Curve;
  hdl: Curve;
  triglycerides: Curve;
  creatinine: Curve;
  tsh: Curve;
  hemoglobin: Curve;
  systolic: Curve;
  diastolic: Curve;
  weight: Curve;
  height: Curve;
  headCircumference: Curve;
  heartRate: Curve;
  respiratoryRate: Curve;
  wbc: number;
  platelets: number;
  potassium: number;
  /** Acute illnesses raise WBC, temperature and heart rate while they last. */
  illnesses: Array<{ start: number; end: number; severity: number }>;
}

export interface PersonStory {
  profile: Profile;
  conditions: StoryCondition[];
  courses: MedicationCourse[];
  /** Recorded when records begin (onset earlier) or at the first visit on or after onset. */
  allergies: StoryAllergy[];
  episodes: Episode[];
  vaccines: ScheduledVaccine[];
  physiology: Physiology;
  /** Years of history at the default size, and the most a large target may stretch to. */
  defaultYears: number;
  maxYears: number;
  defaultTarget: number;
}

export interface StoryInput {
  plan: DemoPersonPlan;
  birth: number;
  random: Random;
}

/** Which story a person gets: by family role when it is one of ours, by age otherwise. */
export function profileFor(plan: DemoPersonPlan, birth: number, seedBit: boolean): Profile {
  const age = ageInYears(birth, REFERENCE_TIME);
  if (age < 18) return 'child';
  if (age >= 65) return 'elder';
  if (plan.key === 'parent-1') return 'cardiometabolic';
  if (plan.key === 'parent-2') return 'thyroid';
  return seedBit ? 'cardiometabolic' : 'thyroid';
}

/** A time `yearsAgo` before the reference date, on a clinic day at a clinic hour. */
export function yearsAgo(random: Random, years: number): number {
  return clinicTime(REFERENCE_TIME - years * 365.25 * DAY, random.int(0, 35));
}

export function at(random: Random, time: number): number {
  return clinicTime(time, random.int(0, 35));
}

/** Annual influenza vaccination each autumn from six months of age, with the odd missed year. */
export function fluShots(random: Random, birth: number, from: number, skipChance: number): ScheduledVaccine[] {
  const shots: ScheduledVaccine[] = [];
  for (let year = yearOf(from); year <= yearOf(REFERENCE_TIME) - 1; year++) {
    const time = at(random, dateOf(year, 9, 15) + random.int(0, 55) * DAY);
    if (time < from || ageInYears(birth, time) < 0.5 || random.chance(skipChance)) continue;
    const vaccine = ageInYears(birth, time) >= 65 ? 'influenzaHighDose' : year >= 2013 && year < 2024 ? 'influenzaQuadrivalent' : 'influenzaTrivalent';
    shots.push({ time, vaccine });
  }
  return shots;
}

/** COVID-19 vaccination as it rolled out in the US: primary series 2021, bivalent 2022, updated 2023+. */
export function covidShots(random: Random, birth: number): ScheduledVaccine[] {
  const ageAtRollout = ageInYears(birth, dateOf(2021, 11, 15));
  const day = (year: number, month: number, date: number) => at(random, dateOf(year, month, date) + random.int(0, 20) * DAY);
  if (ageAtRollout < 5) return [];
  if (ageAtRollout < 12) {
    const first = day(2021, 11, 10);
    return [
      { time: first, vaccine: 'covidPfizerChild' },
      { time: at(random, first + 21 * DAY), vaccine: 'covidPfizerChild' },
      { time: day(2022, 12, 1), vaccine: 'covidBivalentChild' },
      { time: day(2023, 10, 5), vaccine: 'covidUpdatedChild' },
    ];
  }
  const first = ageAtRollout >= 65 ? day(2021, 1, 20) : day(2021, 4, 5);
  const shots: ScheduledVaccine[] = [
    { time: first, vaccine: 'covidPfizer' },
    { time: at(random, first + 21 * DAY), vaccine: 'covidPfizer' },
    { time: day(2021, 11, 1), vaccine: 'covidPfizer' },
    { time: day(2022, 10, 1), vaccine: 'covidBivalent' },
    { time: day(2023, 10, 1), vaccine: 'covidUpdated' },
  ];
  if (ageAtRollout >= 65 || random.chance(0.5)) shots.push({ time: day(2024, 10, 1), vaccine: 'covidUpdated' });
  if (ageAtRollout >= 65) shots.push({ time: day(2025, 10, 1), vaccine: 'covidUpdated' });
  return shots;
}

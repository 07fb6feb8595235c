import { ALLERGENS, type VaccineKey } from './catalog.ts';
import { constant, curve, type Curve } from './fhir-shapes.ts';
import { at, covidShots, fluShots, type PersonStory, type StoryInput } from './story.ts';
import { DAY, REFERENCE_TIME, YEAR, addMonths, addYears } from './time.ts';

/**
 * The child: records from birth, well-child visits on the AAP/Bright Futures periodicity with the
 * CDC immunization schedule, a peanut allergy with an epinephrine auto-injector renewed every year,
 * an ear infection treated with amoxicillin, a viral sore throat, and a broken forearm seen in the
 * emergency department.
 */

/** Well-child visit ages in months (Bright Futures), newborn visit excluded. */
export const WELL_CHILD_MONTHS = [1, 2, 4, 6, 9, 12, 15, 18, 24, 30, 36, 48, 60, 72, 84, 96, 108, 120, 132, 144, 156, 168] as const;

/** Vaccines due at each visit age, after the CDC childhood schedule (as Synthea encodes it). */
const VACCINES_AT_MONTH: Readonly<Record<number, readonly VaccineKey[]>> = {
  0: ['hepB'],
  1: ['hepB'],
  2: ['rotavirus', 'dtap', 'hib', 'pcv13', 'ipv'],
  4: ['rotavirus', 'dtap', 'hib', 'pcv13', 'ipv'],
  6: ['hepB', 'dtap', 'pcv13', 'ipv'],
  12: ['hib', 'pcv13', 'mmr', 'varicella', 'hepA'],
  15: ['dtap'],
  24: ['hepA'],
  48: ['dtap', 'ipv', 'mmr', 'varicella'],
  132: ['tdap', 'meningococcal'],
};

export function vaccinesDueAt(months: number): readonly VaccineKey[] {
  return VACCINES_AT_MONTH[months] ?? [];
}

/** CDC growth-chart medians (sexes averaged) by age in months, scaled by the child's own percentile. */
function growthCurve(birth: number, points: ReadonlyArray<readonly [number, number]>, scale: number): Curve {
  return curve(points.map(([months, value]) => [addMonths(birth, months), value * scale] as const));
}

export function childStory(input: StoryInput): PersonStory {
  const { random, birth } = input;
  const size = random.between(0.94, 1.07);
  const peanut = at(random, addMonths(birth, random.between(14, 20)));
  const otitis = at(random, addYears(birth, random.between(5.1, 5.9)));
  const pharyngitis = at(random, addYears(birth, random.between(6.6, 7.4)));
  const fracture = at(random, addYears(birth, random.between(7.9, 8.7)));
  const ageNow = (REFERENCE_TIME - birth) / YEAR;
  return {
    profile: 'child',
    conditions: [
      { key: 'otitisMedia', onset: otitis - 2 * DAY, abatement: otitis + 10 * DAY },
      { key: 'viralPharyngitis', onset: pharyngitis - DAY, abatement: pharyngitis + 6 * DAY },
      { key: 'forearmFracture', onset: fracture, abatement: fracture + 45 * DAY },
    ],
    courses: [
      { id: 'epinephrine', medication: 'epinephrineAutoInjector', kind: 'chronic', start: peanut },
      { id: 'amoxicillin', medication: 'amoxicillin250', kind: 'short', start: otitis, days: 10, reason: 'otitisMedia' },
      { id: 'acetaminophen', medication: 'acetaminophen160Chewable', kind: 'short', start: pharyngitis, days: 5, reason: 'viralPharyngitis' },
      { id: 'ibuprofen', medication: 'ibuprofen100', kind: 'short', start: fracture, days: 7, reason: 'forearmFracture' },
    ],
    allergies: [
      { allergen: ALLERGENS.peanut, reaction: 'anaphylaxis', onset: peanut - DAY, criticality: 'high', type: 'allergy', severity: 'severe' },
    ],
    episodes: [
      { time: peanut, setting: 'problem', reason: 'Hives, lip swelling and vomiting after first taste of peanut butter',
        starts: ['epinephrine'],
        plan: 'Probable peanut allergy with anaphylaxis. Strict peanut avoidance, epinephrine auto-injector (two devices), allergy action plan for daycare; allergist referral.' },
      { time: otitis, setting: 'symptom', reason: 'Right ear pain and fever for 2 days', diagnoses: ['otitisMedia'], starts: ['amoxicillin'],
        plan: 'Acute otitis media, right ear bulging. Amoxicillin for 10 days; return if not improving in 48-72 hours.' },
      { time: pharyngitis, setting: 'symptom', reason: 'Sore throat, runny nose and low fever', diagnoses: ['viralPharyngitis'], starts: ['acetaminophen'],
        plan: 'Rapid strep negative; viral pharyngitis. Fluids, rest, acetaminophen for discomfort.' },
      { time: fracture, setting: 'emergency', reason: 'Fell from playground climbing frame, left forearm pain and swelling', diagnoses: ['forearmFracture'], starts: ['ibuprofen'],
        procedures: ['boneImmobilization'],
        plan: 'X-ray: nondisplaced distal radius fracture. Long-arm cast applied; ibuprofen for pain; orthopedic follow-up in 1 week.' },
    ],
    vaccines: [...fluShots(random, birth, birth, 0.1), ...covidShots(random, birth)],
    physiology: {
      hba1c: constant(random.between(4.9, 5.3)),
      ldl: constant(random.between(80, 100)),
      hdl: constant(random.between(48, 60)),
      triglycerides: constant(random.between(55, 85)),
      creatinine: curve([[birth, 0.3], [addYears(birth, 10), 0.55]]),
      tsh: constant(random.between(1.5, 2.8)),
      hemoglobin: curve([[birth, 16.5], [addMonths(birth, 2), 11.2], [addMonths(birth, 12), 12.0], [addYears(birth, 10), 13.2]]),
      systolic: curve([[birth, 75], [addYears(birth, 3), 95], [addYears(birth, 10), 106]]),
      diastolic: curve([[birth, 45], [addYears(birth, 3), 56], [addYears(birth, 10), 64]]),
      weight: growthCurve(birth, [[0, 3.4], [1, 4.4], [2, 5.4], [4, 6.8], [6, 7.7], [9, 8.7], [12, 9.5], [18, 10.9], [24, 12.1], [36, 14.1], [48, 16.2], [60, 18.3], [84, 22.9], [108, 28.5], [132, 35.5], [168, 50]], size),
      height: growthCurve(birth, [[0, 49.9], [1, 54.2], [2, 57.8], [4, 63.2], [6, 66.7], [9, 70.8], [12, 74.5], [18, 81.4], [24, 87.1], [36, 95.6], [48, 102.7], [60, 109.6], [84, 121.8], [108, 133.1], [132, 143.8], [168, 161]], Math.sqrt(size)),
      headCircumference: growthCurve(birth, [[0, 34.5], [2, 39.5], [6, 43.3], [12, 46.0], [24, 48.3], [36, 49.5]], Math.cbrt(size)),
      heartRate: curve([[birth, 140], [addYears(birth, 1), 120], [addYears(birth, 3), 105], [addYears(birth, 10), 85]]),
      respiratoryRate: curve([[birth, 42], [addYears(birth, 1), 30], [addYears(birth, 5), 22], [addYears(birth, 10), 19]]),
      wbc: random.between(6.5, 9),
      platelets: random.between(230, 330),
      potassium: random.between(4.0, 4.5),
      illnesses: [
        { start: otitis - 2 * DAY, end: otitis + 3 * DAY, severity: 0.5 },
        { start: pharyngitis - DAY, end: pharyngitis + 3 * DAY, severity: 0.3 },
      ],
    },
    // A child's whole life is the history; a bigger target can only make it denser.
    defaultYears: ageNow,
    maxYears: ageNow,
    defaultTarget: random.int(500, 580),
  };
}

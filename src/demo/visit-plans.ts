import type { Practitioner } from '@medplum/fhirtypes';
import { ACUTE_CONDITIONS, type ConditionKey } from './catalog.ts';
import { vaccinesDueAt } from './child-story.ts';
import type { PrescriptionWindow } from './clinical.ts';
import type { PersonContext } from './context.ts';
import type { LabPanelKey } from './lab-catalog.ts';
import type { Episode, MedicationCourse, StoryAllergy, StoryCondition } from './story.ts';
import { ageInYears, yearOf } from './time.ts';
import type { VisitSpec } from './visits.ts';

/**
 * Turns timeline events into visit specifications: which clinician, which measurements and panels,
 * which diagnoses and prescriptions, and what the note's plan says. Conditions and allergies that
 * began before the record opened are recorded at the first visit; later ones without a diagnosing
 * episode are picked up by the next visit after they start.
 */

export interface TimelineState {
  ctx: PersonContext;
  historyStart: number;
  /** 0..1: how far routine visits are stretched towards full panels to reach a large target. */
  labIntensity: number;
  firstWindows: Map<string, PrescriptionWindow>;
  /** Conditions that began before the record opened and no later visit diagnoses. */
  openingConditions: StoryCondition[];
  pendingConditions: StoryCondition[];
  pendingAllergies: StoryAllergy[];
}

const FOLLOW_UP_PLAN: Partial<Record<ConditionKey, string>> = {
  hypertension: 'Blood pressure reviewed; continue current regimen and home monitoring.',
  hyperlipidemia: 'Continue statin; lipids reviewed.',
  prediabetes: 'Prediabetes: reinforced diet and activity goals.',
  diabetesType2: 'Diabetes: continue metformin, glucose log reviewed, monofilament foot exam normal, yearly eye exam reminded.',
  hypothyroidism: 'Continue levothyroxine 75 mcg; TSH reviewed.',
  allergicRhinitis: 'Seasonal allergies: cetirizine each spring as needed.',
  chronicKidneyDisease3: 'CKD stage 3: avoid NSAIDs, medication doses checked for kidney function, BMP every 6 months.',
  kneeOsteoarthritis: 'Knee osteoarthritis: acetaminophen as needed, home exercise program.',
};

const CHILD_COMPLAINTS = [
  ['Cough and runny nose for 4 days', 'Viral upper respiratory infection. Fluids, honey for cough (over age 1), return if breathing fast.'],
  ['Fever since yesterday', 'Likely viral illness, well-appearing and hydrated. Antipyretics as needed; return if fever lasts over 3 days.'],
  ['Itchy rash on arms', 'Contact dermatitis. Gentle skin care and hydrocortisone 1% cream for a week.'],
  ['Stomach ache and loose stools', 'Viral gastroenteritis. Oral rehydration, bland diet; return if blood in stool or not drinking.'],
  ['Red, sticky eye', 'Conjunctivitis, likely viral. Warm compresses and hand hygiene.'],
  ['Wheezy cough with a cold', 'Mild viral-induced wheeze, good air entry. Supportive care, recheck if worse.'],
] as const;

function practitionerFor(ctx: PersonContext): Practitioner {
  return ctx.story.profile === 'child' ? ctx.team.pediatrician : ctx.team.familyPhysician;
}

/** Chronic conditions already on the problem list and not resolved by `time`. */
function activeConditions(ctx: PersonContext, time: number): ConditionKey[] {
  return ctx.story.conditions
    .filter((condition) => !ACUTE_CONDITIONS.has(condition.key) && ctx.conditionRefs.has(condition.key))
    .filter((condition) => condition.onset <= time && (condition.abatement === undefined || condition.abatement > time))
    .map((condition) => condition.key);
}

function takePending(state: TimelineState, time: number): { diagnoses: StoryCondition[]; allergies: StoryAllergy[] } {
  const diagnoses = state.pendingConditions.filter((condition) => condition.onset <= time);
  const allergies = state.pendingAllergies.filter((allergy) => allergy.onset <= time);
  state.pendingConditions = state.pendingConditions.filter((condition) => condition.onset > time);
  state.pendingAllergies = state.pendingAllergies.filter((allergy) => allergy.onset > time);
  return { diagnoses, allergies };
}

function blank(state: TimelineState, time: number): VisitSpec {
  const ctx = state.ctx;
  const pending = takePending(state, time);
  return {
    time,
    type: 'followUp',
    classCode: 'AMB',
    practitioner: practitionerFor(ctx),
    organization: ctx.team.clinic,
    minutes: 20,
    reason: 'Follow-up',
    reasonConditions: activeConditions(ctx, time),
    vitals: 'basic',
    panels: [],
    diagnoses: pending.diagnoses,
    allergies: pending.allergies,
    prescriptions: [],
    procedures: [],
    vaccines: [],
    plan: '',
    note: 'progressNote',
    noteAsBinary: false,
  };
}

function planFor(conditions: readonly ConditionKey[], closing: string): string {
  return [...conditions.map((key) => FOLLOW_UP_PLAN[key]).filter((line) => line !== undefined), closing].join(' ');
}

/** The visit that opens the record: history taken, problem list, allergies and current medicines. */
export function establishSpec(state: TimelineState): VisitSpec {
  const { ctx, historyStart } = state;
  const story = ctx.story;
  const spec = blank(state, historyStart);
  spec.diagnoses = [...state.openingConditions, ...spec.diagnoses];
  spec.allergies = [...story.allergies.filter((allergy) => allergy.onset < historyStart), ...spec.allergies];
  spec.prescriptions = story.courses
    .filter((course) => course.start < historyStart && state.firstWindows.has(course.id))
    .map((course) => ({ course, window: state.firstWindows.get(course.id)! }));
  spec.reasonConditions = [];
  if (story.profile === 'child') {
    return { ...spec, type: 'wellChild', minutes: 40, reason: 'Newborn visit', vitals: 'full', vaccines: [...vaccinesDueAt(0)],
      plan: 'Healthy newborn. Feeding on demand, safe sleep on back, car seat reviewed; hepatitis B vaccine given. Return at 1 month.' };
  }
  const panels: LabPanelKey[] = ['cbc', 'bmp', 'lipid'];
  if (spec.diagnoses.some((condition) => condition.key === 'hypothyroidism')) panels.push('tsh');
  if (spec.diagnoses.some((condition) => condition.key === 'diabetesType2' || condition.key === 'prediabetes')) panels.push('hba1c');
  return { ...spec, type: 'checkUp', minutes: 45, reason: 'New patient visit to establish care', vitals: 'full', panels,
    procedures: spec.prescriptions.length > 0 ? ['medicationReconciliation'] : [],
    plan: planFor(spec.diagnoses.filter((condition) => condition.abatement === undefined).map((condition) => condition.key), 'Records requested from previous clinic. Return for annual check-up.') };
}

const SETTINGS = {
  problem: { type: 'problem', classCode: 'AMB', minutes: 30, vitals: 'basic', note: 'progressNote' },
  followUp: { type: 'followUp', classCode: 'AMB', minutes: 20, vitals: 'basic', note: 'progressNote' },
  symptom: { type: 'symptom', classCode: 'AMB', minutes: 20, vitals: 'acute', note: 'progressNote' },
  urgentCare: { type: 'urgentCare', classCode: 'AMB', minutes: 50, vitals: 'acute', note: 'progressNote' },
  emergency: { type: 'emergency', classCode: 'EMER', minutes: 230, vitals: 'acute', note: 'emergencyNote' },
  inpatient: { type: 'inpatient', classCode: 'IMP', minutes: 0, vitals: 'acute', note: 'dischargeSummary' },
  telehealth: { type: 'telehealth', classCode: 'VR', minutes: 15, vitals: 'none', note: 'progressNote' },
} as const satisfies Record<Episode['setting'], Pick<VisitSpec, 'type' | 'classCode' | 'minutes' | 'vitals' | 'note'>>;

export function episodeSpec(state: TimelineState, episode: Episode): VisitSpec {
  const { ctx } = state;
  const setting = SETTINGS[episode.setting];
  const spec = blank(state, episode.time);
  const team = ctx.team;
  const starts: MedicationCourse[] = (episode.starts ?? []).map((id) => ctx.courses.get(id)).filter((course): course is MedicationCourse => course !== undefined);
  const diagnosed = new Set(episode.diagnoses ?? []);
  const practitioner = episode.setting === 'urgentCare' ? team.nursePractitioner
    : episode.setting === 'emergency' ? team.emergencyPhysician
    : episode.setting === 'inpatient' ? team.hospitalist
    : spec.practitioner;
  const organization = episode.setting === 'urgentCare' ? team.urgentCare
    : episode.setting === 'emergency' || episode.setting === 'inpatient' ? team.hospital
    : team.clinic;
  return {
    ...spec,
    ...setting,
    practitioner,
    organization,
    ...(episode.stayDays ? { stayDays: episode.stayDays } : {}),
    reason: episode.reason,
    reasonConditions: [...new Set(starts.map((course) => course.reason).filter((key): key is ConditionKey => key !== undefined && !diagnosed.has(key)))],
    panels: [...(episode.panels ?? [])],
    diagnoses: [...ctx.story.conditions.filter((condition) => diagnosed.has(condition.key)), ...spec.diagnoses.filter((condition) => !diagnosed.has(condition.key))],
    prescriptions: starts
      .filter((course) => state.firstWindows.has(course.id))
      .map((course) => ({ course, window: { ...state.firstWindows.get(course.id)!, ...(episode.setting === 'inpatient' && course.kind === 'short' && course.start === episode.time ? { inpatient: true } : {}) } })),
    procedures: [...(episode.procedures ?? [])],
    plan: episode.plan,
    noteAsBinary: episode.setting === 'emergency' || episode.setting === 'inpatient',
  };
}

export function checkUpSpec(state: TimelineState, time: number): VisitSpec {
  const { ctx } = state;
  const spec = blank(state, time);
  const age = ageInYears(ctx.birth, time);
  const active = spec.reasonConditions;
  const panels: LabPanelKey[] = ['cbc', 'bmp', 'lipid'];
  if (active.includes('diabetesType2') || active.includes('prediabetes') || (age >= 45 && yearOf(time) % 3 === 0)) panels.push('hba1c');
  if (active.includes('hypothyroidism') || (ctx.story.profile === 'elder' && yearOf(time) % 2 === 0)) panels.push('tsh');
  const onMedicines = ctx.story.courses.some((course) => course.kind === 'chronic' && course.start <= time && (course.end === undefined || course.end > time));
  const procedures: VisitSpec['procedures'] = onMedicines ? ['medicationReconciliation'] : [];
  if (ctx.sex === 'female' && age >= 40 && age < 75 && yearOf(time) % 2 === 0) procedures.push('mammography');
  return { ...spec, type: 'checkUp', minutes: 40, reason: 'Annual wellness visit', vitals: 'full', panels, procedures,
    plan: planFor(active, 'Age-appropriate screening reviewed; healthy diet, activity and sleep discussed. Return in 12 months.') };
}

export function wellChildSpec(state: TimelineState, time: number, months: number): VisitSpec {
  const spec = blank(state, time);
  const panels: LabPanelKey[] = months === 12 ? ['cbc'] : months === 120 ? ['lipid'] : [];
  const guidance = months < 12 ? 'Feeding, sleep and development reviewed; vaccines given per schedule.'
    : months < 60 ? 'Growth and development on track; language, nutrition, safety and screen time discussed.'
    : 'Growing well; school, activity, nutrition, dental care and safety discussed.';
  return { ...spec, type: 'wellChild', minutes: 30, reason: `Well-child visit, ${months < 36 ? `${months} months` : `${Math.round(months / 12)} years`}`,
    vitals: 'full', panels, vaccines: [...vaccinesDueAt(months)], reasonConditions: [], plan: `${guidance} Next well-child visit as scheduled.` };
}

/** A paced visit between the fixed ones; heavier on labs as `labIntensity` grows. */
export function routineSpec(state: TimelineState, time: number): VisitSpec {
  const { ctx, labIntensity } = state;
  const random = ctx.random;
  const spec = blank(state, time);
  const active = spec.reasonConditions;
  const panels = new Set<LabPanelKey>();
  const profile = ctx.story.profile;
  if (active.includes('diabetesType2') || (active.includes('prediabetes') && random.chance(0.5))) panels.add('hba1c');
  if (active.includes('hypothyroidism') && random.chance(0.8)) panels.add('tsh');
  if ((active.includes('hypertension') || active.includes('chronicKidneyDisease3')) && random.chance(profile === 'elder' ? 0.8 : 0.4)) panels.add('bmp');
  if (active.includes('hyperlipidemia') && random.chance(0.25)) panels.add('lipid');
  for (const panel of ['cbc', 'bmp', 'lipid'] as const) if (random.chance(labIntensity)) panels.add(panel);
  if (profile === 'cardiometabolic' && random.chance(labIntensity)) panels.add('hba1c');
  if (profile === 'child') {
    const [complaint, plan] = random.pick(CHILD_COMPLAINTS);
    return { ...spec, type: 'symptom', vitals: 'acute', reason: complaint, reasonConditions: [], panels: [...panels], plan };
  }
  if (random.chance(0.1)) {
    return { ...spec, type: 'telehealth', classCode: 'VR', minutes: 15, vitals: 'none', reason: 'Medication and results review (video)',
      panels: [], plan: planFor(active, 'No changes today.') };
  }
  return { ...spec, reason: active.length > 0 ? 'Chronic condition follow-up' : 'Follow-up visit', panels: [...panels],
    plan: planFor(active, 'Return in 3-6 months or sooner if needed.') };
}

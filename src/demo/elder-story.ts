import { ALLERGENS } from './catalog.ts';
import { constant, curve } from './fhir-shapes.ts';
import { creatinineForEgfr } from './lab-values.ts';
import { at, covidShots, fluShots, yearsAgo, type PersonStory, type StoryInput } from './story.ts';
import { DAY, HOUR, MONTH, REFERENCE_TIME, YEAR, addYears, dateOf } from './time.ts';

/**
 * The grandparent: long-standing hypertension and hyperlipidemia, a thiazide added and later stopped
 * when kidney function fell into chronic kidney disease stage 3 (creatinine creeping up, eGFR
 * crossing 60 at diagnosis), knee osteoarthritis, a codeine intolerance, and pneumonia that went
 * from the emergency department to a four-day hospital stay.
 */
export function elderStory(input: StoryInput): PersonStory {
  const { random, birth, plan } = input;
  const sex = plan.gender;
  const male = sex === 'male';
  const ageNow = (REFERENCE_TIME - birth) / YEAR;
  const hypertension = at(random, addYears(birth, random.between(57, 59)));
  const lipids = at(random, addYears(birth, random.between(60.5, 62)));
  const thiazide = at(random, addYears(birth, random.between(65.5, 66.5)));
  const osteoarthritis = at(random, addYears(birth, random.between(67, 68.5)));
  const kidney = yearsAgo(random, random.between(3.2, 4));
  const emergency = yearsAgo(random, random.between(1.5, 2.4)) + 10 * HOUR;
  const admission = emergency + 4 * HOUR;
  const discharge = admission + 4 * DAY;

  // Creatinine rises slowly so that eGFR (MDRD) crosses 60 just as CKD stage 3 is diagnosed.
  const kidneyAge = (kidney - birth) / YEAR;
  const creatinineAtDiagnosis = creatinineForEgfr(58, kidneyAge, sex);
  const creatinineFloor = male ? 0.95 : 0.78;
  const slopePerYear = 0.045;
  const yearsToFloor = Math.max(0.5, (creatinineAtDiagnosis - creatinineFloor) / slopePerYear);
  const weight = male ? random.between(80, 90) : random.between(64, 74);
  const height = male ? random.between(170, 180) : random.between(155, 165);

  return {
    profile: 'elder',
    conditions: [
      { key: 'hypertension', onset: hypertension },
      { key: 'hyperlipidemia', onset: lipids },
      { key: 'kneeOsteoarthritis', onset: osteoarthritis },
      { key: 'chronicKidneyDisease3', onset: kidney },
      { key: 'pneumonia', onset: emergency - 3 * DAY, abatement: discharge + 21 * DAY },
    ],
    courses: [
      { id: 'amlodipine', medication: 'amlodipine5', kind: 'chronic', start: hypertension, reason: 'hypertension' },
      { id: 'simvastatin', medication: 'simvastatin10', kind: 'chronic', start: lipids, reason: 'hyperlipidemia' },
      { id: 'hydrochlorothiazide', medication: 'hydrochlorothiazide25', kind: 'chronic', start: thiazide, end: kidney, reason: 'hypertension' },
      { id: 'acetaminophen', medication: 'acetaminophen325', kind: 'chronic', start: osteoarthritis, reason: 'kneeOsteoarthritis' },
      { id: 'saline', medication: 'sodiumChlorideIv', kind: 'short', start: admission, days: 2, reason: 'pneumonia' },
      { id: 'cefuroxime', medication: 'cefuroxime250', kind: 'short', start: discharge - 2 * HOUR, days: 7, reason: 'pneumonia' },
    ],
    allergies: [
      { allergen: ALLERGENS.codeine, reaction: 'nausea', onset: addYears(birth, random.between(50, 56)), criticality: 'low', type: 'intolerance', severity: 'moderate' },
    ],
    episodes: [
      { time: hypertension, setting: 'problem', reason: 'High blood pressure at pharmacy screening', diagnoses: ['hypertension'], starts: ['amlodipine'], panels: ['bmp'], procedures: ['electrocardiogram'],
        plan: 'Stage 2 hypertension confirmed on repeat readings. Start amlodipine 5 mg daily; low-salt diet; recheck in 1 month.' },
      { time: lipids, setting: 'problem', reason: 'Elevated LDL cholesterol', diagnoses: ['hyperlipidemia'], starts: ['simvastatin'], panels: ['lipid'],
        plan: 'Ten-year cardiovascular risk above 10%. Start simvastatin 10 mg nightly; lipids in 3 months.' },
      { time: thiazide, setting: 'followUp', reason: 'Blood pressure above goal on amlodipine', starts: ['hydrochlorothiazide'], panels: ['bmp'],
        plan: 'Add hydrochlorothiazide 25 mg each morning; BMP in 2 weeks to check sodium and potassium.' },
      { time: osteoarthritis, setting: 'problem', reason: 'Right knee pain and stiffness, worse with stairs', diagnoses: ['kneeOsteoarthritis'], starts: ['acetaminophen'],
        plan: 'Clinical osteoarthritis of the knee. Acetaminophen as needed (avoid NSAIDs given age and blood pressure), physical therapy, weight-bearing exercise.' },
      { time: kidney, setting: 'followUp', reason: 'Declining kidney function on routine labs', diagnoses: ['chronicKidneyDisease3'], panels: ['bmp'],
        plan: 'eGFR below 60 on two occasions three months apart: CKD stage 3. Stop hydrochlorothiazide; avoid NSAIDs; BMP every 6 months.' },
      { time: emergency, setting: 'emergency', reason: 'Fever, productive cough and shortness of breath for 3 days', diagnoses: ['pneumonia'], panels: ['cbc', 'bmp'], procedures: ['chestXray'],
        plan: 'Chest X-ray: right lower lobe consolidation. Community-acquired pneumonia, hypoxic on room air. Admit to medicine.' },
      { time: admission, setting: 'inpatient', reason: 'Community-acquired pneumonia', starts: ['saline', 'cefuroxime'], panels: ['cbc', 'bmp'], stayDays: 4,
        plan: 'Treated with IV antibiotics and fluids; fever resolved day 2, weaned off oxygen day 3. Discharged home on oral cefuroxime to complete 7 days. Follow up with primary care in 1 week.' },
    ],
    vaccines: [
      ...fluShots(random, birth, REFERENCE_TIME - 40 * YEAR, 0.05),
      ...covidShots(random, birth),
      { time: at(random, addYears(birth, 65) + random.int(20, 200) * DAY), vaccine: 'ppsv23' },
      { time: at(random, dateOf(2019, 3, 4) + random.int(0, 20) * DAY), vaccine: 'zosterRecombinant' },
      { time: at(random, dateOf(2019, 6, 3) + random.int(0, 20) * DAY), vaccine: 'zosterRecombinant' },
      { time: yearsAgo(random, random.between(5, 7)), vaccine: 'td' },
    ],
    physiology: {
      hba1c: curve([[REFERENCE_TIME - 20 * YEAR, 5.4], [REFERENCE_TIME, 5.8]]),
      ldl: curve([[lipids - 3 * YEAR, 139], [lipids, 158], [lipids + 3 * MONTH, 104], [REFERENCE_TIME, 97]]),
      hdl: constant(male ? random.between(42, 48) : random.between(52, 60)),
      triglycerides: constant(random.between(110, 150)),
      creatinine: curve([[kidney - yearsToFloor * YEAR, creatinineFloor], [kidney, creatinineAtDiagnosis], [REFERENCE_TIME, creatinineAtDiagnosis + slopePerYear * ((REFERENCE_TIME - kidney) / YEAR)]]),
      tsh: constant(random.between(1.8, 3.2)),
      hemoglobin: curve([[REFERENCE_TIME - 20 * YEAR, male ? 14.6 : 13.4], [REFERENCE_TIME, male ? 13.0 : 12.0]]),
      systolic: curve([[hypertension - 3 * YEAR, 132], [hypertension, 149], [hypertension + 3 * MONTH, 137], [thiazide, 139], [thiazide + 3 * MONTH, 127], [kidney, 126], [kidney + 3 * MONTH, 134], [REFERENCE_TIME, 133]]),
      diastolic: curve([[hypertension - 3 * YEAR, 83], [hypertension, 91], [hypertension + 3 * MONTH, 83], [thiazide + 3 * MONTH, 76], [kidney + 3 * MONTH, 79]]),
      weight: curve([[REFERENCE_TIME - 20 * YEAR, weight + 5], [emergency, weight + 1], [discharge, weight - 2], [REFERENCE_TIME, weight - 1]]),
      height: curve([[REFERENCE_TIME - 20 * YEAR, height], [REFERENCE_TIME, height - 2.5]]),
      headCircumference: constant(56),
      heartRate: constant(random.between(66, 76)),
      respiratoryRate: constant(16),
      wbc: random.between(5.5, 7.5),
      platelets: random.between(190, 260),
      potassium: random.between(4.3, 4.7),
      // Sickest on arrival, improving on antibiotics before discharge.
      illnesses: [{ start: emergency - 3 * DAY, end: admission + 2 * DAY, severity: 1 }, { start: admission + 2 * DAY, end: discharge + 5 * DAY, severity: 0.35 }],
    },
    defaultYears: 15,
    maxYears: Math.max(15, ageNow - 35),
    defaultTarget: random.int(1150, 1300),
  };
}

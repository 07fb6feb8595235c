import { ALLERGENS } from './catalog.ts';
import { constant, curve } from './fhir-shapes.ts';
import { at, covidShots, fluShots, yearsAgo, type Episode, type PersonStory, type StoryInput } from './story.ts';
import { DAY, MONTH, REFERENCE_TIME, YEAR, addYears, dateOf } from './time.ts';

/**
 * Two adult stories. The cardiometabolic one walks through hyperlipidemia, hypertension (with a
 * dose increase), prediabetes becoming type 2 diabetes (HbA1c rises, then falls on metformin) and a
 * resolved bronchitis. The other carries a penicillin allergy, seasonal allergic rhinitis treated
 * each spring, hypothyroidism brought under control by levothyroxine, a sprain, COVID-19 and sinusitis.
 */

function adultBasics(input: StoryInput) {
  const { plan, random } = input;
  const male = plan.gender === 'male';
  const height = male ? random.between(172, 186) : random.between(158, 172);
  return { male, height, hemoglobin: male ? random.between(14.4, 15.6) : random.between(12.8, 13.8) };
}

export function cardiometabolicStory(input: StoryInput): PersonStory {
  const { random, birth } = input;
  const { male, height, hemoglobin } = adultBasics(input);
  const lipids = yearsAgo(random, random.between(8.5, 9.5));
  const hypertension = yearsAgo(random, random.between(6.5, 7.5));
  const doseUp = at(random, hypertension + random.between(1.8, 2.2) * YEAR);
  const prediabetes = yearsAgo(random, random.between(5.5, 6.5));
  const diabetes = yearsAgo(random, random.between(3.5, 4.5));
  const metforminUp = at(random, diabetes + random.between(5, 7) * MONTH);
  const bronchitis = yearsAgo(random, random.between(1.8, 2.8));
  const episodes: Episode[] = [
    { time: lipids, setting: 'problem', reason: 'Abnormal cholesterol on screening', diagnoses: ['hyperlipidemia'], starts: ['simvastatin'], panels: ['lipid'],
      plan: 'Heart-healthy diet and regular exercise discussed. Start simvastatin 20 mg nightly; recheck lipids in 3 months.' },
    { time: hypertension, setting: 'problem', reason: 'Elevated blood pressure readings', diagnoses: ['hypertension'], starts: ['lisinopril-10'], panels: ['bmp'], procedures: ['electrocardiogram'],
      plan: 'ECG shows normal sinus rhythm. Start lisinopril 10 mg daily, limit salt, home blood pressure log; BMP in 2 weeks.' },
    { time: doseUp, setting: 'followUp', reason: 'Hypertension follow-up', starts: ['lisinopril-20'], panels: ['bmp'],
      plan: 'Blood pressure above goal on lisinopril 10 mg. Increase to 20 mg daily; recheck in 4 weeks.' },
    { time: prediabetes, setting: 'problem', reason: 'Elevated fasting glucose', diagnoses: ['prediabetes'], panels: ['hba1c'],
      plan: 'HbA1c in the prediabetes range. Lifestyle program: weight loss goal 5-7%, 150 minutes of activity per week.' },
    { time: diabetes, setting: 'problem', reason: 'Rising HbA1c', diagnoses: ['diabetesType2'], starts: ['metformin-500'], panels: ['hba1c', 'bmp'],
      plan: 'New type 2 diabetes. Start metformin ER 500 mg with the evening meal, diabetes education referral, HbA1c in 3 months.' },
    { time: metforminUp, setting: 'followUp', reason: 'Diabetes follow-up', starts: ['metformin-1000'], panels: ['hba1c'],
      plan: 'Tolerating metformin, HbA1c improving but above goal. Increase to 1000 mg daily.' },
    { time: bronchitis, setting: 'urgentCare', reason: 'Cough and chest congestion for 6 days', diagnoses: ['acuteBronchitis'], starts: ['albuterol', 'acetaminophen'],
      plan: 'Likely viral bronchitis; no antibiotics indicated. Albuterol as needed, fluids, acetaminophen for fever; return if short of breath.' },
  ];
  const ageNow = (REFERENCE_TIME - birth) / YEAR;
  if (ageNow >= 45.4) {
    episodes.push({ time: at(random, addYears(birth, 45) + random.int(30, 120) * DAY), setting: 'problem', reason: 'Colorectal cancer screening', procedures: ['colonoscopy'],
      plan: 'Screening colonoscopy completed; no polyps seen. Repeat in 10 years.' });
  }
  const weight = male ? random.between(94, 104) : random.between(82, 92);
  return {
    profile: 'cardiometabolic',
    conditions: [
      { key: 'hyperlipidemia', onset: lipids },
      { key: 'hypertension', onset: hypertension },
      { key: 'prediabetes', onset: prediabetes, abatement: diabetes },
      { key: 'diabetesType2', onset: diabetes },
      { key: 'acuteBronchitis', onset: bronchitis - 6 * DAY, abatement: bronchitis + 18 * DAY },
    ],
    courses: [
      { id: 'simvastatin', medication: 'simvastatin20', kind: 'chronic', start: lipids, reason: 'hyperlipidemia' },
      { id: 'lisinopril-10', medication: 'lisinopril10', kind: 'chronic', start: hypertension, end: doseUp, reason: 'hypertension' },
      { id: 'lisinopril-20', medication: 'lisinopril20', kind: 'chronic', start: doseUp, reason: 'hypertension' },
      { id: 'metformin-500', medication: 'metformin500', kind: 'chronic', start: diabetes, end: metforminUp, reason: 'diabetesType2' },
      { id: 'metformin-1000', medication: 'metformin1000', kind: 'chronic', start: metforminUp, reason: 'diabetesType2' },
      { id: 'albuterol', medication: 'albuterolInhaler', kind: 'short', start: bronchitis, days: 14, reason: 'acuteBronchitis' },
      { id: 'acetaminophen', medication: 'acetaminophen325', kind: 'short', start: bronchitis, days: 7, reason: 'acuteBronchitis' },
    ],
    allergies: [],
    episodes,
    vaccines: [
      ...fluShots(random, birth, REFERENCE_TIME - 40 * YEAR, 0.15),
      ...covidShots(random, birth),
      { time: yearsAgo(random, random.between(2, 7)), vaccine: 'tdap' },
    ],
    physiology: {
      // Drifts up to prediabetes, jumps at diagnosis, falls on metformin and again after the increase.
      hba1c: curve([[prediabetes - 4 * YEAR, 5.4], [prediabetes, 6.0], [diabetes - YEAR, 6.5], [diabetes, 7.9], [metforminUp, 7.2], [metforminUp + 6 * MONTH, 6.5], [REFERENCE_TIME, 6.6]]),
      ldl: curve([[lipids - 4 * YEAR, 138], [lipids, 171], [lipids + 3 * MONTH, 108], [REFERENCE_TIME, 96]]),
      hdl: constant(male ? random.between(36, 42) : random.between(44, 50)),
      triglycerides: curve([[lipids, 205], [lipids + 3 * MONTH, 165], [metforminUp + 6 * MONTH, 142]]),
      creatinine: constant(male ? random.between(0.92, 1.08) : random.between(0.72, 0.86)),
      tsh: constant(random.between(1.4, 2.4)),
      hemoglobin: constant(hemoglobin),
      systolic: curve([[hypertension - 4 * YEAR, 124], [hypertension - YEAR, 137], [hypertension, 152], [hypertension + 3 * MONTH, 140], [doseUp, 141], [doseUp + 3 * MONTH, 127], [REFERENCE_TIME, 128]]),
      diastolic: curve([[hypertension - 4 * YEAR, 80], [hypertension, 96], [hypertension + 3 * MONTH, 89], [doseUp + 3 * MONTH, 81], [REFERENCE_TIME, 80]]),
      weight: curve([[REFERENCE_TIME - 15 * YEAR, weight - 6], [diabetes, weight + 2], [diabetes + YEAR, weight - 3], [REFERENCE_TIME, weight - 2]]),
      height: constant(height),
      headCircumference: constant(57),
      heartRate: constant(random.between(68, 78)),
      respiratoryRate: constant(16),
      wbc: random.between(6, 8),
      platelets: random.between(210, 290),
      potassium: random.between(4.1, 4.4),
      illnesses: [{ start: bronchitis - 6 * DAY, end: bronchitis + 10 * DAY, severity: 0.4 }],
    },
    defaultYears: 12,
    maxYears: Math.max(12, ageNow - 18),
    defaultTarget: random.int(850, 1000),
  };
}

export function thyroidStory(input: StoryInput): PersonStory {
  const { random, birth } = input;
  const { male, height, hemoglobin } = adultBasics(input);
  const hypothyroid = yearsAgo(random, random.between(4.5, 5.5));
  const sprain = yearsAgo(random, random.between(7, 9));
  const covid = at(random, dateOf(2022, 1, 3) + random.int(0, 30) * DAY);
  const sinusitis = yearsAgo(random, random.between(1, 1.8));
  const rhinitisOnset = addYears(birth, random.between(17, 21));
  const weight = male ? random.between(74, 84) : random.between(60, 70);
  const ageNow = (REFERENCE_TIME - birth) / YEAR;
  return {
    profile: 'thyroid',
    conditions: [
      { key: 'allergicRhinitis', onset: rhinitisOnset },
      { key: 'ankleSprain', onset: sprain, abatement: sprain + 42 * DAY },
      { key: 'hypothyroidism', onset: hypothyroid },
      { key: 'covid19', onset: covid - 2 * DAY, abatement: covid + 12 * DAY },
      { key: 'viralSinusitis', onset: sinusitis - 5 * DAY, abatement: sinusitis + 9 * DAY },
    ],
    courses: [
      { id: 'cetirizine', medication: 'cetirizine10', kind: 'seasonal', start: rhinitisOnset, days: 105, reason: 'allergicRhinitis' },
      { id: 'ibuprofen', medication: 'ibuprofen200', kind: 'short', start: sprain, days: 10, reason: 'ankleSprain' },
      { id: 'levothyroxine', medication: 'levothyroxine75', kind: 'chronic', start: hypothyroid, reason: 'hypothyroidism' },
      { id: 'acetaminophen', medication: 'acetaminophen325', kind: 'short', start: covid, days: 7, reason: 'covid19' },
    ],
    allergies: [
      { allergen: ALLERGENS.penicillin, reaction: 'hives', onset: addYears(birth, random.between(6, 9)), criticality: 'low', type: 'allergy', severity: 'moderate' },
    ],
    episodes: [
      { time: sprain, setting: 'urgentCare', reason: 'Twisted left ankle while running', diagnoses: ['ankleSprain'], starts: ['ibuprofen'],
        plan: 'Ottawa ankle rules negative, no X-ray needed. Rest, ice, compression, elevation; ibuprofen as needed; ankle brace for 2 weeks.' },
      { time: hypothyroid, setting: 'problem', reason: 'Fatigue, weight gain and feeling cold', diagnoses: ['hypothyroidism'], starts: ['levothyroxine'], panels: ['tsh', 'cbc'],
        plan: 'TSH elevated, consistent with primary hypothyroidism. Start levothyroxine 75 mcg each morning; recheck TSH in 6-8 weeks.' },
      { time: covid, setting: 'telehealth', reason: 'Fever, sore throat and positive home COVID-19 test', diagnoses: ['covid19'], starts: ['acetaminophen'],
        plan: 'Mild COVID-19, no risk factors for severe disease. Isolate, rest, fluids, acetaminophen for fever; seek care if short of breath.' },
      { time: sinusitis, setting: 'problem', reason: 'Facial pressure and congestion for 5 days', diagnoses: ['viralSinusitis'],
        plan: 'Viral sinusitis. Saline irrigation and supportive care; antibiotics not indicated (and penicillin allergy noted).' },
    ],
    vaccines: [
      ...fluShots(random, birth, REFERENCE_TIME - 40 * YEAR, 0.1),
      ...covidShots(random, birth),
      { time: yearsAgo(random, random.between(3, 8)), vaccine: 'tdap' },
    ],
    physiology: {
      hba1c: constant(random.between(5.0, 5.4)),
      ldl: constant(random.between(95, 120)),
      hdl: constant(male ? random.between(45, 55) : random.between(55, 68)),
      triglycerides: constant(random.between(80, 120)),
      creatinine: constant(male ? random.between(0.88, 1.02) : random.between(0.66, 0.8)),
      // Creeps up before diagnosis, then settles into range on levothyroxine.
      tsh: curve([[hypothyroid - 2 * YEAR, 2.3], [hypothyroid - 6 * MONTH, 4.7], [hypothyroid, 9.1], [hypothyroid + 2 * MONTH, 4.4], [hypothyroid + 6 * MONTH, 2.1], [REFERENCE_TIME, 1.9]]),
      hemoglobin: constant(hemoglobin),
      systolic: constant(random.between(110, 120)),
      diastolic: constant(random.between(70, 77)),
      weight: curve([[hypothyroid - YEAR, weight], [hypothyroid, weight + 4], [hypothyroid + YEAR, weight + 1]]),
      height: constant(height),
      headCircumference: constant(55),
      heartRate: curve([[hypothyroid - YEAR, 72], [hypothyroid, 62], [hypothyroid + 6 * MONTH, 71]]),
      respiratoryRate: constant(15),
      wbc: random.between(5.5, 7.5),
      platelets: random.between(200, 300),
      potassium: random.between(4.0, 4.3),
      illnesses: [
        { start: covid - 2 * DAY, end: covid + 8 * DAY, severity: 0.5 },
        { start: sinusitis - 5 * DAY, end: sinusitis + 5 * DAY, severity: 0.2 },
      ],
    },
    defaultYears: 12,
    maxYears: Math.max(12, ageNow - 18),
    defaultTarget: random.int(700, 850),
  };
}

import { round } from './fhir-shapes.ts';
import { LAB_TESTS, type LabTestKey, type Sex } from './lab-catalog.ts';
import type { Physiology } from './story.ts';
import type { Random } from './random.ts';

/**
 * Samples laboratory values from a person's physiological trajectories plus analytical and
 * biological noise. Derived results are computed from the values drawn in the same specimen
 * (eGFR from that creatinine, hematocrit from that hemoglobin, total cholesterol from its parts),
 * so a panel is internally consistent the way a real one is.
 */

/** MDRD study equation (IDMS-traceable, 175), the formula LOINC 33914-3 names. */
export function mdrdEgfr(creatinine: number, age: number, sex: Sex): number {
  return 175 * creatinine ** -1.154 * age ** -0.203 * (sex === 'female' ? 0.742 : 1);
}

/** The creatinine at which MDRD gives `egfr`, for shaping a kidney-function trajectory. */
export function creatinineForEgfr(egfr: number, age: number, sex: Sex): number {
  return (egfr / (175 * age ** -0.203 * (sex === 'female' ? 0.742 : 1))) ** (-1 / 1.154);
}

/** 0 when well, up to 1 at the height of an acute illness. */
export function illnessAt(physiology: Physiology, time: number): number {
  let severity = 0;
  for (const illness of physiology.illnesses) {
    if (time >= illness.start && time <= illness.end && illness.severity > severity) severity = illness.severity;
  }
  return severity;
}

export interface Specimen {
  physiology: Physiology;
  random: Random;
  time: number;
  age: number;
  sex: Sex;
}

/** Draws the values for one specimen, lazily and once per test. */
export function specimenSampler(specimen: Specimen): (key: LabTestKey) => number {
  const drawn = new Map<LabTestKey, number>();
  const { physiology: body, random, time, age, sex } = specimen;
  const ill = illnessAt(body, time);
  const draw = (key: LabTestKey): number => {
    const known = drawn.get(key);
    if (known !== undefined) return known;
    const value = Math.max(0, round(raw(key), LAB_TESTS[key].decimals));
    drawn.set(key, value);
    return value;
  };
  const raw = (key: LabTestKey): number => {
    switch (key) {
      case 'wbc': return random.normal(body.wbc + ill * 9, 0.8);
      case 'hemoglobin': return random.normal(body.hemoglobin(time) - ill * 0.6, 0.35);
      case 'rbc': return random.normal(draw('hemoglobin') / 2.95, 0.08);
      case 'hematocrit': return random.normal(draw('hemoglobin') * 2.96, 0.7);
      case 'mcv': return random.normal(age < 6 ? 80 : 88, 1.8);
      case 'platelets': return random.normal(body.platelets + ill * 60, 22);
      case 'glucose': {
        // Fasting glucose tracks HbA1c (ADAG estimated average glucose, less the post-meal share).
        const fasting = 28.7 * body.hba1c(time) - 62;
        return random.normal(Math.max(78, fasting) + ill * 25, 6);
      }
      case 'urea': return random.normal(6 + 8 * body.creatinine(time) + ill * 9, 2);
      case 'creatinine': return random.normal(body.creatinine(time) * (1 + ill * 0.15), 0.045);
      case 'sodium': return random.normal(140 - ill * 3, 1.5);
      case 'potassium': return random.normal(body.potassium, 0.22);
      case 'chloride': return random.normal(103, 1.8);
      case 'carbonDioxide': return random.normal(25 - ill * 2, 1.4);
      case 'calcium': return random.normal(9.4, 0.25);
      case 'egfr': return mdrdEgfr(Math.max(0.2, draw('creatinine')), Math.max(18, age), sex);
      case 'ldl': return random.normal(body.ldl(time), 6);
      case 'hdl': return random.normal(body.hdl(time), 2.5);
      case 'triglycerides': return random.normal(body.triglycerides(time), 14);
      // Friedewald relation run backwards: total = LDL + HDL + TG/5.
      case 'cholesterol': return draw('ldl') + draw('hdl') + draw('triglycerides') / 5 + random.normal(0, 3);
      case 'hba1c': return random.normal(body.hba1c(time), 0.12);
      case 'tsh': return body.tsh(time) * (1 + random.normal(0, 0.1));
    }
  };
  return draw;
}

/** H / L / N against the reference range, as v3 ObservationInterpretation codes. */
export function interpret(value: number, range: { low?: number; high?: number }): 'H' | 'L' | 'N' {
  if (range.high !== undefined && value > range.high) return 'H';
  if (range.low !== undefined && value < range.low) return 'L';
  return 'N';
}

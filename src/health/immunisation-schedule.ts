import type { DueStatus } from './health-types.ts';
export type { DueStatus };

/**
 * A small shipped schedule of common vaccines, by CVX code (CDC's vaccine code set,
 * http://hl7.org/fhir/sid/cvx), with simplified age and interval rules drawn from the CDC child and
 * adult immunisation schedules. It says what is *typically* due, never what a person needs: the UI
 * explains each rule and points to a clinician. Combination vaccines count for each component.
 */
export interface VaccineRule {
  key: string;
  name: string;
  cvx: readonly string[];
  /** From this age (months). */
  fromMonths: number;
  /** Up to this age (months), if the rule ends. */
  untilMonths?: number;
  /** A series of this many doses… */
  doses?: number;
  /** …or one dose every this many months, repeating. */
  everyMonths?: number;
  rule: string;
}

const FLU = ['88', '135', '140', '141', '144', '149', '150', '153', '155', '158', '161', '166', '168', '171', '185', '186', '197', '205'];
const DTAP = ['20', '50', '106', '107', '110', '120', '130', '146', '170'];
const TD_TDAP = ['09', '113', '115', '138', '139'];
const POLIO = ['10', '89', '110', '120', '130', '146', '170'];
const HEP_B = ['08', '42', '43', '44', '45', '51', '102', '104', '110', '146', '189'];
const MMR = ['03', '94'];
const VARICELLA = ['21', '94'];

export const VACCINE_RULES: readonly VaccineRule[] = [
  { key: 'influenza', name: 'Influenza (flu)', cvx: FLU, fromMonths: 6, everyMonths: 12, rule: 'typically due every year from 6 months of age' },
  { key: 'hepb', name: 'Hepatitis B', cvx: HEP_B, fromMonths: 0, untilMonths: 18 * 12, doses: 3, rule: 'typically a 3-dose series in childhood' },
  { key: 'dtap', name: 'Diphtheria, tetanus, pertussis (DTaP)', cvx: DTAP, fromMonths: 2, untilMonths: 7 * 12, doses: 5, rule: 'typically 5 doses between 2 months and 6 years' },
  { key: 'polio', name: 'Polio (IPV)', cvx: POLIO, fromMonths: 2, untilMonths: 18 * 12, doses: 4, rule: 'typically 4 doses between 2 months and 6 years' },
  { key: 'mmr', name: 'Measles, mumps, rubella (MMR)', cvx: MMR, fromMonths: 12, untilMonths: 18 * 12, doses: 2, rule: 'typically 2 doses, at 12–15 months and 4–6 years' },
  { key: 'varicella', name: 'Chickenpox (varicella)', cvx: VARICELLA, fromMonths: 12, untilMonths: 18 * 12, doses: 2, rule: 'typically 2 doses, at 12–15 months and 4–6 years' },
  { key: 'hpv', name: 'HPV', cvx: ['62', '118', '137', '165'], fromMonths: 11 * 12, untilMonths: 27 * 12, doses: 2, rule: 'typically 2 doses from age 11–12 (up to age 26)' },
  { key: 'menacwy', name: 'Meningococcal ACWY', cvx: ['32', '108', '114', '136', '147', '203'], fromMonths: 11 * 12, untilMonths: 19 * 12, doses: 2, rule: 'typically at 11–12 years with a booster at 16' },
  { key: 'td', name: 'Tetanus, diphtheria (Td/Tdap)', cvx: TD_TDAP, fromMonths: 19 * 12, everyMonths: 120, rule: 'typically a booster every 10 years for adults' },
  { key: 'zoster', name: 'Shingles (recombinant zoster)', cvx: ['187', '188'], fromMonths: 50 * 12, doses: 2, rule: 'typically 2 doses from age 50' },
  { key: 'pneumococcal', name: 'Pneumococcal', cvx: ['33', '100', '109', '133', '152', '215', '216', '327'], fromMonths: 65 * 12, doses: 1, rule: 'typically from age 65' },
];

export interface GivenDose {
  cvx: string;
  /** YYYY-MM-DD… */
  date: string;
}

function monthsBetween(from: Date, to: Date): number {
  let months = (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + (to.getUTCMonth() - from.getUTCMonth());
  if (to.getUTCDate() < from.getUTCDate()) months -= 1;
  return months;
}

function addMonths(date: Date, months: number): Date {
  const next = new Date(date.getTime());
  next.setUTCMonth(next.getUTCMonth() + months);
  return next;
}

/**
 * Which scheduled vaccines apply at the person's age on `today`, and whether each is typically due,
 * from the doses recorded (completed Immunizations). Unknown birth date: no rule can apply.
 */
export function dueImmunisations(birthDate: string | undefined, given: readonly GivenDose[], today: Date): DueStatus[] {
  if (!birthDate || Number.isNaN(Date.parse(birthDate))) return [];
  const age = monthsBetween(new Date(birthDate.slice(0, 10)), today);
  const statuses: DueStatus[] = [];
  for (const rule of VACCINE_RULES) {
    if (age < rule.fromMonths || (rule.untilMonths !== undefined && age >= rule.untilMonths)) continue;
    const doses = given.filter((dose) => rule.cvx.includes(dose.cvx)).map((dose) => dose.date.slice(0, 10)).sort();
    const lastGiven = doses.at(-1);
    const base = { key: rule.key, name: rule.name, rule: rule.rule, dosesGiven: doses.length, ...(lastGiven ? { lastGiven } : {}) };
    if (rule.everyMonths !== undefined) {
      const nextDue = lastGiven ? addMonths(new Date(lastGiven), rule.everyMonths) : today;
      statuses.push({ ...base, status: nextDue <= today ? 'due' : 'up-to-date', nextDue: nextDue.toISOString().slice(0, 10) });
    } else {
      const needed = rule.doses ?? 1;
      statuses.push({ ...base, status: doses.length >= needed ? 'up-to-date' : 'due', dosesNeeded: needed });
    }
  }
  return statuses;
}

import type { Address, Organization, Practitioner } from '@medplum/fhirtypes';
import { SYSTEM } from './catalog.ts';
import { hl7 } from './fhir-shapes.ts';
import { Random, hashSeed } from './random.ts';

/**
 * The family's clinic, hospital, urgent care and laboratory, and the clinicians who see them. It
 * depends on the seed only, so every person's stream carries identical copies (same ids, same
 * content) and a store holding the whole family sees one clinic, not four.
 */
export interface CareTeam {
  town: Town;
  clinic: Organization;
  hospital: Organization;
  urgentCare: Organization;
  laboratory: Organization;
  familyPhysician: Practitioner;
  pediatrician: Practitioner;
  nursePractitioner: Practitioner;
  emergencyPhysician: Practitioner;
  hospitalist: Practitioner;
  /** Organizations first, then practitioners: the order a stream yields them in. */
  all: Array<Organization | Practitioner>;
}

export interface Town {
  city: string;
  state: string;
  postalCode: string;
  areaCode: string;
}

const TOWNS: readonly Town[] = [
  { city: 'Maple Grove', state: 'MN', postalCode: '55311', areaCode: '763' },
  { city: 'Fairview', state: 'OR', postalCode: '97024', areaCode: '503' },
  { city: 'Riverside', state: 'CA', postalCode: '92501', areaCode: '951' },
  { city: 'Springfield', state: 'IL', postalCode: '62704', areaCode: '217' },
  { city: 'Burlington', state: 'VT', postalCode: '05401', areaCode: '802' },
];

const CLINICS = ['Maple Leaf Family Medicine', 'Riverbend Family Health', 'Cedar Hill Primary Care', 'Lakeside Family Practice'];
const HOSPITALS = ['St. Brigid Regional Medical Center', 'Lakeshore General Hospital', 'Mercy Valley Hospital', 'Northfield Memorial Hospital'];
const URGENT_CARES = ['QuickCare Urgent Care', 'Northside Walk-In Clinic', 'FirstStop Urgent Care'];
const LABORATORIES = ['Summit Reference Laboratory', 'Keystone Clinical Laboratories'];
const STREETS = ['Oak Street', 'Main Street', 'Elm Avenue', 'Lincoln Boulevard', 'Park Road', 'Willow Lane', 'Hillcrest Drive'];
const CLINICIAN_FAMILY = ['Adeyemi', 'Brennan', 'Chowdhury', 'Delacroix', 'Esposito', 'Fitzgerald', 'Grünewald', 'Haddad', 'Ivanova', 'Kaur', 'Levesque', 'Mendoza', 'Nguyen', 'Osei'];
const CLINICIAN_GIVEN = {
  male: ['Michael', 'David', 'Ahmed', 'Luis', 'Thomas', 'Raj', 'Stefan'],
  female: ['Sarah', 'Aisha', 'Emily', 'Grace', 'Mei', 'Fatima', 'Ingrid'],
} as const;

/** A 10-digit NPI with a valid check digit (Luhn over the 80840 prefix, per CMS). */
function npi(random: Random): string {
  const body = `${random.int(1, 2)}${String(random.int(0, 99_999_999)).padStart(8, '0')}`;
  const digits = `80840${body}`;
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

export function streetAddress(random: Random, town: Town): Address {
  return {
    use: 'work',
    line: [`${random.int(10, 2999)} ${random.pick(STREETS)}`],
    city: town.city,
    state: town.state,
    postalCode: town.postalCode,
    country: 'US',
  };
}

export function phoneNumber(random: Random, town: Town): string {
  // 555-01xx numbers are reserved for fiction.
  return `(${town.areaCode}) 555-01${String(random.int(0, 99)).padStart(2, '0')}`;
}

function organization(random: Random, town: Town, name: string, typeCode: string, typeDisplay: string): Organization {
  return {
    resourceType: 'Organization',
    id: random.uuid(),
    identifier: [{ system: SYSTEM.npi, value: npi(random) }],
    active: true,
    type: [hl7(SYSTEM.organizationType, typeCode, typeDisplay)],
    name,
    telecom: [{ system: 'phone', value: phoneNumber(random, town), use: 'work' }],
    address: [streetAddress(random, town)],
  };
}

function practitioner(random: Random, town: Town, suffix: 'MD' | 'DO' | 'NP', specialty: string): Practitioner {
  const gender = random.chance(0.5) ? 'male' : 'female';
  const given = random.pick(CLINICIAN_GIVEN[gender]);
  const family = random.pick(CLINICIAN_FAMILY);
  const prefix = suffix === 'NP' ? [] : ['Dr.'];
  const degree = { MD: 'Doctor of Medicine', DO: 'Doctor of Osteopathic Medicine', NP: 'Nurse Practitioner' }[suffix];
  return {
    resourceType: 'Practitioner',
    id: random.uuid(),
    identifier: [{ system: SYSTEM.npi, value: npi(random) }],
    active: true,
    name: [{ use: 'official', text: `${prefix.length > 0 ? 'Dr. ' : ''}${given} ${family}, ${suffix}`, family, given: [given], prefix, suffix: [suffix] }],
    telecom: [{ system: 'phone', value: phoneNumber(random, town), use: 'work' }],
    gender,
    qualification: [{ code: { text: `${degree} — ${specialty}` } }],
  };
}

export function buildCareTeam(seed: number): CareTeam {
  const random = new Random(hashSeed('hearth-demo-care-team', seed));
  const town = random.pick(TOWNS);
  const clinic = organization(random, town, random.pick(CLINICS), 'prov', 'Healthcare Provider');
  const hospital = organization(random, town, random.pick(HOSPITALS), 'prov', 'Healthcare Provider');
  const urgentCare = organization(random, town, random.pick(URGENT_CARES), 'prov', 'Healthcare Provider');
  const laboratory = organization(random, town, random.pick(LABORATORIES), 'prov', 'Healthcare Provider');
  const familyPhysician = practitioner(random, town, 'MD', 'Family Medicine');
  const pediatrician = practitioner(random, town, 'DO', 'Pediatrics');
  const nursePractitioner = practitioner(random, town, 'NP', 'Urgent Care');
  const emergencyPhysician = practitioner(random, town, 'MD', 'Emergency Medicine');
  const hospitalist = practitioner(random, town, 'MD', 'Internal Medicine (Hospitalist)');
  return {
    town,
    clinic,
    hospital,
    urgentCare,
    laboratory,
    familyPhysician,
    pediatrician,
    nursePractitioner,
    emergencyPhysician,
    hospitalist,
    all: [clinic, hospital, urgentCare, laboratory, familyPhysician, pediatrician, nursePractitioner, emergencyPhysician, hospitalist],
  };
}

/** "Dr. Sarah Nguyen, MD" — for notes and Reference.display. */
export function clinicianName(practitioner: Practitioner): string {
  return practitioner.name?.[0]?.text ?? 'Clinician';
}

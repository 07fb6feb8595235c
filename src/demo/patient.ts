import type { Patient } from '@medplum/fhirtypes';
import { phoneNumber, streetAddress, type CareTeam } from './care-team.ts';
import { SYSTEM } from './catalog.ts';
import type { DemoPersonPlan } from './family.ts';
import { hl7 } from './fhir-shapes.ts';
import { Random, hashSeed } from './random.ts';
import { REFERENCE_TIME, ageInYears, parseDate } from './time.ts';

/**
 * The Patient resource, US Core flavoured: MRN identifier, official name, birth sex, race and
 * ethnicity extensions (OMB categories), household address and phone. The household (address,
 * heritage) comes from the family seed, so parents and child share an address and the grandparent
 * lives nearby.
 */

const US_CORE = 'http://hl7.org/fhir/us/core/StructureDefinition';

const HERITAGE = [
  { race: ['2106-3', 'White'], ethnicity: ['2186-5', 'Not Hispanic or Latino'] },
  { race: ['2106-3', 'White'], ethnicity: ['2135-2', 'Hispanic or Latino'] },
  { race: ['2054-5', 'Black or African American'], ethnicity: ['2186-5', 'Not Hispanic or Latino'] },
  { race: ['2028-9', 'Asian'], ethnicity: ['2186-5', 'Not Hispanic or Latino'] },
] as const;

function ombExtension(kind: 'race' | 'ethnicity', code: string, display: string) {
  return {
    url: `${US_CORE}/us-core-${kind}`,
    extension: [
      { url: 'ombCategory', valueCoding: { system: SYSTEM.raceEthnicity, code, display } },
      { url: 'text', valueString: display },
    ],
  };
}

export function patientResource(plan: DemoPersonPlan, seed: number, id: string, team: CareTeam): Patient {
  const household = new Random(hashSeed('hearth-demo-household', seed, plan.key === 'grandparent' ? 'grandparent' : 'home'));
  const heritage = new Random(hashSeed('hearth-demo-heritage', seed)).pick(HERITAGE);
  const address = { ...streetAddress(household, team.town), use: 'home' as const };
  const phone = phoneNumber(household, team.town);
  const adult = ageInYears(parseDate(plan.birthDate), REFERENCE_TIME) >= 18;
  const mrn = `MRN${String(hashSeed('hearth-demo-mrn', seed, plan.key) % 10_000_000).padStart(7, '0')}`;
  return {
    resourceType: 'Patient',
    id,
    extension: [
      ombExtension('race', heritage.race[0], heritage.race[1]),
      ombExtension('ethnicity', heritage.ethnicity[0], heritage.ethnicity[1]),
      { url: `${US_CORE}/us-core-birthsex`, valueCode: plan.gender === 'male' ? 'M' : 'F' },
    ],
    identifier: [{
      use: 'usual',
      type: { coding: [{ system: SYSTEM.identifierType, code: 'MR', display: 'Medical record number' }], text: 'Medical record number' },
      system: SYSTEM.demoMrn,
      value: mrn,
    }],
    active: true,
    name: [{ use: 'official', text: plan.name, family: plan.family, given: [plan.given] }],
    telecom: [
      { system: 'phone', value: phone, use: adult ? 'mobile' : 'home' },
      ...(adult ? [{ system: 'email' as const, value: `${plan.given}.${plan.family}@example.com`.toLowerCase() }] : []),
    ],
    gender: plan.gender,
    birthDate: plan.birthDate,
    address: [address],
    ...(adult ? { maritalStatus: hl7(SYSTEM.maritalStatus, plan.key === 'grandparent' ? 'W' : 'M', plan.key === 'grandparent' ? 'Widowed' : 'Married') } : {}),
    communication: [{ language: { coding: [{ system: SYSTEM.language, code: 'en-US', display: 'English (United States)' }], text: 'English' }, preferred: true }],
  };
}

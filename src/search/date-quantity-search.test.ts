import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE, openTestVault, type TestVault } from './test-vault.ts';

// The fixture's Observation dates: o1 2020-03-15 (a day), o2 2021-06-01T10:00:00Z (a second),
// o3 Period 2019-12-20..2020-01-10, o4 2020 (a year), o5 none, o6 2022-01-01T00:30:00+01:00.
let vault: TestVault;
beforeAll(() => {
  vault = openTestVault(FIXTURE);
});
afterAll(() => vault.close());

describe('date search (search.html#date, #prefix)', () => {
  it('eq: the search range contains the value range', () => {
    expect(vault.ids('Observation?date=2020')).toEqual(['Observation/o1', 'Observation/o4']);
    expect(vault.ids('Observation?date=eq2020-03')).toEqual(['Observation/o1']);
    expect(vault.ids('Observation?date=2020-01')).toEqual([]);
    expect(vault.ids('Observation?date=2021-06-01T10:00Z')).toEqual(['Observation/o2']);
  });

  it('compares instants across time zones', () => {
    expect(vault.ids('Observation?date=2021-12-31')).toEqual(['Observation/o6']);
    expect(vault.ids('Observation?date=2022-01-01')).toEqual([]);
    expect(vault.ids('Observation?date=2022-01-01T00:30:00+01:00')).toEqual(['Observation/o6']);
  });

  it('ne, gt, lt, ge, le on ranges', () => {
    expect(vault.ids('Observation?date=ne2020')).toEqual(['Observation/o2', 'Observation/o3', 'Observation/o6']);
    expect(vault.ids('Observation?date=gt2020')).toEqual(['Observation/o2', 'Observation/o6']);
    expect(vault.ids('Observation?date=lt2020')).toEqual(['Observation/o3']);
    expect(vault.ids('Observation?date=ge2020')).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o4', 'Observation/o6']);
    expect(vault.ids('Observation?date=le2020')).toEqual(['Observation/o1', 'Observation/o3', 'Observation/o4']);
    // The period o3 reaches past 2020-01-05, and the year o4 starts before and ends after it.
    expect(vault.ids('Observation?date=ge2020-01-05')).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o3', 'Observation/o4', 'Observation/o6']);
  });

  it('sa and eb: entirely after / before the search range', () => {
    expect(vault.ids('Observation?date=sa2020')).toEqual(['Observation/o2', 'Observation/o6']);
    expect(vault.ids('Observation?date=sa2019-12-31')).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o4', 'Observation/o6']);
    expect(vault.ids('Observation?date=eb2020')).toEqual([]);
    expect(vault.ids('Observation?date=eb2020-01-11')).toEqual(['Observation/o3']);
  });

  it('ap widens the search range by 10% of its distance from now, at least a day', () => {
    const now = new Date('2022-01-01T00:00:00Z');
    expect(vault.ids('Observation?date=ap2021-06-01', { now })).toEqual(['Observation/o2']);
    // ~652 days from now: ±65 days reaches o1 and the year o4, not o3 (ends 2020-01-10).
    expect(vault.ids('Observation?date=ap2020-03-20', { now })).toEqual(['Observation/o1', 'Observation/o4']);
    expect(vault.ids('Observation?date=eq2021-12-31T12:00:00Z', { now })).toEqual([]);
    expect(vault.ids('Observation?date=ap2021-12-31T12:00:00Z', { now })).toEqual(['Observation/o6']);
  });

  it('OR, AND and :missing', () => {
    expect(vault.ids('Observation?date=2020-03-15,2021-12-31')).toEqual(['Observation/o1', 'Observation/o6']);
    expect(vault.ids('Observation?date=ge2020&date=lt2021')).toEqual(['Observation/o1', 'Observation/o4']);
    expect(vault.ids('Observation?date:missing=true')).toEqual(['Observation/o5']);
    expect(vault.ids('Patient?birthdate=1975')).toEqual(['Patient/p2']);
    expect(vault.ids('Patient?birthdate=1975-06')).toEqual([]);
    expect(vault.ids('Patient?birthdate=le1980-05-12')).toEqual(['Patient/p1', 'Patient/p2']);
    expect(vault.ids('Patient?birthdate:missing=true')).toEqual(['Patient/p3']);
  });

  it('_lastUpdated', () => {
    expect(vault.ids('Condition?_lastUpdated=ge2000')).toEqual(['Condition/c1', 'Condition/c2', 'Condition/c3']);
    expect(vault.ids('Condition?_lastUpdated=lt2000')).toEqual([]);
  });
});

describe('quantity search (search.html#quantity)', () => {
  // o1 5.4 % (UCUM), o2 6.1 %, o3 95 mg/dL, o4 70.35 "kg" (unit text only), o5 5.35 /min "beats/minute".
  it('eq uses the precision of the search value', () => {
    expect(vault.ids('Observation?value-quantity=5.4')).toEqual(['Observation/o1', 'Observation/o5']);
    expect(vault.ids('Observation?value-quantity=5.40')).toEqual(['Observation/o1']);
    expect(vault.ids('Observation?value-quantity=5')).toEqual(['Observation/o1', 'Observation/o5']);
    expect(vault.ids('Observation?value-quantity=5.45')).toEqual([]);
  });

  it('system|code, ||code (code or unit) and system|', () => {
    expect(vault.ids('Observation?value-quantity=5.4|http://unitsofmeasure.org|%25')).toEqual(['Observation/o1']);
    expect(vault.ids('Observation?value-quantity=5.4||%')).toEqual(['Observation/o1']);
    expect(vault.ids('Observation?value-quantity=5.4||beats/minute')).toEqual(['Observation/o5']);
    expect(vault.ids('Observation?value-quantity=70.35||kg')).toEqual(['Observation/o4']);
    expect(vault.ids('Observation?value-quantity=5.4|http://unitsofmeasure.org|')).toEqual(['Observation/o1', 'Observation/o5']);
    expect(vault.ids('Observation?value-quantity=95|http://unitsofmeasure.org|g/dL')).toEqual([]);
  });

  it('lt, gt, le, ge compare with the exact value; ne, sa, eb with its precision range', () => {
    expect(vault.ids('Observation?value-quantity=lt6')).toEqual(['Observation/o1', 'Observation/o5']);
    expect(vault.ids('Observation?value-quantity=gt5.4')).toEqual(['Observation/o2', 'Observation/o3', 'Observation/o4']);
    expect(vault.ids('Observation?value-quantity=ge5.4')).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o3', 'Observation/o4']);
    expect(vault.ids('Observation?value-quantity=le5.4')).toEqual(['Observation/o1', 'Observation/o5']);
    expect(vault.ids('Observation?value-quantity=ne5.4')).toEqual(['Observation/o2', 'Observation/o3', 'Observation/o4']);
    expect(vault.ids('Observation?value-quantity=sa5.4')).toEqual(['Observation/o2', 'Observation/o3', 'Observation/o4']);
    expect(vault.ids('Observation?value-quantity=eb5.4')).toEqual([]);
    expect(vault.ids('Observation?value-quantity=eb6')).toEqual(['Observation/o1', 'Observation/o5']);
  });

  it('ap is within 10%', () => {
    expect(vault.ids('Observation?value-quantity=ap100')).toEqual(['Observation/o3']);
    expect(vault.ids('Observation?value-quantity=ap5.9')).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o5']);
  });

  it('OR and AND', () => {
    expect(vault.ids('Observation?value-quantity=95,70.35')).toEqual(['Observation/o3', 'Observation/o4']);
    expect(vault.ids('Observation?value-quantity=gt5&value-quantity=lt7')).toEqual(['Observation/o1', 'Observation/o2', 'Observation/o5']);
    expect(vault.ids('Observation?value-quantity:missing=true')).toEqual(['Observation/o6']);
  });
});

describe('number search (search.html#number)', () => {
  // RiskAssessment probability: r1 0.25, r2 0.3, r3 0.305, r4 -2.
  it('uses the precision of the search value, and exact bounds for lt/gt', () => {
    expect(vault.ids('RiskAssessment?probability=0.3')).toEqual(['RiskAssessment/r1', 'RiskAssessment/r2', 'RiskAssessment/r3']);
    expect(vault.ids('RiskAssessment?probability=0.30')).toEqual(['RiskAssessment/r2']);
    expect(vault.ids('RiskAssessment?probability=3e-1')).toEqual(['RiskAssessment/r1', 'RiskAssessment/r2', 'RiskAssessment/r3']);
    expect(vault.ids('RiskAssessment?probability=gt0.3')).toEqual(['RiskAssessment/r3']);
    expect(vault.ids('RiskAssessment?probability=lt0.3')).toEqual(['RiskAssessment/r1', 'RiskAssessment/r4']);
    expect(vault.ids('RiskAssessment?probability=-2')).toEqual(['RiskAssessment/r4']);
    expect(vault.ids('RiskAssessment?probability=ge-2')).toEqual(['RiskAssessment/r1', 'RiskAssessment/r2', 'RiskAssessment/r3', 'RiskAssessment/r4']);
    expect(vault.ids('RiskAssessment?probability=ap0.3')).toEqual(['RiskAssessment/r1', 'RiskAssessment/r2', 'RiskAssessment/r3']);
  });
});

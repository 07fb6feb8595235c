import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordStore } from '../records/record-store.ts';
import { tempVault } from '../../test/helpers/temp-vault.ts';
import { flagOf } from './clinical-facts.ts';
import { healthRepository } from './health-repository.ts';
import { labOverview, labTest } from './labs.ts';
import { panelOf } from './lab-panels.ts';
import { conversionFactor } from './units.ts';

const UCUM = 'http://unitsofmeasure.org';
const quantity = (value: number, unit: string) => ({ value, unit, system: UCUM, code: unit });
let serial = 0;
function observation(loinc: string, name: string, date: string, value: number, unit: string, range?: [number, number], interpretation?: string): Resource {
  serial += 1;
  return {
    resourceType: 'Observation',
    id: `obs-${serial}`,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: loinc }], text: name },
    effectiveDateTime: date,
    valueQuantity: quantity(value, unit),
    ...(range ? { referenceRange: [{ low: quantity(range[0], unit), high: quantity(range[1], unit) }] } : {}),
    ...(interpretation ? { interpretation: [{ coding: [{ code: interpretation }] }] } : {}),
  } as Resource;
}

const vault = tempVault();
const repository = healthRepository(vault.db);
beforeAll(() => {
  const store = recordStore(vault.db);
  // Hemoglobin from two sources: g/dL and g/L convert (UCUM: commensurable).
  store.write(observation('718-7', 'Hemoglobin', '2020-01-01', 14.5, 'g/dL', [13.5, 17.5]), { sourceId: 'clinic' });
  store.write(observation('718-7', 'Hemoglobin', '2021-01-01', 12.0, 'g/dL', [13.5, 17.5]), { sourceId: 'clinic' });
  store.write(observation('718-7', 'Hemoglobin', '2022-01-01', 150, 'g/L', [135, 175]), { sourceId: 'hospital' });
  // Glucose in mg/dL and mmol/L: mass vs substance, no conversion without a molecular weight.
  store.write(observation('2345-7', 'Glucose', '2020-02-01', 101, 'mg/dL', [70, 99], 'H'), { sourceId: 'clinic' });
  store.write(observation('2345-7', 'Glucose', '2021-02-01', 92, 'mg/dL', [70, 99]), { sourceId: 'clinic' });
  store.write(observation('2345-7', 'Glucose', '2022-02-01', 5.4, 'mmol/L', [3.9, 5.5]), { sourceId: 'hospital' });
  store.write(observation('12345-6', 'Something rare', '2022-02-01', 1, '1'), { sourceId: 'hospital' });
});
afterAll(() => vault.dispose());

describe('units', () => {
  it('converts only commensurable UCUM units', () => {
    expect(conversionFactor('g/L', 'g/dL')).toBeCloseTo(0.1);
    expect(conversionFactor('10*3/uL', '10*9/L')).toBeCloseTo(1);
    expect(conversionFactor('mmol/L', 'mg/dL')).toBeNull();
    expect(conversionFactor('not a unit', 'g/dL')).toBeNull();
  });
});

describe('flags', () => {
  it('takes the source’s interpretation first, else compares with the reference range in the same unit', () => {
    const base = observation('2345-7', 'Glucose', '2020-01-01', 120, 'mg/dL', [70, 99]) as any;
    expect(flagOf(base)).toBe('high');
    expect(flagOf({ ...base, interpretation: [{ coding: [{ code: 'N' }] }] })).toBeUndefined();
    expect(flagOf({ ...base, interpretation: [{ coding: [{ code: 'LL' }] }] })).toBe('critical');
    expect(flagOf({ ...base, valueQuantity: quantity(60, 'mg/dL') })).toBe('low');
    expect(flagOf({ ...base, valueQuantity: quantity(6, 'mmol/L') })).toBeUndefined();
    expect(flagOf({ ...base, valueQuantity: quantity(80, 'mg/dL') })).toBeUndefined();
  });
});

describe('labTest', () => {
  it('brings results of another commensurable unit into the common one, with their range and source', () => {
    const detail = labTest(repository, '718-7');
    expect(detail.series).toHaveLength(1);
    const [series] = detail.series;
    expect(series!.unit).toBe('g/dL');
    expect(series!.points.map((p) => p.value)).toEqual([14.5, 12, 15]);
    expect(series!.points[1]).toMatchObject({ flag: 'low', sourceId: 'clinic' });
    expect(series!.points[2]).toMatchObject({ low: 13.5, high: 17.5, reported: '150 g/L', sourceId: 'hospital' });
  });

  it('answers the newest `limit` results when asked, with the total the test has', () => {
    expect(labTest(repository, '718-7').total).toBe(3);
    const newest = labTest(repository, '718-7', undefined, 2);
    expect(newest.total).toBe(3);
    // The newest two, oldest first; g/dL and g/L are one each, the first (older) unit leads.
    expect(newest.series.flatMap((s) => s.points.map((p) => p.date))).toEqual(['2021-01-01', '2022-01-01']);
    for (const bad of [0, 2001, 1.5, Number.NaN]) expect(() => labTest(repository, '718-7', undefined, bad)).toThrow(/limit/);
  });

  it('keeps units that need a molecular weight apart', () => {
    const detail = labTest(repository, '2345-7');
    expect(detail.series.map((s) => [s.unit, s.points.length])).toEqual([['mg/dL', 2], ['mmol/L', 1]]);
    expect(detail.series[0]!.points[0]!.flag).toBe('high');
    expect(() => labTest(repository, '1-1')).toThrow(/no results/);
    expect(() => labTest(repository, "1' OR 1")).toThrow(/LOINC/);
  });
});

describe('labOverview', () => {
  it('groups tests by the shipped panel list, other tests last, with the latest result', () => {
    expect(panelOf('2093-3').key).toBe('lipids');
    expect(panelOf('12345-6').key).toBe('other');
    const overview = labOverview(repository);
    expect(overview.panels.map((p) => p.key)).toEqual(['cbc', 'metabolic', 'other']);
    expect(overview.panels[0]!.tests[0]).toMatchObject({ loinc: '718-7', count: 3, latest: { date: '2022-01-01', value: '150 g/L' } });
    expect(overview.panels[1]!.tests[0]!.latest).toMatchObject({ value: '5.4 mmol/L' });
  });
});

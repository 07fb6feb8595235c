import type { Observation, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { demoFamily, generatePersonRecords } from './index.ts';

const SEED = 5;
const family = demoFamily(SEED);
const parent1 = family[0]!;
const child = family[2]!;
const grandparent = family[3]!;

function labValues(resources: Iterable<Resource>, loinc: string): Array<{ date: string; value: number }> {
  const values: Array<{ date: string; value: number }> = [];
  for (const resource of resources) {
    if (resource.resourceType !== 'Observation') continue;
    const observation = resource as Observation;
    if (observation.code.coding?.[0]?.code !== loinc) continue;
    values.push({ date: observation.effectiveDateTime ?? '', value: observation.valueQuantity?.value ?? Number.NaN });
  }
  return values.sort((left, right) => left.date.localeCompare(right.date));
}

describe('scaling', () => {
  it.each([20_000, 1_000, 120])('stops within five percent of targetResources = %i for every family member', (target) => {
    for (const person of demoFamily(SEED)) {
      let count = 0;
      for (const _ of generatePersonRecords(person, { seed: SEED, targetResources: target })) count++;
      expect(Math.abs(count - target) / target, `${person.key}: ${count}`).toBeLessThanOrEqual(0.05);
    }
  });

  it('streams: the first resources arrive before a huge history is built', () => {
    const started = performance.now();
    const stream = generatePersonRecords(grandparent, { seed: SEED, targetResources: 10_000_000 });
    const first: Resource[] = [];
    for (const resource of stream) {
      first.push(resource);
      if (first.length === 200) break;
    }
    expect(first[0]?.resourceType).toBe('Patient');
    expect(first.length).toBe(200);
    // Building ten million resources first would take minutes; streaming takes milliseconds.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('keeps trends at 20,000 resources: HbA1c rises to diagnosis, then improves on metformin', () => {
    const values = labValues(generatePersonRecords(parent1, { seed: SEED, targetResources: 20_000 }), '4548-4');
    expect(values.length).toBeGreaterThan(100);
    expect(new Set(values.map((entry) => entry.value)).size).toBeGreaterThan(15);
    const peak = values.reduce((best, entry) => (entry.value > best.value ? entry : best));
    const before = values.filter((entry) => entry.date < peak.date).slice(0, 10);
    const after = values.slice(-10);
    const mean = (entries: typeof values) => entries.reduce((sum, entry) => sum + entry.value, 0) / entries.length;
    expect(peak.value).toBeGreaterThan(7.3);
    expect(mean(before)).toBeLessThan(peak.value - 1);
    expect(mean(after)).toBeLessThan(peak.value - 0.6);
  });

  it('keeps trends at 20,000 resources: creatinine climbs and eGFR falls below 60 for the grandparent', () => {
    const resources = [...generatePersonRecords(grandparent, { seed: SEED, targetResources: 20_000 })];
    const creatinine = labValues(resources, '2160-0');
    const egfr = labValues(resources, '33914-3');
    expect(creatinine.length).toBeGreaterThan(100);
    const firstYear = creatinine.slice(0, 20).reduce((sum, entry) => sum + entry.value, 0) / 20;
    const lastYear = creatinine.slice(-20).reduce((sum, entry) => sum + entry.value, 0) / 20;
    expect(lastYear).toBeGreaterThan(firstYear + 0.15);
    expect(egfr.slice(0, 20).every((entry) => entry.value > 60)).toBe(true);
    expect(egfr.slice(-20).filter((entry) => entry.value < 60).length).toBeGreaterThan(12);
  });

  it('generates 100,000 resources in a few seconds', () => {
    const started = performance.now();
    let count = 0;
    for (const _ of generatePersonRecords(child, { seed: SEED, targetResources: 100_000 })) count++;
    expect(count).toBeGreaterThanOrEqual(95_000);
    expect(performance.now() - started).toBeLessThan(8_000);
  });
});

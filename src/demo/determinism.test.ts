import { afterEach, describe, expect, it, vi } from 'vitest';
import { demoFamily, generatePersonRecords, REFERENCE_DATE } from './index.ts';
import { Random } from './random.ts';

function familyJson(seed: number, targetResources?: number): string[] {
  return demoFamily(seed).map((person) => JSON.stringify([...generatePersonRecords(person, { seed, ...(targetResources ? { targetResources } : {}) })]));
}

function ageOn(birthDate: string, date: string): number {
  const [birthYear, birthMonth, birthDay] = birthDate.split('-').map(Number) as [number, number, number];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return year - birthYear - (month < birthMonth || (month === birthMonth && day < birthDay) ? 1 : 0);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('determinism', () => {
  it('gives byte-identical output for the same seed', () => {
    expect(familyJson(7)).toEqual(familyJson(7));
    expect(familyJson(7, 3000)).toEqual(familyJson(7, 3000));
  });

  it('gives different people and records for a different seed', () => {
    expect(demoFamily(1)).not.toEqual(demoFamily(2));
    const [first] = familyJson(1);
    const [second] = familyJson(2);
    expect(first).not.toEqual(second);
  });

  it('never reads the clock or an unseeded random source', () => {
    const forbidden = () => {
      throw new Error('non-deterministic source used');
    };
    vi.spyOn(Math, 'random').mockImplementation(forbidden);
    vi.spyOn(Date, 'now').mockImplementation(forbidden);
    vi.spyOn(globalThis.crypto, 'randomUUID').mockImplementation(forbidden);
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(forbidden);
    expect(familyJson(11, 2000).every((json) => json.length > 0)).toBe(true);
  });

  it('builds a family of four with ages measured from the fixed reference date', () => {
    const family = demoFamily(99);
    expect(family).toEqual(demoFamily(99));
    const ages = Object.fromEntries(family.map((person) => [person.key, ageOn(person.birthDate, REFERENCE_DATE)]));
    expect(ages['parent-1']).toBeGreaterThanOrEqual(40);
    expect(ages['parent-1']).toBeLessThanOrEqual(46);
    expect(ages['parent-2']).toBeGreaterThanOrEqual(38);
    expect(ages['parent-2']).toBeLessThanOrEqual(46);
    expect(ages.child).toBeGreaterThanOrEqual(9);
    expect(ages.child).toBeLessThanOrEqual(11);
    expect(ages.grandparent).toBeGreaterThanOrEqual(72);
    expect(ages.grandparent).toBeLessThanOrEqual(78);
    expect(new Set(family.map((person) => person.family)).size).toBe(1);
    expect(family.every((person) => person.name === `${person.given} ${person.family}`)).toBe(true);
  });

  it('makes UUID-shaped ids from the seeded generator', () => {
    const ids = Array.from({ length: 1000 }, (_, index) => new Random(index).uuid());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Random(5).uuid()).toBe(new Random(5).uuid());
  });

  it('puts nothing on or after the reference date', () => {
    for (const json of familyJson(3)) {
      const dates = json.match(/\d{4}-\d{2}-\d{2}T/g) ?? [];
      expect(dates.length).toBeGreaterThan(100);
      // Prescriptions may be valid into the future (an active one runs a year); events may not.
      const events = [...json.matchAll(/"(effectiveDateTime|occurrenceDateTime|authoredOn|recordedDate|onsetDateTime)":"([^"]+)"/g)].map((match) => match[2]!);
      for (const date of events) expect(date < REFERENCE_DATE, date).toBe(true);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from '../definitions.ts';
import { ccdaRecords, demoRecords, medplumAccepts, syntheaRecords } from './corpus.test-helper.ts';
import { fastValidate } from './fast-validate.ts';
import { mutate, random } from './mutations.test-helper.ts';

/**
 * Seeded mutation fuzzing of the compiled validator against @medplum/core's validateResource.
 * The property that must hold for every mutant: compiled "valid" ⇒ medplum accepts. (Compiled
 * "not certainly valid" while medplum accepts is allowed — validateFhirResource then asks medplum —
 * and is bounded below so the fast path stays the common one.)
 */
loadFhirDefinitions();

type Json = Record<string, unknown>;

const SEED = 20261122;
const MUTANTS_PER_BASE = 30;

/** Every n-th record, so all resource types of the sources take part. */
function spread<T>(items: readonly T[], count: number): T[] {
  const step = Math.max(1, Math.floor(items.length / count));
  return items.filter((_, index) => index % step === 0).slice(0, count);
}

describe('compiled validator under mutation', async () => {
  const ccda = (await ccdaRecords()).map((r) => JSON.parse(JSON.stringify(r)) as Json);
  const bases = [...spread(demoRecords([42]), 250), ...spread(syntheaRecords(), 150), ...ccda];
  const next = random(SEED);
  const mutants: unknown[] = [];
  for (const base of bases) for (let i = 0; i < MUTANTS_PER_BASE; i++) mutants.push(mutate(base, bases, next));

  it('never calls a mutant valid that medplum rejects', () => {
    let fastValid = 0;
    let medplumValid = 0;
    let leftToMedplum = 0;
    const unsound: string[] = [];
    for (const mutant of mutants) {
      // fastValidate first: medplum's primitive-extension handling may edit the value it reads.
      const fast = fastValidate(mutant);
      const medplum = medplumAccepts(mutant);
      if (fast) fastValid++;
      if (medplum) medplumValid++;
      if (fast && !medplum) unsound.push(JSON.stringify(mutant, (_key, value: unknown) => (typeof value === 'string' && value.length > 200 ? `${value.slice(0, 40)}…(${value.length})` : value)));
      if (!fast && medplum) leftToMedplum++;
    }
    expect(unsound).toEqual([]);
    // The fuzzer is only meaningful if it produces plenty of both kinds.
    expect(mutants.length).toBeGreaterThan(10_000);
    expect(medplumValid).toBeGreaterThan(mutants.length * 0.1);
    expect(mutants.length - medplumValid).toBeGreaterThan(mutants.length * 0.3);
    expect(fastValid).toBeGreaterThan(mutants.length * 0.08);
    // Left to medplum while it accepts: `_field` extensions, Bundles (bdl-* invariants are not
    // compiled), inherited-name keys like `constructor` that medplum's `key in properties` lets
    // through, two properties of one choice element. A regression guard for the fast path's reach.
    expect(leftToMedplum).toBeLessThan(mutants.length * 0.1);
  });

  it('agrees with medplum on strings around the 1 MB limit', () => {
    const patient = (text: string): Json => ({ resourceType: 'Patient', name: [{ text }] });
    for (const record of [patient('y'.repeat(1024 * 1024)), patient('y'.repeat(1024 * 1024 + 1)), patient(`${' '.repeat(1024 * 1024)}y`)]) {
      expect(fastValidate(record)).toBe(medplumAccepts(record));
    }
  });
});

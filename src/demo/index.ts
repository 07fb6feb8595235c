/**
 * Deterministic synthetic health records for a demo family, used by `hearth demo`, tests and
 * benchmarks. Same seed and person give byte-identical resources; nothing depends on the clock
 * (ages and dates are measured from REFERENCE_DATE) or on Math.random.
 *
 *   for (const person of demoFamily(42)) {
 *     for (const resource of generatePersonRecords(person, { seed: 42 })) store(resource);
 *   }
 */
export { demoFamily, type DemoPersonPlan } from './family.ts';
export { generatePersonRecords, type GenerateOptions } from './person-records.ts';
export { REFERENCE_DATE } from './time.ts';

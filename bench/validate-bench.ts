// Micro-benchmark of structural validation (docs/performance.md): µs of CPU per record for
// @medplum/core's validateResource, the compiled check (src/fhir/validator/) and Hearth's
// validateFhirResource (compiled check, medplum only when not certainly valid, reference form), on
// the demo generator's records. Not a test; run with `node_modules/.bin/node bench/validate-bench.ts`.
import { validateResource } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { demoFamily, generatePersonRecords } from '../src/demo/index.ts';
import { loadFhirDefinitions } from '../src/fhir/definitions.ts';
import { validateFhirResource } from '../src/fhir/validate.ts';
import { fastValidate } from '../src/fhir/validator/fast-validate.ts';

const SEED = 42;
const PER_PERSON = 5_000;
const ROUNDS = 3;

loadFhirDefinitions();
const records: Resource[] = [];
for (const person of demoFamily(SEED)) for (const resource of generatePersonRecords(person, { seed: SEED, targetResources: PER_PERSON })) records.push(resource);

/** Best of ROUNDS, in µs of CPU (user + system) per record: the VM is shared, CPU time varies least. */
function measure(validate: (resource: Resource) => unknown): number {
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    for (const resource of records) validate(resource);
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / records.length);
  }
  return best;
}

let fastAccepted = 0;
for (const resource of records) if (fastValidate(resource)) fastAccepted++;

const rows = [
  ['@medplum/core validateResource', measure((r) => validateResource(r))],
  ['compiled fastValidate', measure((r) => fastValidate(r))],
  ['validateFhirResource (Hearth)', measure((r) => validateFhirResource(r))],
] as const;

console.log(`${records.length} demo records (seed ${SEED}), compiled check accepts ${fastAccepted}; best of ${ROUNDS} rounds, CPU µs per record`);
for (const [name, micros] of rows) console.log(`${name.padEnd(34)} ${micros.toFixed(1).padStart(8)} µs`);

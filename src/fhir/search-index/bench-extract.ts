/**
 * Prints warm, single-threaded extraction throughput. Run with the pinned Node:
 *   node_modules/.bin/node src/fhir/search-index/bench-extract.ts
 */
import type { Resource } from '@medplum/fhirtypes';
import { benchmarkExtraction } from './bench.ts';
import { fallbackParams } from './extract.ts';
import { bloodPressure, bodyWeight, loadSyntheaResources } from './sample-resources.ts';

const observations: Resource[] = [];
for (let n = 0; n < 2000; n++) observations.push(n % 4 === 0 ? bloodPressure(n) : bodyWeight(n));
const synthea = loadSyntheaResources();
const rounds = Number(process.argv[2] ?? 20);

const format = (perSecond: number): string => Math.round(perSecond).toLocaleString('en-US');
console.log(`Observations (weight/BP, ${observations.length}): ${format(benchmarkExtraction(observations, rounds))} resources/s`);
console.log(`Synthea fixtures (${synthea.length} mixed):     ${format(benchmarkExtraction(synthea, Math.max(1, Math.ceil(rounds / 4))))} resources/s`);
console.log(`FHIRPath fallbacks: ${fallbackParams().map((p) => `${p.resourceType}.${p.code}`).join(', ')}`);

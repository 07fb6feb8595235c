import type { Resource } from '@medplum/fhirtypes';
import { extractIndexRows } from './extract.ts';
import type { IndexContext } from './rows.ts';

/**
 * Warm extraction throughput in resources per second, single-threaded: one untimed round compiles
 * the plans and lets V8 optimise, then `rounds` timed rounds over `resources`. The import pipeline's
 * budget (≥ 20,000 resources/s including validation and SQLite writes) leaves extraction ≥ 40,000/s.
 */
export function benchmarkExtraction(resources: readonly Resource[], rounds: number, context?: IndexContext): number {
  if (resources.length === 0 || rounds < 1) throw new RangeError('benchmarkExtraction needs resources and rounds ≥ 1');
  let rows = 0;
  for (const resource of resources) rows += count(extractIndexRows(resource, context));
  const start = performance.now();
  for (let round = 0; round < rounds; round++) {
    for (const resource of resources) rows += count(extractIndexRows(resource, context));
  }
  const seconds = (performance.now() - start) / 1000;
  if (rows < 0) throw new Error('unreachable'); // keeps the work observable to the optimiser
  return (resources.length * rounds) / seconds;
}

function count(rows: ReturnType<typeof extractIndexRows>): number {
  return rows.tokens.length + rows.strings.length + rows.dates.length + rows.quantities.length + rows.numbers.length + rows.references.length + rows.uris.length;
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertCcdaToFhir, convertXmlToCcda } from '@medplum/ccda';
import { validateResource } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { demoFamily, generatePersonRecords } from '../../demo/index.ts';
import { DEFAULT_READ_LIMITS } from '../../import/readers/limits.ts';
import { readCcda } from '../../import/readers/ccda-reader.ts';
import { loadFhirDefinitions } from '../definitions.ts';

/**
 * The records the compiled validator is proven against (validator tests and bench/validate-bench.ts):
 * the demo generator, the Synthea fixture and the C-CDA conversions. Deterministic.
 */
type Json = Record<string, unknown>;

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** medplum's verdict: true when validateResource raises no error (warnings do not count). */
export function medplumAccepts(resource: unknown): boolean {
  loadFhirDefinitions();
  try {
    validateResource(resource as Resource);
    return true;
  } catch {
    return false;
  }
}

/** Every record of the demo family for each seed (optionally scaled to about `targetResources` a person). */
export function demoRecords(seeds: readonly number[], targetResources?: number): Json[] {
  const out: Json[] = [];
  for (const seed of seeds) {
    for (const person of demoFamily(seed)) for (const resource of generatePersonRecords(person, { seed, targetResources })) out.push(resource as unknown as Json);
  }
  return out;
}

export function syntheaRecords(): Json[] {
  const dir = join(ROOT, 'test', 'fixtures', 'synthea-10');
  const out: Json[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.ndjson')) continue;
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) if (line.trim() !== '') out.push(JSON.parse(line) as Json);
  }
  return out;
}

const CCDA_FIXTURE = join(ROOT, 'src', 'import', 'readers', 'fixtures', 'ccd-sample.xml');

/** The C-CDA sample as @medplum/ccda converts it (raw, before Hearth's fixups) and as Hearth imports it. */
export async function ccdaRecords(): Promise<Json[]> {
  const xml = readFileSync(CCDA_FIXTURE, 'utf8');
  const raw = convertCcdaToFhir(convertXmlToCcda(xml)) as unknown as { entry?: { resource?: Json }[] };
  const out: Json[] = (raw.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
  for await (const item of readCcda(once(Buffer.from(xml)), 'ccd-sample.xml', DEFAULT_READ_LIMITS)) if (item.kind === 'resource') out.push(item.resource);
  return out;
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

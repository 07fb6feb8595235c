import { MemoryRepository } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';
import { demoFamily, generatePersonRecords } from '../src/demo/index.ts';
import { loadFhirDefinitions } from '../src/fhir/definitions.ts';

/**
 * The provider's records: Hearth's own deterministic demo people, one MemoryRepository per patient.
 * A repository holds exactly what a token for that patient may see: the patient's compartment plus
 * the shared resources it references (Practitioner, Organization, …). Keeping compartments apart by
 * construction means a search can never leak another patient's rows, whatever its parameters.
 *
 * Ids are the provider's own (`observation-12`), not the generator's UUIDs, and every reference is
 * rewritten to them — like a real EHR, whose ids Hearth must never assume match anything of its own.
 */

/** Resources outside any patient compartment that a patient's records reference. */
const SHARED_TYPES = new Set(['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Medication']);

export interface DatasetPatient {
  id: string;
  /** The id the token response gives as `patient` when behaviour patientIdDiffers is on. */
  alias: string;
  name: string;
  repo: MemoryRepository;
  /** Resource types present in the repository (for $everything and the CapabilityStatement). */
  types: Set<string>;
  resourceCount: number;
}

export interface Dataset {
  patients: DatasetPatient[];
  byId: Map<string, DatasetPatient>;
  /** Resolves a patient id or its alias to the patient. */
  patient(idOrAlias: string): DatasetPatient | undefined;
  /** When the seed records were stored: their meta.lastUpdated. */
  seededAt: string;
}

export interface DatasetOptions {
  patients: number;
  resourcesPerPatient: number;
  seed: number;
}

function rewriteReferences(value: unknown, ids: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteReferences(item, ids));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Reference.reference and Attachment.url ("Binary/<id>") are the only places ids appear.
    if ((key === 'reference' || key === 'url') && typeof item === 'string' && ids.has(item)) out[key] = ids.get(item);
    else out[key] = rewriteReferences(item, ids);
  }
  return out;
}

export async function buildDataset(options: DatasetOptions): Promise<Dataset> {
  loadFhirDefinitions();
  const seededAt = new Date(Date.now() - 60_000).toISOString();
  const ids = new Map<string, string>(); // "Type/generatorId" -> "Type/serverId"
  const counters = new Map<string, number>();
  const serverId = (resource: Resource): string => {
    const original = `${resource.resourceType}/${resource.id}`;
    let mapped = ids.get(original);
    if (!mapped) {
      const n = (counters.get(resource.resourceType) ?? 0) + 1;
      counters.set(resource.resourceType, n);
      mapped = `${resource.resourceType}/${resource.resourceType.toLowerCase()}-${n}`;
      ids.set(original, mapped);
    }
    return mapped.slice(mapped.indexOf('/') + 1);
  };

  const people = [];
  for (let family = 0; people.length < options.patients; family++) {
    for (const person of demoFamily(options.seed + family)) {
      if (people.length < options.patients) people.push({ person, seed: options.seed + family });
    }
  }

  const patients: DatasetPatient[] = [];
  for (const { person, seed } of people) {
    const generated = [...generatePersonRecords(person, { seed, targetResources: options.resourcesPerPatient })];
    for (const resource of generated) serverId(resource); // ids first: references may point forward
    const repo = new MemoryRepository();
    const types = new Set<string>();
    let patientId = '';
    let count = 0;
    for (const resource of generated) {
      const stored = rewriteReferences(resource, ids) as Resource;
      stored.id = serverId(resource);
      stored.meta = { ...stored.meta, versionId: '1', lastUpdated: seededAt };
      if (stored.resourceType === 'Patient') patientId = stored.id;
      await repo.createResource(stored);
      types.add(stored.resourceType);
      if (!SHARED_TYPES.has(stored.resourceType)) count++;
    }
    patients.push({ id: patientId, alias: `mrn-${patientId}`, name: person.name, repo, types, resourceCount: count });
  }
  const byId = new Map(patients.map((patient) => [patient.id, patient]));
  const byAlias = new Map(patients.map((patient) => [patient.alias, patient]));
  return {
    patients,
    byId,
    patient: (idOrAlias) => byId.get(idOrAlias) ?? byAlias.get(idOrAlias),
    seededAt,
  };
}

export function isSharedType(resourceType: string): boolean {
  return SHARED_TYPES.has(resourceType);
}

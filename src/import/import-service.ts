import { resolve } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import { HearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';
import { auditLog } from '../audit/index.ts';
import { DEFAULT_SOURCE_LABEL, sourcesRepository } from '../sources/sources-repository.ts';
import type { ImportReport } from './import-report.ts';
import { bufferInput, fileInput, importIntoVault, type ImportInput, type ImportProgress } from './import-into-vault.ts';
import { walkImportPath } from './readers/index.ts';

export type ImportTarget =
  | { kind: 'person'; personId: string; patientId?: string }
  /** One Hearth person per Patient in the input, each with their own records and the shared ones. */
  | { kind: 'split-by-patient' };

/** A path (file or folder) on this machine, or one uploaded file held in memory (never written to disk). */
export type ImportSource = string | { name: string; bytes: Buffer };

export interface ImportRequest {
  /** Who asks: recorded in each person's audit trail. */
  actor: string;
  paths: ImportSource[];
  target: ImportTarget;
  sourceLabel?: string;
  strict?: boolean;
  batchSize?: number;
  onProgress?: (progress: ImportProgress & { personName: string }) => void;
  /** Stops after the current batch (see VaultImportOptions.signal). */
  signal?: AbortSignal;
  /** Where the request came from, for the audit entry (SECURITY.md "Audit"). */
  sourceAddress?: string;
  requestId?: string;
}

/** What to read, in order: each path expanded to its files (folders walked), each upload as it is. */
async function expandImportSources(sources: ImportSource[]): Promise<ImportInput[]> {
  const inputs: ImportInput[] = [];
  for (const source of sources) {
    if (typeof source !== 'string') inputs.push(bufferInput(source.name, source.bytes));
    else for await (const file of walkImportPath(resolve(source))) inputs.push(fileInput(file));
  }
  if (inputs.length === 0) throw new HearthError('invalid', 'nothing to import: no .ndjson, .json, .xml or .zip files found');
  return inputs;
}

/** The Patients in the input (a first pass over it), to split a family export by person. */
async function patientsIn(inputs: ImportInput[]): Promise<Patient[]> {
  const patients = new Map<string, Patient>();
  for (const input of inputs) {
    for await (const item of input.items()) {
      if (item.kind === 'resource' && item.resource.resourceType === 'Patient' && typeof item.resource.id === 'string') {
        patients.set(item.resource.id, item.resource as unknown as Patient);
      }
    }
  }
  return [...patients.values()];
}

function displayName(patient: Patient): string {
  const name = patient.name?.[0];
  const text = name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' ');
  return text.trim() || `Patient ${patient.id}`;
}

/**
 * `hearth import`: reads files into one person's vault, or splits a multi-patient export into one
 * person per Patient. Re-running a split finds the people it created before (by the source's
 * Patient id), so it updates rather than duplicates.
 */
export async function importFiles(instance: Instance, request: ImportRequest): Promise<ImportReport[]> {
  const inputs = await expandImportSources(request.paths);
  const sources = sourcesRepository(instance.system);
  const label = request.sourceLabel?.trim() || DEFAULT_SOURCE_LABEL;
  const targets: { personId: string; personName: string; patientId?: string }[] = [];
  if (request.target.kind === 'person') {
    const person = instance.people.require(request.target.personId);
    targets.push({ personId: person.id, personName: person.name, ...(request.target.patientId ? { patientId: request.target.patientId } : {}) });
  } else {
    const patients = await patientsIn(inputs);
    if (patients.length === 0) throw new HearthError('invalid', 'the input holds no Patient resource to split by');
    for (const patient of patients) {
      const person = instance.people.linkedPerson(`patient:${label}:${patient.id}`, displayName(patient));
      targets.push({ personId: person.id, personName: person.name, patientId: patient.id! });
    }
  }
  const auditBase = {
    actor: request.actor,
    action: 'import' as const,
    ...(request.sourceAddress ? { sourceAddress: request.sourceAddress } : {}),
    ...(request.requestId ? { requestId: request.requestId } : {}),
  };
  const reports: ImportReport[] = [];
  for (const target of targets) {
    const source = sources.findOrCreate(target.personId, 'file', label);
    const vault = instance.people.openVault(target.personId);
    const audit = auditLog(vault.db);
    try {
      const report = await importIntoVault(vault, {
          sourceId: source.id,
          inputs,
          ...(target.patientId ? { patientId: target.patientId } : {}),
          ...(request.strict ? { strict: true } : {}),
          ...(request.batchSize ? { batchSize: request.batchSize } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
          ...(request.onProgress ? { onProgress: (progress) => request.onProgress!({ ...progress, personName: target.personName }) } : {}),
      });
      const patients = report.byType.Patient;
      const patientCount = patients ? patients.created + patients.updated + patients.unchanged : 0;
      if (!target.patientId && patientCount > 1) {
        // Several people's records in one vault is almost never what was meant; say so loudly.
        report.warnings.unshift({
          file: inputs.length === 1 ? inputs[0]!.name : `${inputs.length} files`,
          message: `the input holds ${patientCount} patients, all now in ${target.personName}'s records; for a family export use --split-by-patient, or --patient <id> for one of them`,
        });
      }
      reports.push(report);
      audit.append({ ...auditBase, personId: target.personId, outcome: report.errorCount === 0 ? 'success' : 'failure' });
    } catch (error) {
      audit.append({ ...auditBase, personId: target.personId, outcome: 'failure' });
      throw error;
    } finally {
      vault.close();
    }
  }
  return reports;
}

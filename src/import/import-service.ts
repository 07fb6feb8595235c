import { resolve } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import { HearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';
import { auditLog } from '../audit/index.ts';
import { DEFAULT_SOURCE_LABEL, sourcesRepository } from '../sources/sources-repository.ts';
import type { ImportReport } from './import-report.ts';
import { fileInput, importIntoVault, type ImportProgress } from './import-into-vault.ts';
import { readImportPath, walkImportPath } from './readers/index.ts';

export type ImportTarget =
  | { kind: 'person'; personId: string; patientId?: string }
  /** One Hearth person per Patient in the input, each with their own records and the shared ones. */
  | { kind: 'split-by-patient' };

export interface ImportRequest {
  /** Who asks: recorded in each person's audit trail. */
  actor: string;
  paths: string[];
  target: ImportTarget;
  sourceLabel?: string;
  strict?: boolean;
  batchSize?: number;
  onProgress?: (progress: ImportProgress & { personName: string }) => void;
}

/** Files to import, in a stable order: folders are walked for importable files. */
export async function expandImportPaths(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) for await (const file of walkImportPath(resolve(path))) files.push(file);
  if (files.length === 0) throw new HearthError('invalid', 'nothing to import: no .ndjson, .json, .xml or .zip files found');
  return files;
}

/** The Patients in the input (a first pass over it), to split a family export by person. */
async function patientsIn(files: string[]): Promise<Patient[]> {
  const patients = new Map<string, Patient>();
  for (const file of files) {
    for await (const item of readImportPath(file)) {
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
  const files = await expandImportPaths(request.paths);
  const sources = sourcesRepository(instance.system);
  const label = request.sourceLabel?.trim() || DEFAULT_SOURCE_LABEL;
  const targets: { personId: string; personName: string; patientId?: string }[] = [];
  if (request.target.kind === 'person') {
    const person = instance.people.require(request.target.personId);
    targets.push({ personId: person.id, personName: person.name, ...(request.target.patientId ? { patientId: request.target.patientId } : {}) });
  } else {
    const patients = await patientsIn(files);
    if (patients.length === 0) throw new HearthError('invalid', 'the input holds no Patient resource to split by');
    for (const patient of patients) {
      const person = instance.people.linkedPerson(`patient:${label}:${patient.id}`, displayName(patient));
      targets.push({ personId: person.id, personName: person.name, patientId: patient.id! });
    }
  }
  const reports: ImportReport[] = [];
  for (const target of targets) {
    const source = sources.findOrCreate(target.personId, 'file', label);
    const vault = instance.people.openVault(target.personId);
    const audit = auditLog(vault.db);
    try {
      const report = await importIntoVault(vault, {
          sourceId: source.id,
          inputs: files.map(fileInput),
          ...(target.patientId ? { patientId: target.patientId } : {}),
          ...(request.strict ? { strict: true } : {}),
          ...(request.batchSize ? { batchSize: request.batchSize } : {}),
          ...(request.onProgress ? { onProgress: (progress) => request.onProgress!({ ...progress, personName: target.personName }) } : {}),
      });
      const patients = report.byType.Patient;
      const patientCount = patients ? patients.created + patients.updated + patients.unchanged : 0;
      if (!target.patientId && patientCount > 1) {
        // Several people's records in one vault is almost never what was meant; say so loudly.
        report.warnings.unshift({
          file: files.length === 1 ? files[0]! : `${files.length} files`,
          message: `the input holds ${patientCount} patients, all now in ${target.personName}'s records; for a family export use --split-by-patient, or --patient <id> for one of them`,
        });
      }
      reports.push(report);
      audit.append({ actor: request.actor, personId: target.personId, action: 'import', outcome: report.errorCount === 0 ? 'success' : 'failure' });
    } catch (error) {
      audit.append({ actor: request.actor, personId: target.personId, action: 'import', outcome: 'failure' });
      throw error;
    } finally {
      vault.close();
    }
  }
  return reports;
}

import type { Resource } from '@medplum/fhirtypes';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { exportRepository } from './export-repository.ts';

/** The six sections of a patient summary (IPS), in the order a doctor reads them. */
export const SUMMARY_SECTIONS = ['allergies', 'problems', 'medications', 'immunizations', 'results', 'procedures'] as const;
export type SummarySection = (typeof SUMMARY_SECTIONS)[number];

export interface SummaryData {
  patient: Resource | undefined;
  sections: Record<SummarySection, Resource[]>;
  /** Resources the section entries refer to (a MedicationRequest's Medication). */
  referenced: Resource[];
}

/** Most entries per section: a summary, not the record (the export is the record). */
export const SECTION_LIMITS: Record<SummarySection, number> = { allergies: 100, problems: 100, medications: 100, immunizations: 100, results: 50, procedures: 50 };

type Json = Record<string, any>;
const codes = (concept: unknown): string[] => ((concept as Json | undefined)?.coding ?? []).map((coding: Json) => coding?.code).filter((code: unknown) => typeof code === 'string');
const hasCode = (concept: unknown, wanted: readonly string[]) => codes(concept).some((code) => wanted.includes(code));
const enteredInError = (record: Json) => hasCode(record.verificationStatus, ['entered-in-error', 'refuted']) || record.status === 'entered-in-error';

/** Which section a record belongs to, if any (IPS IG: the section's entry profiles). */
function sectionOf(record: Json): SummarySection | undefined {
  if (enteredInError(record)) return undefined;
  switch (record.resourceType) {
    case 'AllergyIntolerance':
      // Only current allergies: an inactive or resolved one is history, not a warning.
      return !record.clinicalStatus || hasCode(record.clinicalStatus, ['active']) ? 'allergies' : undefined;
    case 'Condition':
      return !record.clinicalStatus || hasCode(record.clinicalStatus, ['active', 'recurrence', 'relapse']) ? 'problems' : undefined;
    case 'MedicationStatement':
    case 'MedicationRequest':
      return ['active', 'intended', 'on-hold'].includes(record.status) ? 'medications' : undefined;
    case 'Immunization':
      return record.status === 'completed' ? 'immunizations' : undefined;
    case 'Observation': {
      const laboratory = (record.category ?? []).some((category: unknown) => hasCode(category, ['laboratory']));
      return laboratory && record.status !== 'cancelled' ? 'results' : undefined;
    }
    case 'Procedure':
      return record.status === 'completed' ? 'procedures' : undefined;
    default:
      return undefined;
  }
}

/** The clinically relevant date of a record, for "most recent first". */
export function dateOf(record: Json): string {
  const candidates = [
    record.effectiveDateTime, record.effectivePeriod?.start, record.issued, record.occurrenceDateTime, record.performedDateTime,
    record.performedPeriod?.start, record.onsetDateTime, record.onsetPeriod?.start, record.recordedDate, record.authoredOn, record.dateAsserted,
  ];
  return candidates.find((value) => typeof value === 'string') ?? '';
}

const SOURCE_TYPES = ['AllergyIntolerance', 'Condition', 'MedicationStatement', 'MedicationRequest', 'Immunization', 'Observation', 'Procedure'];

/**
 * What a patient summary shows, read from a vault a page at a time: each section keeps only its
 * most recent entries (SECTION_LIMITS), so a vault of 100k observations needs no more memory than
 * a small one. `patientId` picks the Patient record; otherwise the vault's first.
 */
export function summaryData(db: SqliteDatabase, patientId?: string): SummaryData {
  const repository = exportRepository(db);
  const present = new Set(repository.counts().map(({ type }) => type));
  const sections = Object.fromEntries(SUMMARY_SECTIONS.map((section) => [section, [] as Json[]])) as Record<SummarySection, Json[]>;
  const newestFirst = (a: Json, b: Json) => dateOf(b).localeCompare(dateOf(a)) || String(a.id).localeCompare(String(b.id));
  for (const type of SOURCE_TYPES.filter((t) => present.has(t))) {
    for (const rows of repository.records(type)) {
      for (const row of rows) {
        const record = JSON.parse(row.json) as Json;
        const section = sectionOf(record);
        if (!section) continue;
        const kept = sections[section];
        kept.push(record);
        if (kept.length > SECTION_LIMITS[section] * 2) sections[section] = kept.sort(newestFirst).slice(0, SECTION_LIMITS[section]);
      }
    }
  }
  for (const section of SUMMARY_SECTIONS) sections[section] = sections[section].sort(newestFirst).slice(0, SECTION_LIMITS[section]);

  const patientJson = patientId === undefined ? repository.firstJson('Patient') : repository.json('Patient', patientId);
  const patient = patientJson ? (JSON.parse(patientJson) as Resource) : undefined;
  const referenced: Resource[] = [];
  const seen = new Set<string>();
  for (const record of sections.medications) {
    const match = /^Medication\/([A-Za-z0-9\-.]{1,64})$/.exec(record.medicationReference?.reference ?? '');
    if (!match || seen.has(match[1]!)) continue;
    seen.add(match[1]!);
    const json = repository.json('Medication', match[1]!);
    if (json) referenced.push(JSON.parse(json) as Resource);
  }
  return { patient, sections: sections as unknown as Record<SummarySection, Resource[]>, referenced };
}

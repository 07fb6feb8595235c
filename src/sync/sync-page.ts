import type { Resource } from '@medplum/fhirtypes';
import { validateFhirResource } from '../fhir/validate.ts';
import { patientsOf } from '../import/patient-compartment.ts';
import type { RecordStore } from '../records/record-store.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { addIssue, countWrite } from './sync-results.ts';
import type { SyncResults } from './sync-types.ts';

export interface WriteTarget {
  store: RecordStore;
  db: SqliteDatabase;
  sourceId: string;
  jobId: string;
  fhirBaseUrl: string;
  /** The launch context patient and any Patient the server returned for it (link / merge). */
  patientIds: Set<string>;
  launchPatientId: string;
  results: SyncResults;
}

interface BundleEntry { fullUrl?: string; resource?: Record<string, unknown>; search?: { mode?: string } }
export interface Bundle { resourceType?: string; link?: { relation?: string; url?: string }[]; entry?: BundleEntry[] }

/** The first issue code of an OperationOutcome (a code from a fixed value set: PHI-free), never its text. */
function outcomeCode(resource: Record<string, unknown>): string {
  const code = (resource.issue as { code?: unknown }[] | undefined)?.[0]?.code;
  return typeof code === 'string' && /^[a-z-]{1,40}$/.test(code) ? code : 'unknown';
}

/** Another patient's record (by its Patient compartment references): never written into this person's vault. */
const PATIENT_REFERENCE = /"reference":"(?:[^"]*\/)?Patient\/([^"/]+)"/g;

export function isForeign(resource: Resource, patientIds: Set<string>): boolean {
  if (resource.resourceType === 'Patient') return false;
  // Fast path (the common case): every Patient reference names this person, so the record cannot be
  // anyone else's. Only otherwise are the compartment's search parameters evaluated (costly).
  const named = [...JSON.stringify(resource).matchAll(PATIENT_REFERENCE)].map((match) => match[1]!);
  if (named.every((id) => patientIds.has(id))) return false;
  let patients: Set<string> | undefined;
  try {
    patients = patientsOf(resource);
  } catch {
    return false; // unreadable references: validation reports the record
  }
  return patients !== undefined && ![...patients].some((id) => patientIds.has(id));
}

/**
 * Validates and writes resources in ONE vault transaction (a page is the unit of progress: a crash
 * loses at most the page being written, and writing it again is 'unchanged'). Invalid records are
 * an error of their type; the rest still lands.
 */
export function writeResources(raw: Record<string, unknown>[], target: WriteTarget, stepType: string, acceptPatients: boolean): void {
  const valid: Resource[] = [];
  for (const item of raw) {
    const type = typeof item.resourceType === 'string' ? item.resourceType : 'unknown';
    if (type === 'OperationOutcome') {
      // R4 bundle search.mode 'outcome': the server's remarks about the search, not a record.
      addIssue(target.results, stepType, 'warnings', { code: `outcome:${outcomeCode(item)}` });
      continue;
    }
    let resource: Resource;
    try {
      resource = validateFhirResource(item);
    } catch {
      // The validator's message may quote the record's content: only the code is kept.
      addIssue(target.results, type, 'errors', { code: 'invalid_resource' });
      continue;
    }
    if (resource.resourceType === 'Patient' && resource.id !== target.launchPatientId) {
      if (resource.id && target.patientIds.has(resource.id)) {
        addIssue(target.results, 'Patient', 'warnings', { code: 'patient_id_differs' });
      } else if (!acceptPatients || !resource.id) {
        addIssue(target.results, 'Patient', 'warnings', { code: 'foreign_patient', target: 'Patient' });
        continue;
      } else {
        // The server answered the launch patient's query with another id (a link or merge, R4
        // patient.html#links): kept, and its records count as this person's; the person stays the launch context's.
        addIssue(target.results, 'Patient', 'warnings', { code: 'patient_id_differs' });
        target.patientIds.add(resource.id);
      }
    }
    if (isForeign(resource, target.patientIds)) {
      addIssue(target.results, resource.resourceType, 'warnings', { code: 'foreign_patient', target: 'Patient' });
      continue;
    }
    valid.push(resource);
  }
  const context = { sourceId: target.sourceId, importId: target.jobId, origin: 'sync', sourceBase: target.fhirBaseUrl };
  let outcomes: { type: string; outcome?: 'created' | 'updated' | 'unchanged' }[];
  try {
    outcomes = target.store.transaction(() => valid.map((resource) => ({ type: resource.resourceType, outcome: target.store.write(resource, context).outcome })));
  } catch {
    // SQLite failed mid-page (rare): each record on its own, so one cannot take the others down.
    outcomes = target.store.transaction(() =>
      valid.map((resource) => {
        try {
          return { type: resource.resourceType, outcome: target.store.writeIsolated(resource, context).outcome };
        } catch {
          return { type: resource.resourceType };
        }
      }),
    );
  }
  for (const { type, outcome } of outcomes) {
    if (outcome) countWrite(target.results, type, outcome);
    else addIssue(target.results, type, 'errors', { code: 'not_stored' });
  }
}

/** The resources of a search page; 'outcome' entries included (writeResources turns them into warnings). */
export function entriesOf(bundle: Bundle): Record<string, unknown>[] {
  return (bundle.entry ?? []).map((entry) => entry.resource).filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null);
}

/** A fingerprint of a page's entries, to notice a server serving the same page again under a new URL. */
export function pageFingerprint(bundle: Bundle): string {
  return (bundle.entry ?? []).map((entry) => entry.fullUrl ?? `${String(entry.resource?.resourceType)}/${String(entry.resource?.id)}`).join('|');
}

export type NextLink = { kind: 'none' } | { kind: 'next'; url: string } | { kind: 'foreign' } | { kind: 'broken' };

/**
 * The `next` link (R4 http.html#paging), whatever its form (cursor, offset, session id): followed as
 * the server wrote it, resolved against the page's URL, on the FHIR base's origin only (a next link to
 * another origin would carry the token elsewhere).
 */
export function nextLinkOf(bundle: Bundle, pageUrl: string, fhirBaseUrl: string): NextLink {
  const link = (bundle.link ?? []).find((l) => l.relation === 'next');
  if (!link) return { kind: 'none' };
  if (typeof link.url !== 'string' || link.url === '') return { kind: 'broken' };
  let url: URL;
  try {
    url = new URL(link.url, pageUrl);
  } catch {
    return { kind: 'broken' };
  }
  if (url.origin !== new URL(fhirBaseUrl).origin) return { kind: 'foreign' };
  return { kind: 'next', url: url.href };
}

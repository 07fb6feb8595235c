import { patientCompartmentParams } from '../import/patient-compartment.ts';
import { addIssue } from './sync-results.ts';
import { writeResources, type WriteTarget } from './sync-page.ts';
import type { FhirClient } from './fhir-client.ts';
import { FhirHttpError } from './fhir-client.ts';
import { syncVaultRepository } from './sync-vault-repository.ts';

/** Types fetched when referenced but not held (issue 4 §5); others stay dangling references. */
export const FETCHED_REFERENCE_TYPES = new Set(['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Medication', 'Encounter', 'Binary']);
export const MAX_REFERENCE_ROUNDS = 3;
const CHUNK = 16;

interface Wanted { type: string; url: string }

/**
 * What the source's records refer to and the vault lacks: references (never into another patient's
 * compartment: `Patient/<other>` is a warning) and Binary attachments on an allowed origin.
 */
function wanted(target: WriteTarget, attachmentOrigins: readonly string[], warn: boolean): Wanted[] {
  const vault = syncVaultRepository(target.db);
  const base = target.fhirBaseUrl.replace(/\/+$/, '');
  const list: Wanted[] = [];
  const seen = new Set<string>();
  for (const { type, id } of vault.missingReferences(target.sourceId)) {
    if (type === 'Patient') {
      if (warn && !target.patientIds.has(id)) addIssue(target.results, 'Patient', 'warnings', { code: 'foreign_reference_not_fetched', target: 'Patient' });
      continue;
    }
    if (!FETCHED_REFERENCE_TYPES.has(type)) {
      // Everything of this patient's compartment was searched: a record of a compartment type that
      // is still missing belongs to someone else (or is not shared). Never fetched.
      if (warn && patientCompartmentParams().has(type)) addIssue(target.results, type, 'warnings', { code: 'foreign_reference_not_fetched', target: type });
      continue;
    }
    const url = `${base}/${type}/${encodeURIComponent(id)}`;
    if (!seen.has(url)) list.push({ type, url }), seen.add(url);
  }
  // Attachments may live on another host of the provider: the FHIR base's host name (any port, same
  // scheme) or an origin its discovery document names; anything else is a warning, never fetched.
  const baseUrl = new URL(base);
  for (const raw of vault.attachmentUrls(target.sourceId)) {
    if (raw.startsWith('data:')) continue;
    let url: URL;
    try {
      url = new URL(raw, `${base}/`);
    } catch {
      continue;
    }
    const binary = /\/Binary\/([A-Za-z0-9\-.]{1,64})$/.exec(url.pathname);
    if (!binary || vault.holds(target.sourceId, 'Binary', binary[1]!)) continue;
    if (!(url.hostname === baseUrl.hostname && url.protocol === baseUrl.protocol) && !attachmentOrigins.includes(url.origin)) {
      // A host the provider never named: not fetched (the token would go there too).
      if (warn) addIssue(target.results, 'Binary', 'warnings', { code: 'attachment_host_not_allowed' });
      continue;
    }
    if (!seen.has(url.href)) list.push({ type: 'Binary', url: url.href }), seen.add(url.href);
  }
  return list;
}

/** One round: fetches what is wanted (bounded by the per-host limiter) and writes it a chunk at a time. */
export async function fetchReferencesRound(client: FhirClient, target: WriteTarget, attachmentOrigins: readonly string[], failed: Set<string>): Promise<number> {
  // What failed in an earlier round of this run is not asked again (it was reported then).
  const list = wanted(target, attachmentOrigins, false).filter(({ url }) => !failed.has(url));
  for (const { url } of list) failed.add(url);
  for (let start = 0; start < list.length; start += CHUNK) {
    const chunk = list.slice(start, start + CHUNK);
    const fetched = await Promise.all(
      chunk.map(async ({ type, url }) => {
        try {
          const resource = (await client.getJson(url)) as Record<string, unknown>;
          if (resource?.resourceType !== type) {
            addIssue(target.results, type, 'errors', { code: 'unexpected_resource' });
            return undefined;
          }
          return resource;
        } catch (error) {
          if (!(error instanceof FhirHttpError)) throw error;
          // A gone or forbidden referenced record is a warning: the records that point at it are held.
          addIssue(target.results, type, 'warnings', { code: 'reference_not_fetched', status: error.httpStatus });
          return undefined;
        }
      }),
    );
    writeResources(fetched.filter((r): r is Record<string, unknown> => r !== undefined), target, 'references', false);
  }
  return list.length;
}

/** After the last round: warns once for each reference left out on purpose (another patient, an unknown host). */
export function reportNotFetched(target: WriteTarget, attachmentOrigins: readonly string[]): void {
  wanted(target, attachmentOrigins, true);
}

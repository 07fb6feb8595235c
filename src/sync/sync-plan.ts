import type { SyncCheckpoint } from './sync-types.ts';

/** US Core resource types searched one by one when the server has no Patient/$everything (US Core 6.1 §CapabilityStatement). */
export const US_CORE_TYPES = [
  'Patient', 'AllergyIntolerance', 'CarePlan', 'CareTeam', 'Condition', 'Coverage', 'Device', 'DiagnosticReport',
  'DocumentReference', 'Encounter', 'Goal', 'Immunization', 'MedicationRequest', 'MedicationStatement', 'Observation',
  'Procedure', 'ExplanationOfBenefit',
] as const;

/** Searched only when the CapabilityStatement declares them (not every server has them). */
const ONLY_WHEN_DECLARED = new Set(['MedicationStatement', 'ExplanationOfBenefit', 'Coverage']);

/**
 * Category searches some servers (Epic, Cerner) require instead of a plain type search
 * (US Core Observation/DocumentReference search requirements name category as a required combination).
 */
export const CATEGORY_SEARCHES: Record<string, string[]> = {
  Observation: ['laboratory', 'vital-signs', 'social-history', 'survey', 'exam', 'imaging'],
  DocumentReference: ['clinical-note'],
};

/**
 * Entries asked per page. Large pages mean fewer round trips and fewer commits (one vault transaction
 * per page); a server caps `_count` at its own maximum anyway (R4 search.html#count).
 */
export const PAGE_SIZE = 500;

interface CapabilityResource { type?: string; operation?: { name?: string }[] }
interface Capability { resourceType?: string; rest?: { mode?: string; resource?: CapabilityResource[]; operation?: { name?: string }[] }[] }

/** What the server declares (R4 capabilitystatement.html): its types and whether Patient/$everything exists. */
export function readCapabilities(metadata: unknown): { types: Set<string>; everything: boolean } {
  const capability = metadata as Capability;
  const rest = capability?.resourceType === 'CapabilityStatement' ? (capability.rest ?? []).find((r) => r.mode !== 'client') : undefined;
  const resources = rest?.resource ?? [];
  const types = new Set(resources.map((r) => r.type).filter((t): t is string => typeof t === 'string'));
  const patient = resources.find((r) => r.type === 'Patient');
  const everything = (patient?.operation ?? []).some((op) => op.name === 'everything' || op.name === 'patient-everything');
  return { types, everything };
}

/**
 * Whether the granted scopes let us read/search a type: SMART v2 `patient/Type.rs` (any grant with
 * r or s) or v1 `patient/Type.read`, `*` for every type (SMART App Launch 2.x "Scopes").
 */
export function scopeCovers(scopes: readonly string[], type: string): boolean {
  return scopes.some((scope) => {
    const match = /^(?:patient|user)\/(\*|[A-Za-z]+)\.(read|\*|[cruds]+)(?:\?.*)?$/.exec(scope);
    if (!match || (match[1] !== '*' && match[1] !== type)) return false;
    return match[2] === 'read' || match[2] === '*' || /[rs]/.test(match[2]!);
  });
}

const encode = encodeURIComponent;

/** The searches of one sync, relative to the FHIR base, in order. */
export function planSteps(input: { patientId: string; scopes: readonly string[]; capabilities: { types: Set<string>; everything: boolean }; since: string | null; pageSize?: number }): Pick<SyncCheckpoint, 'mode' | 'steps'> {
  const { patientId, scopes, capabilities, since } = input;
  const pageSize = input.pageSize ?? PAGE_SIZE;
  if (capabilities.everything) {
    // R4 patient-operation-everything.html: _since for "changes since", _count for the page size.
    const query = [`_count=${pageSize}`, ...(since ? [`_since=${encode(since)}`] : [])].join('&');
    return { mode: 'everything', steps: [`Patient/${encode(patientId)}/$everything?${query}`] };
  }
  const lastUpdated = since ? `&_lastUpdated=gt${encode(since)}` : '';
  const steps: string[] = [];
  for (const type of US_CORE_TYPES) {
    if (!scopeCovers(scopes, type)) continue;
    if (capabilities.types.size > 0 && !capabilities.types.has(type)) continue;
    if (capabilities.types.size === 0 && ONLY_WHEN_DECLARED.has(type)) continue;
    steps.push(type === 'Patient' ? `Patient?_id=${encode(patientId)}` : `${type}?patient=${encode(patientId)}&_count=${pageSize}${lastUpdated}`);
  }
  return { mode: 'types', steps };
}

/** The category searches that stand in for a refused plain search of `step`, or none. */
export function categoryFallback(step: string): string[] {
  const [type, query = ''] = step.split('?');
  const categories = CATEGORY_SEARCHES[type!];
  if (!categories || query.includes('category=')) return [];
  return categories.map((category) => `${type}?${query}&category=${encode(category)}`);
}

/** The resource type a step searches (for results). */
export const stepType = (step: string): string => (step.includes('$everything') ? 'Patient/$everything' : step.split('?')[0]!.split('/')[0]!);

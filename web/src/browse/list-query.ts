// How each list's filters become a FHIR search (R4 search parameters of each resource type).

export interface ListFilters {
  text: string;
  status: string;
  from: string;
  to: string;
  sort: 'newest' | 'oldest' | 'updated';
}

/** The clinical date parameter and the status parameter of each type (R4 SearchParameter registry). */
const PARAMS: Record<string, { date?: string; status?: string; statuses: string[] }> = {
  Condition: { date: 'onset-date', status: 'clinical-status', statuses: ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'] },
  AllergyIntolerance: { date: 'date', status: 'clinical-status', statuses: ['active', 'inactive', 'resolved'] },
  MedicationRequest: { date: 'authoredon', status: 'status', statuses: ['active', 'on-hold', 'cancelled', 'completed', 'stopped', 'draft', 'entered-in-error'] },
  MedicationStatement: { date: 'effective', status: 'status', statuses: ['active', 'completed', 'stopped', 'on-hold', 'intended', 'not-taken', 'entered-in-error'] },
  Immunization: { date: 'date', status: 'status', statuses: ['completed', 'not-done', 'entered-in-error'] },
  Procedure: { date: 'date', status: 'status', statuses: ['preparation', 'in-progress', 'not-done', 'on-hold', 'stopped', 'completed', 'entered-in-error'] },
  CarePlan: { date: 'date', status: 'status', statuses: ['draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error'] },
  Goal: { date: 'start-date', status: 'lifecycle-status', statuses: ['proposed', 'planned', 'accepted', 'active', 'on-hold', 'completed', 'cancelled', 'rejected'] },
  Device: { status: 'status', statuses: ['active', 'inactive', 'entered-in-error'] },
  DocumentReference: { date: 'date', status: 'status', statuses: ['current', 'superseded', 'entered-in-error'] },
  Claim: { date: 'created', status: 'status', statuses: ['active', 'cancelled', 'draft', 'entered-in-error'] },
  ExplanationOfBenefit: { date: 'created', status: 'status', statuses: ['active', 'cancelled', 'draft', 'entered-in-error'] },
  Observation: { date: 'date', status: 'status', statuses: ['registered', 'preliminary', 'final', 'amended', 'cancelled', 'entered-in-error'] },
  DiagnosticReport: { date: 'date', status: 'status', statuses: ['registered', 'partial', 'preliminary', 'final', 'amended', 'cancelled'] },
  Encounter: { date: 'date', status: 'status', statuses: ['planned', 'arrived', 'in-progress', 'finished', 'cancelled'] },
};

export const statusesOf = (type: string) => PARAMS[type]?.statuses ?? [];
export const hasDate = (type: string) => Boolean(PARAMS[type]?.date);

/** FHIR token/string values escape `\`, `,`, `$` and `|` (search.html#escaping). */
const escape = (value: string) => value.replace(/[\\,$|]/g, (c) => `\\${c}`);

/** The query string (without `?`) of the list's first page. */
export function listQuery(type: string, filters: ListFilters, count: number): string {
  const params = PARAMS[type];
  const parts: string[] = [`_count=${count}`];
  const date = params?.date;
  if (filters.text.trim()) parts.push(`_content=${encodeURIComponent(escape(filters.text.trim()))}`);
  if (filters.status && params?.status) parts.push(`${params.status}=${encodeURIComponent(filters.status)}`);
  const dateParam = date ?? '_lastUpdated';
  if (filters.from) parts.push(`${dateParam}=ge${encodeURIComponent(filters.from)}`);
  if (filters.to) parts.push(`${dateParam}=le${encodeURIComponent(filters.to)}`);
  if (filters.sort === 'updated' || !date) parts.push(`_sort=${filters.sort === 'oldest' ? '' : '-'}_lastUpdated`);
  else parts.push(`_sort=${filters.sort === 'oldest' ? '' : '-'}${date}`);
  return parts.join('&');
}

import { HearthError } from '../errors/hearth-error.ts';
import { dateOf, flagOf, labelOf, valueText } from './clinical-facts.ts';
import type { EncounterCursor, HealthRepository } from './health-repository.ts';
import type { TimelineItem, TimelineVisit, TimelinePage } from './health-types.ts';
export type { TimelineItem, TimelineVisit, TimelinePage };

type Json = Record<string, any>;

export const TIMELINE_DEFAULT_LIMIT = 30;
export const TIMELINE_MAX_LIMIT = 100;

/** Types a record attached to a visit can have (the filter's choices). */
export const ATTACHED_TYPES = ['Condition', 'Procedure', 'MedicationRequest', 'Observation', 'DiagnosticReport', 'DocumentReference', 'Immunization', 'AllergyIntolerance', 'CarePlan'] as const;

export interface TimelineQuery {
  cursor?: string;
  limit?: string;
  types?: string;
  from?: string;
  to?: string;
  source?: string;
}

// The cursor is opaque to clients: base64url of "start.rid" of the last visit shown (keyset paging).
export const encodeCursor = (cursor: EncounterCursor) => Buffer.from(`${cursor.start}.${cursor.rid}`).toString('base64url');

function decodeCursor(text: string): EncounterCursor {
  const match = /^(-?\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) throw new HearthError('invalid', 'cursor is not one this server gave');
  return { start: Number(match[1]), rid: Number(match[2]) };
}

/** A date bound (YYYY, YYYY-MM or YYYY-MM-DD) in ms since 1970 UTC: the start of it, or its end. */
function dateBound(name: string, text: string, end: boolean): number {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(text);
  if (!match) throw new HearthError('invalid', `${name} must be a date (YYYY, YYYY-MM or YYYY-MM-DD)`);
  const [year, month, day] = [Number(match[1]), match[2] ? Number(match[2]) - 1 : undefined, match[3] ? Number(match[3]) : undefined];
  if ((month !== undefined && month > 11) || (day !== undefined && (day < 1 || day > 31))) throw new HearthError('invalid', `${name} is not a valid date`);
  if (!end) return Date.UTC(year, month ?? 0, day ?? 1);
  if (day !== undefined) return Date.UTC(year, month!, day + 1) - 1;
  if (month !== undefined) return Date.UTC(year, month + 1, 1) - 1;
  return Date.UTC(year + 1, 0, 1) - 1;
}

function parseQuery(query: TimelineQuery) {
  const limit = query.limit === undefined ? TIMELINE_DEFAULT_LIMIT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > TIMELINE_MAX_LIMIT) throw new HearthError('invalid', `limit must be a whole number from 1 to ${TIMELINE_MAX_LIMIT}`);
  let types: string[] | undefined;
  if (query.types !== undefined && query.types !== '') {
    types = query.types.split(',');
    const unknown = types.filter((type) => !(ATTACHED_TYPES as readonly string[]).includes(type));
    if (unknown.length > 0) throw new HearthError('invalid', `types: unknown record type "${unknown[0]!.slice(0, 40)}"`);
  }
  if (query.source !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(query.source)) throw new HearthError('invalid', 'source is not a source id');
  return {
    limit,
    types,
    ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}),
    ...(query.from ? { from: dateBound('from', query.from, false) } : {}),
    ...(query.to ? { to: dateBound('to', query.to, true) } : {}),
    ...(query.source ? { sourceId: query.source } : {}),
  };
}

/** One page of visits, newest first, each with the records that refer to it. */
export function timelinePage(repository: HealthRepository, query: TimelineQuery, sourceLabel: (id: string) => string | undefined): TimelinePage {
  const parsed = parseQuery(query);
  // One more than asked tells whether there is a next page without a COUNT.
  const rows = repository.encounters({ ...parsed, limit: parsed.limit + 1 });
  const page = rows.slice(0, parsed.limit);
  const attached = repository.attachedTo(page.map((row) => row.id), parsed.types);
  const itemsOf = new Map<string, TimelineItem[]>();
  for (const row of attached) {
    const resource = JSON.parse(row.json) as Json;
    const date = dateOf(resource);
    const value = row.type === 'Observation' ? valueText(resource) : undefined;
    const flag = row.type === 'Observation' ? flagOf(resource) : undefined;
    const list = itemsOf.get(row.encounterId) ?? [];
    list.push({ type: row.type, id: row.id, label: labelOf(resource), ...(date ? { date } : {}), ...(value ? { value } : {}), ...(flag ? { flag } : {}) });
    itemsOf.set(row.encounterId, list);
  }
  const visits = page.map((row): TimelineVisit => {
    const resource = JSON.parse(row.json) as Json;
    const date = dateOf(resource);
    const kind = resource.class?.display ?? resource.class?.code;
    const where = resource.serviceProvider?.display;
    return {
      id: row.id,
      label: labelOf(resource),
      ...(date ? { date } : {}),
      ...(kind ? { kind } : {}),
      ...(where ? { where } : {}),
      ...(row.sourceId ? { sourceId: row.sourceId } : {}),
      items: itemsOf.get(row.id) ?? [],
    };
  });
  const last = page.at(-1);
  const next = rows.length > parsed.limit && last ? encodeCursor({ start: last.start!, rid: last.rid }) : null;
  if (parsed.before) return { visits, next };
  const sources = repository.sourcesOf('Encounter').map((id) => ({ id, label: sourceLabel(id) ?? 'Unknown source' }));
  return { visits, next, years: repository.encounterYears(), sources };
}

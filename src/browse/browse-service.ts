import type { Resource } from '@medplum/fhirtypes';
import { HearthError } from '../errors/hearth-error.ts';
import { dateRange } from '../fhir/search-index/index.ts';
import { checkType, currentOf } from '../fhir-api/read-service.ts';
import { auditWhat, type Caller, type PersonDoor } from '../fhir-api/person-door.ts';
import { readSearchRequest, searchQueryOf } from '../fhir-api/search-request.ts';
import { groupSameFacts, sameFact } from '../records/same-fact.ts';
import { searchVault } from '../search/index.ts';
import { textClause } from '../search/text-clause.ts';
import type { SourcesRepository } from '../sources/sources-repository.ts';
import { attachmentOf, type AttachmentBytes } from './attachments.ts';
import { binaryIdFor, findRows, sourceIdsOf } from './find-repository.ts';

export interface SourceLabel {
  id: string;
  kind: string;
  label: string;
}

export interface ListItem {
  resource: Resource;
  source: SourceLabel | null;
  /** Other records stating the same fact (records/same-fact.ts): shown once, "2 sources", both kept. */
  others: { resource: Resource; source: SourceLabel | null }[];
}

export interface ListPage {
  total: number;
  /** The FHIR search query of the next page, when there is one. */
  next: string | undefined;
  items: ListItem[];
}

export interface FindQuery {
  q?: string | undefined;
  types?: string[] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  code?: string | undefined;
  source?: string | undefined;
}

export interface FindGroup {
  type: string;
  total: number;
  resources: { resource: Resource; source: SourceLabel | null }[];
}

const PER_TYPE = 5;

/**
 * The search parameter carrying each type's entered-in-error status (R4 search parameters). Such
 * records stay in the vault (a provider sent them; history keeps them) but the lists hide them,
 * unless the query asks about that parameter itself.
 */
const ERROR_STATUS_PARAM: Record<string, string> = {
  Observation: 'status', DiagnosticReport: 'status', DocumentReference: 'status', Encounter: 'status', Immunization: 'status',
  MedicationRequest: 'status', MedicationStatement: 'status', Procedure: 'status', CarePlan: 'status', Goal: 'lifecycle-status',
  Condition: 'verification-status', AllergyIntolerance: 'verification-status',
};

export function hideEnteredInError(type: string, rawQuery: string): string {
  const param = ERROR_STATUS_PARAM[type];
  if (!param || [...new URLSearchParams(rawQuery).keys()].some((key) => key.split(':')[0] === param)) return rawQuery;
  return `${rawQuery}${rawQuery ? '&' : ''}${param}:not=entered-in-error`;
}

/** The token parameter holding each matched type's code (R4 search parameters). */
const CODE_PARAM: Record<string, string> = {
  Observation: 'code',
  Condition: 'code',
  MedicationRequest: 'code',
  MedicationStatement: 'code',
  Immunization: 'vaccine-code',
};

/** The codes of the record's main concept, whatever their system. */
function codesOf(resource: Resource): string[] {
  const concept =
    resource.resourceType === 'Immunization'
      ? resource.vaccineCode
      : resource.resourceType === 'MedicationRequest' || resource.resourceType === 'MedicationStatement'
        ? resource.medicationCodeableConcept
        : resource.resourceType === 'Observation' || resource.resourceType === 'Condition'
          ? resource.code
          : undefined;
  const codes = (concept?.coding ?? []).flatMap((coding) => (coding.code ? [coding.code.trim()] : []));
  // CVX codes are written with and without a leading zero ("08" and "8"): search both.
  return resource.resourceType === 'Immunization' ? codes.flatMap((code) => [code, code.replace(/^0+(?=\d)/, ''), code.padStart(2, '0')]) : codes;
}
const MAX_QUERY = 200;

/** The records browser's server side: grouped lists, the one search box, attachment bytes. Every call goes through the person door. */
export function browseService(door: PersonDoor, sources: SourcesRepository) {
  const labelOf = (sourceId: string | null | undefined): SourceLabel | null => {
    const source = sourceId ? sources.get(sourceId) : undefined;
    return source ? { id: source.id, kind: source.kind, label: source.label } : null;
  };

  return {
    /**
     * A page of a FHIR search with the records that state the same fact folded together. Matching
     * happens within the page (a page is sorted, so twins of the same day sit next to each other);
     * a twin on the next page shows there on its own.
     */
    list(caller: Caller, personId: string, type: string, rawQuery: string): ListPage {
      return door.enter(caller, personId, 'search', { action: 'search', what: auditWhat(type, [], rawQuery) }, (open) => {
        checkType(type);
        const request = readSearchRequest(type, hideEnteredInError(type, rawQuery), false);
        const result = searchVault(open.vault.db, searchQueryOf(type, request));
        const ids = sourceIdsOf(open.vault.db, type, result.resources.map((resource) => resource.id!));
        const withSource = (resource: Resource) => ({ resource, source: labelOf(ids.get(resource.id!)) });
        const items = groupSameFacts(result.resources).map((group) => ({ ...withSource(group.record), others: group.others.map(withSource) }));
        return { total: result.total, next: result.next, items };
      });
    },

    /** The one search box: full text over every type (FTS5) plus type, date, code and source filters, grouped by type. */
    find(caller: Caller, personId: string, query: FindQuery): { groups: FindGroup[] } {
      const q = query.q?.trim() ?? '';
      if (q.length > MAX_QUERY) throw new HearthError('invalid', `the search text is limited to ${MAX_QUERY} characters`);
      const types = query.types ?? [];
      for (const type of types) checkType(type);
      const from = query.from ? dateRange(query.from)?.[0] : undefined;
      const to = query.to ? dateRange(query.to)?.[1] : undefined;
      if ((query.from && from === undefined) || (query.to && to === undefined)) throw new HearthError('invalid', 'dates are written like 2024-03-01');
      if (q === '' && types.length === 0 && !query.code && !query.source && from === undefined && to === undefined) {
        throw new HearthError('invalid', 'type some words to search, or choose a filter');
      }
      const described = new URLSearchParams();
      for (const [key, value] of Object.entries({ q, type: types.join(','), from: query.from, to: query.to, code: query.code, source: query.source })) if (value) described.set(key, value);
      return door.enter(caller, personId, 'search', { action: 'search', what: auditWhat(undefined, [], `find?${described.toString()}`) }, (open) => {
        // The same FTS5 expression as FHIR `_content` (every word quoted, the last one a prefix).
        const match = q === '' ? undefined : (textClause({ key: '_content', code: '_content', modifier: undefined, values: [q.replaceAll('\\', '\\\\').replaceAll(',', '\\,').replaceAll('$', '\\$').replaceAll('|', '\\|')] }).set!.params[0] as string);
        const rows = findRows(open.vault.db, { match, types, from, to, code: query.code?.trim() || undefined, sourceId: query.source || undefined, perType: PER_TYPE });
        const groups = new Map<string, FindGroup>();
        for (const row of rows) {
          let group = groups.get(row.type);
          if (!group) groups.set(row.type, (group = { type: row.type, total: row.total, resources: [] }));
          group.resources.push({ resource: JSON.parse(row.json) as Resource, source: labelOf(row.sourceId) });
        }
        return { groups: [...groups.values()] };
      });
    },

    /**
     * The other records stating the same fact as this one (records/same-fact.ts), with their
     * sources: candidates are the records of the same type sharing one of its codes (any system;
     * the rule then checks system, day and value).
     */
    sameFacts(caller: Caller, personId: string, type: string, id: string): { records: { resource: Resource; source: SourceLabel | null }[] } {
      return door.enter(caller, personId, 'read', { action: 'read', what: auditWhat(type, [id], 'same-facts') }, (open) => {
        const record = currentOf(open, type, id);
        const param = CODE_PARAM[type];
        const codes = [...new Set(codesOf(record))].slice(0, 20);
        if (!param || codes.length === 0) return { records: [] };
        const escaped = codes.map((code) => encodeURIComponent(code.replace(/[\\,$|]/g, (c) => `\\${c}`))).join(',');
        const result = searchVault(open.vault.db, `${type}?${param}=${escaped}&_count=200`);
        const twins = result.resources.filter((candidate) => sameFact(record, candidate));
        const ids = sourceIdsOf(open.vault.db, type, twins.map((twin) => twin.id!));
        return { records: twins.map((resource) => ({ resource, source: labelOf(ids.get(resource.id!)) })) };
      });
    },

    /** The bytes of a record's attachment (or a Binary's), never fetched from elsewhere. */
    attachment(caller: Caller, personId: string, type: string, id: string, index: number): AttachmentBytes {
      return door.enter(caller, personId, 'read', { action: 'read', what: auditWhat(type, [id], `attachment=${index}`) }, (open) =>
        attachmentOf(currentOf(open, type, id), index, (binaryId) => currentOf(open, 'Binary', binaryIdFor(open.vault.db, type, id, binaryId))),
      );
    },
  };
}

export type BrowseService = ReturnType<typeof browseService>;

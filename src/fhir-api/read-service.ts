import type { Resource } from '@medplum/fhirtypes';
import { HearthError } from '../errors/hearth-error.ts';
import { INDEXED_RESOURCE_TYPES } from '../fhir/search-index/index.ts';
import type { HistoryEntry } from '../records/record-store.ts';
import { searchVault, type SearchResult } from '../search/index.ts';
import { DEFAULT_COUNT, MAX_COUNT } from '../search/index.ts';
import type { SourcesRepository } from '../sources/sources-repository.ts';
import { capabilityStatement } from './capability.ts';
import { everythingRepository } from './everything-repository.ts';
import { auditWhat, type Caller, type PersonDoor } from './person-door.ts';
import { readSearchRequest, searchQueryOf } from './search-request.ts';
import type { OpenVault } from './vault-cache.ts';

const RESOURCE_TYPES = new Set(INDEXED_RESOURCE_TYPES);
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * The one not-found of the FHIR API: a record that does not exist reads exactly like a person the
 * caller may not see (access/access.ts), so no answer tells the two apart.
 */
export const NOT_FOUND = 'no such person or record';
export const notFound = () => new HearthError('not-found', NOT_FOUND);

export function checkType(type: string): void {
  if (!RESOURCE_TYPES.has(type)) throw new HearthError('invalid', `unknown resource type "${type.slice(0, 64)}"`);
}

export function checkId(id: string): void {
  if (!FHIR_ID.test(id)) throw new HearthError('invalid', 'not a FHIR id ([A-Za-z0-9-.]{1,64})');
}

/** The current version of a record, or 410 for a deleted one, or the one not-found. */
export function currentOf(open: OpenVault, type: string, id: string): Resource {
  checkType(type);
  checkId(id);
  const resource = open.store.read(type, id);
  if (resource) return resource;
  if (open.store.latest(type, id)?.deleted) throw new HearthError('gone', `${type}/${id} was deleted`);
  throw notFound();
}

export interface SearchPage extends SearchResult {
  /** The parameters applied (lenient handling leaves some out), without `_count` / `_offset`. */
  segments: string[];
  ignored: string[];
}

export interface EverythingPage {
  entries: { resource: Resource; mode: 'match' | 'include' }[];
  total: number;
  count: number;
  offset: number;
}

/** Reads, history, search and $everything of one person's records, each behind the door and audited. */
export function readService(door: PersonDoor, sources: SourcesRepository) {
  return {
    capability: (caller: Caller, personId: string, baseUrl: string) =>
      door.enter(caller, personId, 'read', { action: 'read', what: auditWhat('CapabilityStatement') }, () => capabilityStatement(baseUrl)),

    read: (caller: Caller, personId: string, type: string, id: string) =>
      door.enter(caller, personId, 'read', { action: 'read', what: auditWhat(type, [id]) }, (open) => currentOf(open, type, id)),

    vread: (caller: Caller, personId: string, type: string, id: string, vid: string) =>
      door.enter(caller, personId, 'read', { action: 'read', what: auditWhat(type, [id], `_history=${/^\d{1,9}$/.test(vid) ? vid : 'invalid'}`) }, (open) => {
        checkType(type);
        checkId(id);
        if (!/^[1-9]\d{0,8}$/.test(vid)) throw notFound();
        try {
          return open.store.vread(type, id, Number(vid));
        } catch (error) {
          if (error instanceof HearthError && error.code === 'not-found') throw notFound();
          throw error;
        }
      }),

    history: (caller: Caller, personId: string, type: string, id: string): HistoryEntry[] =>
      door.enter(caller, personId, 'read', { action: 'read', what: auditWhat(type, [id], '_history') }, (open) => {
        checkType(type);
        checkId(id);
        const versions = open.store.history(type, id);
        if (versions.length === 0) throw notFound();
        return versions;
      }),

    search(caller: Caller, personId: string, type: string, rawQuery: string, lenient: boolean): SearchPage {
      return door.enter(caller, personId, 'search', { action: 'search', what: auditWhat(type, [], rawQuery) }, (open) => {
        checkType(type);
        const request = readSearchRequest(type, rawQuery, lenient);
        const result = searchVault(open.vault.db, searchQueryOf(type, request));
        return { ...result, segments: request.segments, ignored: request.ignored };
      });
    },

    /** R4 Patient/$everything with `_count` / `_offset` paging (the only parameters it takes here). */
    everything(caller: Caller, personId: string, patientId: string, count = DEFAULT_COUNT, offset = 0): EverythingPage {
      return door.enter(caller, personId, 'search', { action: 'search', what: auditWhat('Patient', [patientId], '$everything') }, (open) => {
        currentOf(open, 'Patient', patientId);
        const repository = everythingRepository(open.vault.db);
        const rows = repository.rows(patientId);
        const page = rows.slice(offset, offset + Math.min(count, MAX_COUNT));
        const json = repository.json(page.map((row) => row.rid));
        const entries = page.flatMap((row) => {
          const text = json.get(row.rid);
          return text === undefined ? [] : [{ resource: JSON.parse(text) as Resource, mode: row.mode }];
        });
        return { entries, total: rows.length, count: Math.min(count, MAX_COUNT), offset };
      });
    },

    /** `{ total, counts: { Type: n } }` for the web app's overview. */
    summary: (caller: Caller, personId: string) =>
      door.enter(caller, personId, 'read', { action: 'read', what: auditWhat(undefined, [], 'summary=counts') }, (open) => {
        const counts: Record<string, number> = {};
        let total = 0;
        for (const { type, count } of open.store.counts()) {
          counts[type] = count;
          total += count;
        }
        return { total, counts };
      }),

    /** Every version of a record with where it came from (resource_versions provenance columns), oldest first. */
    provenance: (caller: Caller, personId: string, type: string, id: string) =>
      door.enter(caller, personId, 'read', { action: 'read', what: auditWhat(type, [id], 'provenance') }, (open) => {
        checkType(type);
        checkId(id);
        const versions = open.store.history(type, id);
        if (versions.length === 0) throw notFound();
        return {
          versions: versions
            .map((version) => {
              const source = version.sourceId === null ? undefined : sources.get(version.sourceId);
              return {
                versionId: String(version.versionId),
                lastUpdated: version.lastUpdated,
                source: source ? { id: source.id, kind: source.kind, label: source.label } : null,
                importId: version.importId,
                origin: version.origin,
                deleted: version.deleted,
              };
            })
            .sort((a, b) => Number(a.versionId) - Number(b.versionId)),
        };
      }),
  };
}

export type ReadService = ReturnType<typeof readService>;

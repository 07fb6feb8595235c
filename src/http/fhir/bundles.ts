import type { Bundle, BundleEntry, BundleLink, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { EverythingPage, SearchPage } from '../../fhir-api/read-service.ts';
import { pageQuery } from '../../fhir-api/search-request.ts';
import type { HistoryEntry } from '../../records/record-store.ts';
import { etagOf } from './fhir-reply.ts';

const fullUrl = (base: string, resource: Resource) => `${base}/${resource.resourceType}/${resource.id}`;

/** self / next / previous links of a paged answer (R4 http.html#paging); `path` is the page URL without its query. */
function pageLinks(path: string, segments: readonly string[], total: number, count: number, offset: number): BundleLink[] {
  const link = (relation: string, at: number): BundleLink => ({ relation, url: `${path}?${pageQuery(segments, count, at)}` });
  const links = [link('self', offset)];
  if (count > 0 && offset + count < total) links.push(link('next', offset + count));
  if (count > 0 && offset > 0) links.push(link('previous', Math.max(0, offset - count)));
  return links;
}

/** A `searchset` Bundle: matches then `_include` / `_revinclude` additions, with working page links. */
export function searchBundle(base: string, type: string, page: SearchPage): Bundle {
  const entry: BundleEntry[] = [
    ...page.resources.map((resource) => ({ fullUrl: fullUrl(base, resource), resource, search: { mode: 'match' as const } })),
    ...page.included.map((resource) => ({ fullUrl: fullUrl(base, resource), resource, search: { mode: 'include' as const } })),
  ];
  if (page.ignored.length > 0) {
    // search.html#errors: under lenient handling, say which parameters were not applied.
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: page.ignored.map((name) => ({ severity: 'warning', code: 'not-supported', diagnostics: `search parameter "${name.slice(0, 80)}" was ignored` })),
    };
    entry.push({ resource: outcome, search: { mode: 'outcome' } });
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: page.total,
    link: pageLinks(`${base}/${type}`, page.segments, page.total, page.count, page.offset),
    entry,
  };
}

/** Patient/$everything as a paged `searchset` Bundle. */
export function everythingBundle(base: string, patientId: string, page: EverythingPage): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: page.total,
    link: pageLinks(`${base}/Patient/${patientId}/$everything`, [], page.total, page.count, page.offset),
    entry: page.entries.map(({ resource, mode }) => ({ fullUrl: fullUrl(base, resource), resource, search: { mode } })),
  };
}

/** A `history` Bundle of one record, newest first (R4 http.html#history); a deletion has no resource. */
export function historyBundle(base: string, type: string, id: string, versions: readonly HistoryEntry[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'history',
    total: versions.length,
    link: [{ relation: 'self', url: `${base}/${type}/${id}/_history` }],
    entry: versions.map((version) => ({
      fullUrl: `${base}/${type}/${id}`,
      ...(version.resource ? { resource: version.resource } : {}),
      request: { method: version.deleted ? 'DELETE' : version.versionId === 1 ? 'POST' : 'PUT', url: version.versionId === 1 && !version.deleted ? type : `${type}/${id}` },
      response: {
        status: version.deleted ? '204' : version.versionId === 1 ? '201' : '200',
        etag: etagOf(version.versionId),
        lastModified: version.lastUpdated,
      },
    })),
  };
}

import { randomBytes } from 'node:crypto';
import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import type { ProviderBehaviours } from './behaviours.ts';

/**
 * Search result paging the two ways real servers do it (FHIR R4 http.html#paging: next links are
 * opaque to the client):
 *  - 'cursor': `<base>/<Type>?_cursor=<opaque>`, a fresh random token per page (Epic/Cerner-like);
 *  - 'session': `<base>?_getpages=<session>&_getpagesoffset=N&_count=N&_bundletype=searchset` (HAPI).
 * A stored search remembers whose compartment it ran in: a next link followed with another
 * patient's token is refused like any unknown link.
 */

export interface StoredSearch {
  patientId: string;
  /** 'Observation', … or '$everything'. */
  target: string;
  /** The client's parameters, paging ones removed. */
  query: URLSearchParams;
  count: number;
  /** The URL of the first page, as the client asked for it (brokenNextLink 'loop' points back here). */
  firstUrl: string;
  /** Set once the search is stored for 'session' paging. */
  sessionId?: string;
  /**
   * Every result of the search in order, taken when its first page is answered (fhir-api.ts
   * searchAll); later pages are slices of it.
   */
  snapshot?: Resource[];
}

export interface PageRequest {
  search: StoredSearch;
  offset: number;
}

const MAX_STORED = 10_000;
/**
 * Searches whose snapshot is kept: a long-running provider (`npm run provider`) must not hold the
 * results of every search ever started. An evicted search's later pages re-run it (as before).
 */
const MAX_SNAPSHOTS = 64;

export class SearchPages {
  private readonly cursors = new Map<string, PageRequest>();
  private readonly sessions = new Map<string, StoredSearch>();
  private readonly snapshots = new Set<StoredSearch>();

  /** The search's result set, taken once by `compute` and kept for its later pages (bounded, see MAX_SNAPSHOTS). */
  async snapshot(search: StoredSearch, compute: () => Promise<Resource[]>): Promise<Resource[]> {
    let kept = search.snapshot;
    if (kept === undefined) {
      kept = await compute();
      search.snapshot = kept;
      this.snapshots.add(search);
      if (this.snapshots.size > MAX_SNAPSHOTS) {
        const oldest = this.snapshots.values().next().value as StoredSearch;
        this.snapshots.delete(oldest);
        delete oldest.snapshot;
      }
    }
    return kept;
  }

  private remember<T>(map: Map<string, T>, key: string, value: T): void {
    if (map.size >= MAX_STORED) map.delete(map.keys().next().value as string);
    map.set(key, value);
  }

  cursor(token: string): PageRequest | undefined {
    return this.cursors.get(token);
  }

  session(id: string, offset: number): PageRequest | undefined {
    const search = this.sessions.get(id);
    return search ? { search, offset } : undefined;
  }

  /** The next link for a page that ends at `nextOffset`, shaped by the paging behaviours. */
  nextLink(fhirBaseUrl: string, page: PageRequest, nextOffset: number, behaviours: ProviderBehaviours): string {
    const broken = page.offset > 0 ? behaviours.brokenNextLink : false;
    if (broken === 'loop') return page.search.firstUrl;
    if (behaviours.paging === 'session') {
      let id = broken === 'notFound' ? `gone${randomBytes(8).toString('hex')}` : page.search.sessionId;
      if (!id) {
        id = randomBytes(12).toString('hex');
        page.search.sessionId = id;
        this.remember(this.sessions, id, page.search);
      }
      const params = new URLSearchParams({ _getpages: id, _getpagesoffset: String(nextOffset), _count: String(page.search.count), _bundletype: 'searchset' });
      return `${fhirBaseUrl}?${params}`;
    }
    const token = randomBytes(18).toString('base64url');
    if (broken !== 'notFound') this.remember(this.cursors, token, { search: page.search, offset: nextOffset });
    const path = page.search.target === '$everything' ? `Patient/${page.search.patientId}/$everything` : page.search.target;
    return `${fhirBaseUrl}/${path}?_cursor=${token}`;
  }
}

export function searchBundle(entries: BundleEntry[], total: number, links: BundleLink[]): Bundle {
  // meta.lastUpdated: the server's time of the search, which a client may keep for `_lastUpdated=gt`.
  return { resourceType: 'Bundle', meta: { lastUpdated: new Date().toISOString() }, type: 'searchset', total, link: links, entry: entries.length > 0 ? entries : undefined };
}

export function matchEntry(fhirBaseUrl: string, resource: Resource): BundleEntry {
  return { fullUrl: `${fhirBaseUrl}/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } };
}

export function outcomeEntry(): BundleEntry {
  return {
    resource: {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'warning', code: 'informational', diagnostics: 'Some results may be withheld by local policy' }],
    },
    search: { mode: 'outcome' },
  };
}

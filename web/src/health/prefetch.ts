// A health page's data, asked for the moment the app boots on the page's address: alongside the
// session check and the page's code, instead of after both (the page itself would ask only once
// mounted, two round trips and a chunk later). Each answer is used once, by the page's first mount,
// and only while fresh; anything else asks the server again, so nothing is served from a stale copy.
import { api, get, seg } from '../api.ts';
import { match } from '../router.tsx';

/** The first timeline page the timeline asks for (no filters). */
export const TIMELINE_PAGE = 40;
/** The newest results of a lab test the lab page asks for first (the server's LAB_FIRST_RESULTS); the rest on request. */
export const LAB_FIRST = 200;
/** The most results of one test the server answers with (its LAB_RESULTS_LIMIT). */
export const LAB_MOST = 2000;

export const healthApi = {
  dashboard: (pid: string) => `/api/people/${seg(pid)}/dashboard`,
  labs: (pid: string) => `/api/people/${seg(pid)}/labs`,
  labTest: (pid: string, loinc: string, limit?: number) => `/api/people/${seg(pid)}/labs/${seg(loinc)}${limit ? `?limit=${limit}` : ''}`,
  timeline: (pid: string, query: URLSearchParams) => `/api/people/${seg(pid)}/timeline?${query.toString()}`,
  firstTimelinePage: (pid: string) => healthApi.timeline(pid, new URLSearchParams({ limit: String(TIMELINE_PAGE) })),
};

/** How long a prefetched answer may wait for its page (a slow chunk or session check, not a later visit). */
const FRESH_MS = 15_000;
const waiting = new Map<string, { promise: Promise<unknown>; at: number }>();

/** The data requests of the health page at `path`, if it is one: [API path]. */
function requestsOf(path: string): string[] {
  let params;
  if ((params = match('/people/:pid/dashboard', path))) return [healthApi.dashboard(params.pid)];
  if ((params = match('/people/:pid/timeline', path))) return [healthApi.firstTimelinePage(params.pid)];
  if ((params = match('/people/:pid/labs', path))) return [healthApi.labs(params.pid)];
  if ((params = match('/people/:pid/labs/:id', path))) return [healthApi.labs(params.pid), healthApi.labTest(params.pid, params.id, LAB_FIRST)];
  return [];
}

/** Starts the requests of the health page at `path` (called once, at boot). */
export function prefetchHealthData(path: string): void {
  for (const url of requestsOf(path)) {
    // Quiet: the session is not known yet; a 401 here is no ended session (the page asks again).
    const promise = api<unknown>('GET', url, { quietUnauthenticated: true });
    promise.catch(() => undefined); // consumed (or dropped) later; never an unhandled rejection
    waiting.set(url, { promise, at: Date.now() });
  }
}

/** GET `url`: the prefetched answer when there is a fresh one, else a new request. */
export function getHealth<T>(url: string): Promise<T> {
  const entry = waiting.get(url);
  waiting.delete(url);
  if (!entry || Date.now() - entry.at > FRESH_MS) return get<T>(url);
  // A failed prefetch (signed out then, a network blip) is asked again with the usual handling.
  return (entry.promise as Promise<T>).catch(() => get<T>(url));
}

import { HearthError } from '../errors/hearth-error.ts';
import type { ProviderSession } from '../smart/provider-session.ts';
import { hostLimiter, type HostLimiter } from './host-limiter.ts';

/** fetch-shaped, like outbound/outbound-client.ts `OutboundFetch` (the guarded client is passed in production). */
export type FetchLike = (url: string | URL, init?: { method?: string; headers?: Record<string, string>; signal?: AbortSignal }) => Promise<Response>;

/** What sync needs of a provider connection: smart's session (tokens, single-flight refresh). */
export type SyncSession = ProviderSession;

/** A request that failed for good: only the status and an OperationOutcome issue code are kept (PHI-free). */
export class FhirHttpError extends HearthError {
  readonly httpStatus: number;
  readonly outcomeCode: string | undefined;
  constructor(httpStatus: number, outcomeCode?: string) {
    super('internal', httpStatus === 0 ? 'the provider could not be reached' : `the provider answered HTTP ${httpStatus}`);
    this.httpStatus = httpStatus;
    this.outcomeCode = outcomeCode;
  }
}

export interface FhirClientOptions {
  fetch: FetchLike;
  session: SyncSession;
  limiter?: HostLimiter;
  /** Attempts per request, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this is cut to it (a server asking for an hour would stall the job). */
  retryAfterCapMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Called inside the refresh transaction of a rotated token (see SyncSession.accessToken). */
  checkpoint?: () => void;
}

const RETRY_AFTER_STATUSES = new Set([429, 503]);

/** Retry-After: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

const isNetworkFailure = (error: unknown): boolean => {
  // The guarded client refuses by policy: never retried, it would refuse again.
  if ((error as { code?: unknown })?.code === 'outbound_refused') return false;
  const name = (error as { name?: unknown })?.name;
  return error instanceof TypeError || name === 'AbortError' || name === 'TimeoutError' || name === 'FetchError';
};

async function outcomeCodeOf(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { resourceType?: string; issue?: { code?: unknown }[] };
    const code = body?.resourceType === 'OperationOutcome' ? body.issue?.[0]?.code : undefined;
    return typeof code === 'string' && /^[a-z-]{1,40}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * GETs FHIR JSON from a provider (R4 http.html): Bearer token, `Accept: application/fhir+json`.
 * 429/503 wait for Retry-After (capped) or back off; other 5xx and network failures back off with
 * full jitter; a 401 forces one token refresh (SMART App Launch 2.x "Refresh"), and a second 401 ends
 * the request. Other 4xx fail at once. Requests to one origin share a small semaphore.
 */
export function fhirClient(options: FhirClientOptions) {
  const limiter = options.limiter ?? hostLimiter();
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const retryAfterCapMs = options.retryAfterCapMs ?? 120_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const { session } = options;

  async function getJson(url: string, signal?: AbortSignal): Promise<unknown> {
    const origin = new URL(url).origin;
    let token = await session.accessToken(options.checkpoint);
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await limiter.run(origin, () =>
          options.fetch(url, { method: 'GET', headers: { Authorization: `Bearer ${token}`, Accept: 'application/fhir+json' }, ...(signal ? { signal } : {}) }),
        );
      } catch (error) {
        if (!isNetworkFailure(error) || signal?.aborted) throw error;
        if (attempt + 1 >= maxAttempts) throw new FhirHttpError(0);
        await sleep(backoffMs(attempt, baseDelayMs, maxDelayMs, random));
        continue;
      }
      if (response.ok) {
        try {
          return await response.json();
        } catch {
          throw new FhirHttpError(response.status, 'invalid-json');
        }
      }
      if (response.status === 401 && !refreshed) {
        await response.body?.cancel();
        refreshed = true;
        attempt--; // the refresh is not a failed attempt
        // Throws HearthError 'reconnect_needed' when the provider refuses the refresh.
        token = await session.refreshAfterUnauthorized(options.checkpoint);
        continue;
      }
      const retryable = RETRY_AFTER_STATUSES.has(response.status) || response.status >= 500;
      if (!retryable || attempt + 1 >= maxAttempts) throw new FhirHttpError(response.status, await outcomeCodeOf(response));
      const asked = RETRY_AFTER_STATUSES.has(response.status) ? retryAfterMs(response.headers.get('retry-after'), now()) : undefined;
      await response.body?.cancel();
      await sleep(asked !== undefined ? Math.min(asked, retryAfterCapMs) : backoffMs(attempt, baseDelayMs, maxDelayMs, random));
    }
  }

  return { getJson };
}

export type FhirClient = ReturnType<typeof fhirClient>;

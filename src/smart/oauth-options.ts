import * as oauth from 'oauth4webapi';
import { isAllowedInsecure } from './discovery.ts';
import type { OutboundFetch } from './outbound-types.ts';

/**
 * An OAuth answer is small: 30 s for the whole exchange, body included (the outbound client lets a
 * large body take longer while it keeps arriving). provider-session.ts's crash marker relies on it.
 */
export const OAUTH_TIMEOUT_MS = 30_000;

/**
 * oauth4webapi's request options: every request through the outbound client (its `customFetch`),
 * and plain http only where the owner allowlisted that origin (oauth4webapi refuses http otherwise).
 */
export function oauthRequestOptions(fetch: OutboundFetch, url: string, allowlist: readonly string[] = []) {
  const customFetch = (input: string | URL | Request, init?: RequestInit) =>
    fetch(typeof input === 'string' || input instanceof URL ? input : input.url, {
      ...(init?.method ? { method: init.method } : {}),
      // oauth4webapi hands a Headers object; the outbound client takes a plain record.
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      ...(typeof init?.body === 'string' || init?.body instanceof URLSearchParams ? { body: init.body } : {}),
      ...(init?.signal ? { signal: init.signal } : {}),
      // oauth4webapi asks 'manual': OAuth endpoints are not to be redirected.
      ...(init?.redirect === 'manual' ? { redirect: 'manual' as const } : {}),
    });
  const insecure = new URL(url).protocol === 'http:' && isAllowedInsecure(url, allowlist);
  return {
    signal: AbortSignal.timeout(OAUTH_TIMEOUT_MS),
    [oauth.customFetch]: customFetch as unknown as typeof globalThis.fetch,
    ...(insecure ? { [oauth.allowInsecureRequests]: true } : {}),
  };
}

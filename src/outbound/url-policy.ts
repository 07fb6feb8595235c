import { isIP } from 'node:net';
import type { Allowlist } from './allowlist.ts';

/**
 * The URL half of the SSRF guard (SECURITY.md "Outbound requests … (SSRF)"), applied to the first
 * URL and to every redirect hop before anything is resolved or connected.
 *
 * Parsing is the WHATWG URL parser's (Node's `URL`), the same one fetch uses, so what is checked is
 * what would be fetched. It canonicalises the legacy IPv4 spellings (`2130706433`, `0x7f000001`,
 * `0177.0.0.1`, `127.1` → `127.0.0.1`, WHATWG URL §4.4 "IPv4 parser") and rejects IPv6 zone ids, so
 * the address checks that follow see one spelling per address.
 */

/** Ports a server that is not on the owner's allowlist may use: https's and its common alternative. */
export const ALLOWED_PORTS: readonly number[] = [443, 8443];

export interface CheckedUrl {
  url: URL;
  /** The host without IPv6 brackets: a name to resolve, or an IP literal. */
  host: string;
  /** The host is an IP literal (no DNS lookup). */
  literal: boolean;
  /** The exact origin is on the owner's allowlist: http, its port and any address are allowed. */
  allowlistedOrigin: boolean;
}

export class UrlRefused extends Error {
  readonly host: string | undefined;
  constructor(reason: string, host?: string) {
    super(reason);
    this.host = host;
  }
}

export function checkUrl(input: string | URL, allowlist: Allowlist): CheckedUrl {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw new UrlRefused('not a valid URL');
  }
  const hostname = url.hostname;
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UrlRefused(`scheme ${url.protocol} is not allowed`, host || undefined);
  const allowlistedOrigin = allowlist.origins.has(url.origin);
  if (url.protocol === 'http:' && !allowlistedOrigin) throw new UrlRefused('plain http is only allowed for an allowlisted origin', host);
  // Credentials in a URL would be sent to whoever the host turns out to be, and they end up in logs.
  if (url.username !== '' || url.password !== '') throw new UrlRefused('user information in the URL is not allowed', host);
  if (host === '') throw new UrlRefused('empty host');
  // A trailing dot makes a name absolute (`localhost.`), slipping past suffix comparisons and search
  // domains alike; no FHIR endpoint needs one.
  if (host.endsWith('.')) throw new UrlRefused('a host name ending in a dot is not allowed', host);
  // RFC 6761 §6.3: localhost and every name under it are loopback, whatever DNS says.
  const lower = host.toLowerCase();
  if (lower === 'localhost' || lower.endsWith('.localhost')) throw new UrlRefused('localhost is not allowed', host);
  if (host.includes('%')) throw new UrlRefused('a zone id is not allowed', host);
  if (!allowlistedOrigin) {
    const port = url.port === '' ? 443 : Number(url.port);
    if (!ALLOWED_PORTS.includes(port)) throw new UrlRefused(`port ${port} is not allowed`, host);
  }
  return { url, host, literal: isIP(host) !== 0, allowlistedOrigin };
}

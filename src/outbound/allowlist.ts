import ipaddr from 'ipaddr.js';
import { HearthError } from '../errors/hearth-error.ts';

/**
 * The instance owner's explicit exceptions to the SSRF guard (SECURITY.md "Outbound requests"):
 * - an exact origin (`http://127.0.0.1:8085`, `https://fhir.clinic.lan:9443`) may use http, any port
 *   and any address its name resolves to — the owner vouches for that one server;
 * - a CIDR (`192.168.0.0/16`, `fd00::/8`) lets https requests (on the usual ports) reach addresses in
 *   that range that would otherwise be refused as not public.
 */
export interface Allowlist {
  /** Serialised origins (`URL.origin`), compared as strings. */
  origins: ReadonlySet<string>;
  cidrs: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][];
}

export const EMPTY_ALLOWLIST: Allowlist = { origins: new Set(), cidrs: [] };

/** One entry, checked; the error names the entry and what it should look like. */
function parseEntry(entry: string): { origin: string } | { cidr: [ipaddr.IPv4 | ipaddr.IPv6, number] } {
  const text = entry.trim();
  const bad = (why: string) => new HearthError('invalid', `outbound allowlist entry ${JSON.stringify(entry)}: ${why}`);
  if (text.includes('/') && !text.includes('://')) {
    let cidr: [ipaddr.IPv4 | ipaddr.IPv6, number];
    try {
      const [address, bits] = ipaddr.parseCIDR(text);
      // Compare mapped IPv6 ranges as the IPv4 they mean, like the addresses they are matched to.
      cidr = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96 ? [(address as ipaddr.IPv6).toIPv4Address(), bits - 96] : [address, bits];
    } catch {
      throw bad('not a CIDR range (like 192.168.0.0/16 or fd00::/8)');
    }
    // A range wider than a LAN (0.0.0.0/0, ::/0, …) would switch the SSRF guard off altogether,
    // cloud metadata addresses included: refused as a mistake rather than obeyed.
    if (cidr[1] < 8) throw bad('a range this wide would turn the outbound guard off; name the LAN range (at most /8)');
    return { cidr };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('must be an http(s) origin (like http://127.0.0.1:8085) or a CIDR range (like 192.168.0.0/16)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('an origin must start with http:// or https://');
  if (url.username !== '' || url.password !== '') throw bad('an origin has no user name or password');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') throw bad('an origin has no path, query or fragment');
  if (url.hostname === '' || url.hostname.endsWith('.')) throw bad('an origin needs a host name without a trailing dot');
  return { origin: url.origin };
}

/** Parses the configured entries; a bad one stops start-up with a clear message (nothing is half-applied). */
export function parseAllowlist(entries: readonly string[]): Allowlist {
  const origins = new Set<string>();
  const cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string') throw new HearthError('invalid', 'outbound allowlist entries must be strings');
    const parsed = parseEntry(entry);
    if ('origin' in parsed) origins.add(parsed.origin);
    else cidrs.push(parsed.cidr);
  }
  return { origins, cidrs };
}

/** Whether a (normalised: IPv4-mapped IPv6 already turned into IPv4) address lies in an allowlisted range. */
export function inAllowlistedRange(address: ipaddr.IPv4 | ipaddr.IPv6, allowlist: Allowlist): boolean {
  return allowlist.cidrs.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
}

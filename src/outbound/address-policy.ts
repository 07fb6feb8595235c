import ipaddr from 'ipaddr.js';
import { type Allowlist, inAllowlistedRange } from './allowlist.ts';

/**
 * Which IP addresses Hearth may connect to on a user's behalf (SECURITY.md "Outbound requests …
 * (SSRF)"). Only global unicast: a URL typed into Hearth must not reach the instance itself, the
 * LAN, the cloud metadata service (169.254.169.254, fd00:ec2::254) or anything else not meant to be
 * reached from the internet. Ranges come from ipaddr.js, which follows the IANA special-purpose
 * registries (RFC 6890): loopback, RFC 1918 private, link-local, CGNAT (RFC 6598), 0/8, multicast,
 * broadcast, reserved and documentation (RFC 5737, RFC 3849), ULA (RFC 4193), …
 */

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Why an address is refused (for the error's cause, never shown to users), or null when allowed. */
export function refusedAddressReason(text: string, allowlist: Allowlist): string | null {
  let address: Address;
  try {
    // Zone ids (`fe80::1%eth0`) are refused: they only name link-local interfaces.
    if (text.includes('%')) return 'a scoped (zone id) address';
    address = ipaddr.parse(canonical(text));
  } catch {
    return 'not an IP address';
  }
  return refusedReason(address, allowlist);
}

function refusedReason(original: Address, allowlist: Allowlist): string | null {
  // `::ffff:127.0.0.1` is 127.0.0.1 on a dual-stack socket: judge (and allowlist) it as IPv4.
  const address = original.kind() === 'ipv6' && (original as ipaddr.IPv6).isIPv4MappedAddress() ? (original as ipaddr.IPv6).toIPv4Address() : original;
  if (inAllowlistedRange(address, allowlist)) return null;
  if (address.kind() === 'ipv4') {
    const range = (address as ipaddr.IPv4).range();
    return range === 'unicast' ? null : `IPv4 ${range}`;
  }
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  switch (range) {
    // Translation prefixes carry an IPv4 address in their last 32 bits: NAT64 (RFC 6052
    // 64:ff9b::/96 and RFC 8215 64:ff9b:1::/48) reaches exactly that IPv4 address, so judge it.
    case 'rfc6052':
    case 'rfc6145':
      return refusedReason(embeddedIPv4(v6, 12), allowlist) === null ? null : `IPv6 ${range} embedding a refused IPv4 address`;
    // 6to4 (RFC 3056): 2002:AABB:CCDD::/48 is routed through the relay to IPv4 AA.BB.CC.DD.
    case '6to4':
      return refusedReason(embeddedIPv4(v6, 2), allowlist) === null ? null : 'IPv6 6to4 embedding a refused IPv4 address';
    // Teredo (RFC 4380) tunnels to an obfuscated IPv4 address and port: no legitimate FHIR server
    // needs it, so it is refused outright rather than decoded.
    case 'teredo':
      return 'IPv6 teredo';
    case 'unicast':
      break;
    default:
      return `IPv6 ${range}`;
  }
  // What ipaddr.js calls 'unicast' is merely "no special range": only 2000::/3 is allocated as
  // global unicast (RFC 4291 §2.4); `::a.b.c.d` (deprecated IPv4-compatible) and the rest are not.
  return v6.match(ipaddr.IPv6.parse('2000::'), 3) ? null : 'IPv6 outside global unicast 2000::/3';
}

/**
 * IPv6 text in the WHATWG serialisation (RFC 5952 style, no dotted quad). ipaddr.js reads any
 * `::a.b.c.d` as IPv4-mapped `::ffff:a.b.c.d`, which would pass the deprecated IPv4-compatible
 * `::8.8.8.8` off as the public 8.8.8.8; the URL serialiser keeps it as `::808:808`.
 */
function canonical(text: string): string {
  if (!text.includes(':')) return text;
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/** The IPv4 address held in bytes [offset, offset+4) of an IPv6 address. */
function embeddedIPv4(address: ipaddr.IPv6, offset: number): ipaddr.IPv4 {
  const bytes = address.toByteArray().slice(offset, offset + 4);
  return new ipaddr.IPv4(bytes);
}

import { describe, expect, it } from 'vitest';
import { refusedAddressReason } from './address-policy.ts';
import { EMPTY_ALLOWLIST, parseAllowlist } from './allowlist.ts';
import { UrlRefused, checkUrl } from './url-policy.ts';

describe('address policy', () => {
  it.each([
    ['8.8.8.8'],
    ['93.184.215.14'],
    ['2606:4700::1111'],
    ['::ffff:8.8.8.8'], // IPv4-mapped public: judged as the IPv4 it is
    ['64:ff9b::808:808'], // NAT64 of a public address (DNS64 networks)
    ['2002:808:808::1'], // 6to4 of a public address
  ])('allows the global unicast address %s', (address) => {
    expect(refusedAddressReason(address, EMPTY_ALLOWLIST)).toBeNull();
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'], // TEST-NET-1 (RFC 5737)
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['198.18.0.1', 'reserved'], // benchmarking (RFC 2544)
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'uniqueLocal'], // AWS metadata over IPv6
    ['fe80::1', 'linkLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['64:ff9b::a9fe:a9fe', 'rfc6052'],
    ['64:ff9b:1::a00:1', 'rfc6052'],
    ['2002:7f00:1::', '6to4'],
    ['2002:c0a8:101::1', '6to4'],
    ['2001::1', 'teredo'],
    ['2001:db8::1', 'reserved'], // documentation (RFC 3849)
    ['::127.0.0.1', 'global unicast'], // deprecated IPv4-compatible
    ['::8.8.8.8', 'global unicast'], // …even around a public IPv4 address
    ['4000::1', 'global unicast'],
    ['fe80::1%eth0', 'zone id'],
    ['not-an-address', 'not an IP'],
  ])('refuses %s (%s)', (address, why) => {
    expect(refusedAddressReason(address, EMPTY_ALLOWLIST)).toContain(why);
  });

  it('refuses ranges so wide they would switch the guard off', () => {
    for (const entry of ['0.0.0.0/0', '::/0', '128.0.0.0/1', '::ffff:0.0.0.0/96', '2000::/3']) {
      expect(() => parseAllowlist([entry]), entry).toThrow(/turn the outbound guard off/);
    }
    expect(() => parseAllowlist(['10.0.0.0/8', 'fd00::/8'])).not.toThrow();
  });

  it('lets an allowlisted CIDR reach a LAN or loopback address, and nothing beyond it', () => {
    const allowlist = parseAllowlist(['192.168.0.0/16', 'fd12:3456::/32', '::ffff:10.1.0.0/112']);
    expect(refusedAddressReason('192.168.1.5', allowlist)).toBeNull();
    expect(refusedAddressReason('::ffff:192.168.1.5', allowlist)).toBeNull();
    expect(refusedAddressReason('fd12:3456::9', allowlist)).toBeNull();
    expect(refusedAddressReason('10.1.0.7', allowlist)).toBeNull();
    expect(refusedAddressReason('10.2.0.7', allowlist)).not.toBeNull();
    expect(refusedAddressReason('192.169.0.1', allowlist)).toBeNull(); // public anyway
    expect(refusedAddressReason('127.0.0.1', allowlist)).not.toBeNull();
    expect(refusedAddressReason('fd12:3457::1', allowlist)).not.toBeNull();
  });
});

describe('allowlist entries', () => {
  it('takes origins (normalised) and CIDRs', () => {
    const allowlist = parseAllowlist(['http://127.0.0.1:8085', 'HTTPS://FHIR.Clinic.lan:443/', ' 10.0.0.0/8 ']);
    expect([...allowlist.origins]).toEqual(['http://127.0.0.1:8085', 'https://fhir.clinic.lan']);
    expect(allowlist.cidrs.map(([address, bits]) => `${address.toString()}/${bits}`)).toEqual(['10.0.0.0/8']);
  });

  it.each([
    ['ftp://files.example', /http:\/\/ or https:\/\//],
    ['http://127.0.0.1:8085/fhir', /no path/],
    ['http://user@127.0.0.1:8085', /no user name/],
    ['https://fhir.example.', /trailing dot/],
    ['10.0.0.0/33', /not a CIDR/],
    ['10.0.0.1', /origin .* or a CIDR/],
    ['fhir.example.org', /origin .* or a CIDR/],
  ])('refuses %s with a clear message', (entry, message) => {
    expect(() => parseAllowlist([entry])).toThrow(message);
    expect(() => parseAllowlist([entry])).toThrow(entry);
  });
});

describe('URL policy', () => {
  // The guard relies on WHATWG URL turning legacy IPv4 spellings into the dotted quad before the
  // address check; if a Node upgrade changed that, the address check would see a name instead.
  it.each(['https://2130706433/', 'https://0x7f000001/', 'https://0177.0.0.1/', 'https://127.1/', 'https://0x7f.1/'])(
    'sees %s as the literal 127.0.0.1',
    (url) => {
      expect(checkUrl(url, EMPTY_ALLOWLIST)).toMatchObject({ host: '127.0.0.1', literal: true });
    },
  );

  it('unwraps IPv6 literals and rejects zone ids at parse time', () => {
    expect(checkUrl('https://[::ffff:127.0.0.1]/', EMPTY_ALLOWLIST)).toMatchObject({ host: '::ffff:7f00:1', literal: true });
    expect(() => checkUrl('https://[fe80::1%25eth0]/', EMPTY_ALLOWLIST)).toThrow(UrlRefused);
  });

  it('allows https on 443 and 8443 only, and http or another port only for an allowlisted origin', () => {
    expect(checkUrl('https://fhir.example.org/r4', EMPTY_ALLOWLIST)).toMatchObject({ host: 'fhir.example.org', literal: false, allowlistedOrigin: false });
    expect(checkUrl('https://fhir.example.org:8443/r4', EMPTY_ALLOWLIST).allowlistedOrigin).toBe(false);
    expect(() => checkUrl('https://fhir.example.org:9443/r4', EMPTY_ALLOWLIST)).toThrow(/port 9443/);
    expect(() => checkUrl('http://fhir.example.org/r4', EMPTY_ALLOWLIST)).toThrow(/plain http/);
    const allowlist = parseAllowlist(['http://fhir.lan:8080', 'https://fhir.lan:9443']);
    expect(checkUrl('http://fhir.lan:8080/r4', allowlist).allowlistedOrigin).toBe(true);
    expect(checkUrl('https://fhir.lan:9443/r4', allowlist).allowlistedOrigin).toBe(true);
    expect(() => checkUrl('http://fhir.lan:8081/r4', allowlist)).toThrow(/plain http/);
    expect(() => checkUrl('https://fhir.lan:9444/r4', allowlist)).toThrow(/port 9444/);
  });

  it.each(['https://localhost/', 'https://api.LocalHost/', 'https://fhir.example.org./', 'https://:pw@fhir.example.org/', 'javascript:alert(1)', 'blob:https://x/y'])(
    'refuses %s',
    (url) => {
      expect(() => checkUrl(url, EMPTY_ALLOWLIST)).toThrow(UrlRefused);
    },
  );
});

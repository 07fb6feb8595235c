import { createHash } from 'node:crypto';
import { fhirVersionOf, nameKey, VERSION_RANK, type FhirVersion } from './directory-text.ts';
import type { EndpointList } from './lantern-lists.ts';
import { normaliseZip, stateOfName, stateOfZip } from './us-states.ts';

/** A list the directory was built from, by file name: re-importing that file replaces its entries. */
export interface DirectorySource {
  file: string;
  vendor: string;
  aggregator: boolean;
}

export interface DirectoryEndpoint {
  url: string;
  fhirVersion: FhirVersion;
  /** Indexes into `Directory.sources`: every list that names this (organisation, URL) pair. */
  sources: number[];
}

/** One organisation at one vendor: its endpoints, best (R4) first. */
export interface DirectoryEntry {
  /** Stable across rebuilds: a hash of vendor, folded name and ZIP. */
  id: string;
  organization: string;
  vendor: string;
  zip: string | null;
  state: string | null;
  npi: string | null;
  endpoints: DirectoryEndpoint[];
}

export interface Directory {
  builtAt: string;
  sources: DirectorySource[];
  /** Sorted by folded name, then id. */
  entries: DirectoryEntry[];
}

export interface BuildStats {
  listed: number;
  duplicatesRemoved: number;
  pairs: number;
  organizations: number;
  endpoints: number;
}

interface Pair {
  organization: string;
  url: string;
  npi: string;
  zip: string;
  sources: Set<string>;
}

/** Same endpoint, same string: scheme and host lower-cased (WHATWG URL), no trailing slash. */
export function canonicalUrl(url: string): string {
  return new URL(url).href.replace(/\/+$/, '');
}

function addPair(pairs: Map<string, Pair>, pair: Omit<Pair, 'sources'>, sources: Iterable<string>): boolean {
  const key = `${nameKey(pair.organization)}\n${pair.url}`;
  const known = pairs.get(key);
  if (!known) {
    pairs.set(key, { ...pair, sources: new Set(sources) });
    return true;
  }
  for (const source of sources) known.sources.add(source);
  known.npi ||= pair.npi;
  known.zip ||= pair.zip;
  return false;
}

/** The pairs of an existing directory, as if read again from its lists (minus `dropSources`). */
function pairsOf(directory: Directory, dropSources: Set<string>, pairs: Map<string, Pair>): void {
  for (const entry of directory.entries) {
    for (const endpoint of entry.endpoints) {
      const sources = endpoint.sources.map((index) => directory.sources[index]!.file).filter((file) => !dropSources.has(file));
      if (sources.length === 0) continue;
      addPair(pairs, { organization: entry.organization, url: endpoint.url, npi: entry.npi ?? '', zip: entry.zip ?? '' }, sources);
    }
  }
}

/**
 * Turns endpoint lists into the directory: identical (organisation, URL) pairs across overlapping
 * lists become one, an organisation's endpoints at one vendor are grouped (R4 first), and every
 * organisation keeps its own entry even when it shares a multi-tenant URL with thousands of others.
 * With `base`, the lists update it: entries that came from a list of the same file name are
 * replaced, the rest kept.
 */
export function buildDirectory(lists: EndpointList[], options: { base?: Directory; now?: Date } = {}): { directory: Directory; stats: BuildStats } {
  const sourceInfo = new Map<string, DirectorySource>();
  for (const source of options.base?.sources ?? []) sourceInfo.set(source.file, source);
  for (const list of lists) sourceInfo.set(list.source, { file: list.source, vendor: list.vendor, aggregator: list.aggregator });
  const pairs = new Map<string, Pair>();
  if (options.base) pairsOf(options.base, new Set(lists.map((list) => list.source)), pairs);
  let listed = 0;
  let duplicatesRemoved = 0;
  // Developers' own lists first, so a pair's spelling and ZIP come from them, not an aggregator's copy.
  const ordered = [...lists].sort((a, b) => Number(a.aggregator) - Number(b.aggregator) || (a.source < b.source ? -1 : 1));
  for (const list of ordered) {
    for (const endpoint of list.endpoints) {
      listed++;
      // A payer's or developer's own endpoint is listed without an organisation: it is theirs.
      const organization = endpoint.organization || list.vendor;
      const added = addPair(pairs, { organization, url: canonicalUrl(endpoint.url), npi: endpoint.npi, zip: normaliseZip(endpoint.zip) ?? '' }, [list.source]);
      if (!added) duplicatesRemoved++;
    }
  }
  const usedSources = [...new Set([...pairs.values()].flatMap((pair) => [...pair.sources]))].sort();
  const sources = usedSources.map((file) => sourceInfo.get(file)!);
  const sourceIndex = new Map(usedSources.map((file, index) => [file, index]));
  const vendorOf = (pair: Pair): string => {
    // A developer's own list says more about the endpoint than an aggregator's copy of it.
    const ranked = [...pair.sources].map((file) => sourceInfo.get(file)!).sort((a, b) => Number(a.aggregator) - Number(b.aggregator) || a.vendor.localeCompare(b.vendor));
    return ranked[0]!.vendor;
  };
  // One organisation at one vendor is one entry; the same name in two ZIP codes is two
  // organisations, and a listing without a ZIP joins the one with a ZIP when there is only one.
  const byName = new Map<string, { vendor: string; pairs: Pair[] }>();
  for (const key of [...pairs.keys()].sort()) {
    const pair = pairs.get(key)!;
    const vendor = vendorOf(pair);
    const nameVendor = `${nameKey(pair.organization)}\n${vendor}`;
    const group = byName.get(nameVendor) ?? { vendor, pairs: [] };
    group.pairs.push(pair);
    byName.set(nameVendor, group);
  }
  const groups: { vendor: string; pairs: Pair[] }[] = [];
  for (const { vendor, pairs: named } of byName.values()) {
    const zips = [...new Set(named.map((pair) => pair.zip).filter(Boolean))].sort();
    if (zips.length <= 1) {
      for (const pair of named) pair.zip ||= zips[0] ?? '';
      groups.push({ vendor, pairs: named });
      continue;
    }
    for (const zip of ['', ...zips]) {
      const sameZip = named.filter((pair) => pair.zip === zip);
      if (sameZip.length > 0) groups.push({ vendor, pairs: sameZip });
    }
  }
  const entries: (DirectoryEntry & { key: string })[] = [];
  for (const { vendor, pairs: grouped } of groups) {
    const first = grouped[0]!;
    const zip = grouped.find((pair) => pair.zip)?.zip || null;
    const key = nameKey(first.organization);
    const endpoints = grouped
      .map((pair) => ({ url: pair.url, fhirVersion: fhirVersionOf(pair.url), sources: [...pair.sources].map((file) => sourceIndex.get(file)!).sort((a, b) => a - b) }))
      .sort((a, b) => VERSION_RANK[a.fhirVersion] - VERSION_RANK[b.fhirVersion] || a.url.localeCompare(b.url));
    entries.push({
      key,
      id: createHash('sha256').update(`hearth-directory-1\n${vendor}\n${key}\n${zip ?? ''}`).digest('hex').slice(0, 16),
      organization: first.organization,
      vendor,
      zip,
      state: (zip && stateOfZip(zip)) || stateOfName(first.organization),
      npi: grouped.find((pair) => pair.npi)?.npi ?? null,
      endpoints,
    });
  }
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : 1));
  const directory: Directory = { builtAt: (options.now ?? new Date()).toISOString(), sources, entries: entries.map(({ key: _key, ...entry }) => entry) };
  const endpointCount = entries.reduce((sum, entry) => sum + entry.endpoints.length, 0);
  return { directory, stats: { listed, duplicatesRemoved, pairs: pairs.size, organizations: entries.length, endpoints: endpointCount } };
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HearthError } from '../errors/hearth-error.ts';

/**
 * Reading the ONC Lantern endpoint lists (github.com/onc-healthit/lantern-back-end,
 * resources/prod_resources): one `<Vendor>EndpointSources.json` per EHR developer or payer,
 * `{ "Endpoints": [ { URL, OrganizationName, NPIID, OrganizationZipCode } ] }`, and the
 * `*EndpointResourcesList.json` files that name the developer behind each of them. Input is
 * checked strictly: a file of the wrong shape stops the whole import before anything is written.
 */

/** One line of a list, as read. */
export interface ListedEndpoint {
  organization: string;
  url: string;
  npi: string;
  zip: string;
}

export interface EndpointList {
  /** The file's name: entries are tracked by it, so a newer copy of the same file replaces them. */
  source: string;
  vendor: string;
  /** A list that gathers other developers' endpoints (1Up, CareEvolution, Lantern's own). */
  aggregator: boolean;
  endpoints: ListedEndpoint[];
  /** Entries left out, with why (a URL that is not http(s), an over-long field). */
  skipped: { index: number; reason: string }[];
}

export interface VendorName {
  vendor: string;
  aggregator: boolean;
}

const MAX_FILE_BYTES = 64 * 2 ** 20;
const MAX_ENTRIES = 1_000_000;
const MAX_NAME = 500;
const MAX_URL = 2048;
export const ENDPOINT_LIST = /EndpointSources\.json$/;
const RESOURCE_LIST = /EndpointResourcesList\.json$/;
// Lantern's own list of the aggregators it reads (EndpointResourcesList.json): their entries
// name other developers' endpoints, so when a pair is also in a developer's list that one wins.
const AGGREGATOR_LIST = 'EndpointResourcesList.json';
// Lists Lantern carries without a resource-list line, whose developer another list names.
const UNLISTED_VENDORS: Record<string, string> = {
  'AthenaClinicals_EndpointSources.json': 'athenahealth, Inc.',
  'CanvasMedical_EndpointSources.json': 'Canvas Medical, Inc.',
  'Carepaths_EHR_EndpointSources.json': 'Carepaths Inc',
  'Bridge_Patient_Portal_LLC_EndpointSources.json': 'Bridge Patient Portal Inc.',
  'MedicaidState_EndpointSources.json': 'State Medicaid agencies',
};

function readJson(file: string): unknown {
  const size = statSync(file).size;
  if (size > MAX_FILE_BYTES) throw new HearthError('too-large', `${basename(file)}: larger than 64 MiB`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new HearthError('invalid', `${basename(file)}: not valid JSON (${(error as Error).message})`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function optionalString(entry: Record<string, unknown>, key: string, where: string): string {
  const value = entry[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new HearthError('invalid', `${where}: "${key}" must be a string`);
  return value;
}

/** A vendor's name from its file name when no resource list names it: "Epic_Systems_Corporation_1" → "Epic Systems Corporation". */
export function vendorFromFileName(file: string): string {
  const stem = basename(file).replace(ENDPOINT_LIST, '').replace(/_\d+_?$/, '').replace(/_$/, '');
  const spaced = stem.includes('_') ? stem.replace(/_/g, ' ') : stem.replace(/([a-z])([A-Z])/g, '$1 $2');
  return spaced.trim() || basename(file);
}

/** Reads a `*EndpointResourcesList.json`: `[ { EndpointName, FileName, … } ]`. */
export function readVendorNames(file: string): Map<string, VendorName> {
  const json = readJson(file);
  if (!Array.isArray(json)) throw new HearthError('invalid', `${basename(file)}: expected a JSON array of { EndpointName, FileName }`);
  const names = new Map<string, VendorName>();
  json.forEach((item, index) => {
    if (!isObject(item) || typeof item.EndpointName !== 'string' || typeof item.FileName !== 'string') {
      throw new HearthError('invalid', `${basename(file)} entry ${index + 1}: expected { EndpointName, FileName } strings`);
    }
    if (item.EndpointName.trim() && item.FileName.trim()) {
      names.set(item.FileName.trim(), { vendor: item.EndpointName.trim(), aggregator: basename(file) === AGGREGATOR_LIST });
    }
  });
  return names;
}

/** Reads one `*EndpointSources.json`; an empty file is an empty list. */
export function readEndpointList(file: string, names: Map<string, VendorName>): EndpointList {
  const source = basename(file);
  const named = names.get(source);
  const list: EndpointList = { source, vendor: named?.vendor ?? UNLISTED_VENDORS[source] ?? vendorFromFileName(source), aggregator: named?.aggregator ?? false, endpoints: [], skipped: [] };
  if (statSync(file).size === 0) return list;
  const json = readJson(file);
  if (!isObject(json) || !Array.isArray(json.Endpoints)) throw new HearthError('invalid', `${source}: expected { "Endpoints": [ … ] } (a Lantern EndpointSources list)`);
  if (json.Endpoints.length > MAX_ENTRIES) throw new HearthError('too-large', `${source}: more than ${MAX_ENTRIES} entries`);
  json.Endpoints.forEach((entry: unknown, index) => {
    const where = `${source} entry ${index + 1}`;
    if (!isObject(entry)) throw new HearthError('invalid', `${where}: expected an object`);
    if (typeof entry.URL !== 'string') throw new HearthError('invalid', `${where}: "URL" must be a string`);
    if (typeof entry.OrganizationName !== 'string') throw new HearthError('invalid', `${where}: "OrganizationName" must be a string`);
    const endpoint = {
      organization: entry.OrganizationName.replace(/\s+/g, ' ').trim(),
      url: entry.URL.trim(),
      npi: optionalString(entry, 'NPIID', where).trim(),
      zip: optionalString(entry, 'OrganizationZipCode', where).trim(),
    };
    const reason = problemOf(endpoint);
    if (reason) list.skipped.push({ index: index + 1, reason });
    else list.endpoints.push(endpoint);
  });
  return list;
}

function problemOf(endpoint: ListedEndpoint): string | null {
  if (endpoint.organization.length > MAX_NAME) return 'organisation name longer than 500 characters';
  if (endpoint.url.length > MAX_URL) return 'URL longer than 2048 characters';
  let url: URL;
  try {
    url = new URL(endpoint.url);
  } catch {
    return 'URL is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'URL is not http(s)';
  if (url.username || url.password) return 'URL carries credentials';
  return null;
}

export interface ReadLists {
  lists: EndpointList[];
  /** Files in a folder that are not endpoint lists (CHPL product data, CSVs…), left alone. */
  ignored: string[];
  /** True when a whole folder was read: the result replaces the directory instead of updating it. */
  complete: boolean;
}

/**
 * A folder (every `*EndpointSources.json` in it, vendor names from its resource lists) or one or
 * more list files (vendor names from the resource lists beside them, then `known`, then the name).
 */
export function readLists(paths: string[], known: Map<string, VendorName> = new Map()): ReadLists {
  if (paths.length === 0) throw new HearthError('invalid', 'give a Lantern endpoint list file or a folder of them');
  const folders = paths.filter((path) => statOf(path).isDirectory());
  if (folders.length > 0 && paths.length > 1) throw new HearthError('invalid', 'give one folder, or one or more list files, not both');
  const folder = folders[0];
  const files = folder ? readdirSync(folder).sort().map((name) => join(folder, name)) : paths;
  const names = new Map(known);
  for (const dir of new Set(files.map((file) => dirname(file)))) {
    for (const name of readdirSync(dir).filter((entry) => RESOURCE_LIST.test(entry)).sort()) {
      for (const [file, vendor] of readVendorNames(join(dir, name))) names.set(file, vendor);
    }
  }
  const lists: EndpointList[] = [];
  const ignored: string[] = [];
  for (const file of files) {
    if (!ENDPOINT_LIST.test(basename(file)) || !statOf(file).isFile()) {
      if (!folder) throw new HearthError('invalid', `${basename(file)}: not a Lantern endpoint list (its name must end in EndpointSources.json)`);
      if (!RESOURCE_LIST.test(basename(file))) ignored.push(basename(file));
      continue;
    }
    lists.push(readEndpointList(file, names));
  }
  if (lists.every((list) => list.endpoints.length === 0)) throw new HearthError('invalid', `no endpoints found in ${paths.join(', ')}`);
  return { lists, ignored, complete: folder !== undefined };
}

function statOf(path: string) {
  try {
    return statSync(path);
  } catch {
    throw new HearthError('not-found', `${path}: no such file or folder`);
  }
}

import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { HearthError } from '../errors/hearth-error.ts';
import type { Directory, DirectoryEntry } from './directory-build.ts';
import { FHIR_VERSIONS, type FhirVersion } from './directory-text.ts';

/**
 * The directory on disk: gzipped JSON of arrays (names repeat little, URLs of multi-tenant
 * platforms a lot, which gzip folds away): ~39,000 organisations in about 1 MB. Hearth ships one
 * (`assets/directory/`); `hearth directory import` writes `<data dir>/directory/`, which wins.
 */
export const FORMAT = 'hearth-directory-1';
export const ATTRIBUTION = 'Endpoint lists from the ONC Lantern project (github.com/onc-healthit/lantern-back-end), Apache License 2.0; see LICENSE and NOTICE.md beside this file.';
export const SHIPPED_DIRECTORY = join(import.meta.dirname, '..', '..', 'assets', 'directory', 'directory.json.gz');
const MAX_UNZIPPED = 256 * 2 ** 20;

export function dataDirDirectory(dataDir: string): string {
  return join(dataDir, 'directory', 'directory.json.gz');
}

type StoredEndpoint = [url: string, fhirVersion: FhirVersion, sources: number | number[]];
type StoredEntry = [id: string, organization: string, vendor: number, zip: string | null, state: string | null, npi: string | null, endpoints: StoredEndpoint[]];

export function serializeDirectory(directory: Directory): Buffer {
  const vendors = [...new Set(directory.entries.map((entry) => entry.vendor))].sort();
  const vendorIndex = new Map(vendors.map((vendor, index) => [vendor, index]));
  const entries: StoredEntry[] = directory.entries.map((entry) => [
    entry.id,
    entry.organization,
    vendorIndex.get(entry.vendor)!,
    entry.zip,
    entry.state,
    entry.npi,
    entry.endpoints.map((endpoint): StoredEndpoint => [endpoint.url, endpoint.fhirVersion, endpoint.sources.length === 1 ? endpoint.sources[0]! : endpoint.sources]),
  ]);
  const json = JSON.stringify({
    format: FORMAT,
    attribution: ATTRIBUTION,
    builtAt: directory.builtAt,
    sources: directory.sources.map((source) => [source.file, source.vendor, source.aggregator ? 1 : 0]),
    vendors,
    entries,
  });
  return gzipSync(json, { level: 9 });
}

function damaged(path: string, why: string): HearthError {
  return new HearthError('invalid', `the provider directory ${path} is damaged (${why}); run "hearth directory import" again or remove it`);
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isNullableString = (value: unknown): value is string | null => value === null || typeof value === 'string';

/** Reads and checks a directory file; anything unexpected is a clear error, never a half-loaded directory. */
export function readDirectoryFile(path: string): Directory {
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(readFileSync(path), { maxOutputLength: MAX_UNZIPPED }).toString('utf8'));
  } catch (error) {
    throw damaged(path, (error as Error).message);
  }
  const data = json as { format?: unknown; builtAt?: unknown; sources?: unknown; vendors?: unknown; entries?: unknown };
  if (data?.format !== FORMAT) throw damaged(path, `not a ${FORMAT} file`);
  if (!isString(data.builtAt) || !Array.isArray(data.sources) || !Array.isArray(data.vendors) || !Array.isArray(data.entries)) throw damaged(path, 'missing parts');
  const sources = data.sources.map((source: unknown, index) => {
    if (!Array.isArray(source) || !isString(source[0]) || !isString(source[1])) throw damaged(path, `source ${index + 1}`);
    return { file: source[0], vendor: source[1], aggregator: source[2] === 1 };
  });
  const vendors = data.vendors as unknown[];
  if (!vendors.every(isString)) throw damaged(path, 'vendors');
  const entries = data.entries.map((raw: unknown, index): DirectoryEntry => {
    const entry = raw as StoredEntry;
    const ok =
      Array.isArray(entry) && isString(entry[0]) && isString(entry[1]) && typeof entry[2] === 'number' && isString(vendors[entry[2]]) &&
      isNullableString(entry[3]) && isNullableString(entry[4]) && isNullableString(entry[5]) && Array.isArray(entry[6]) && entry[6].length > 0;
    if (!ok) throw damaged(path, `entry ${index + 1}`);
    return {
      id: entry[0],
      organization: entry[1],
      vendor: vendors[entry[2]] as string,
      zip: entry[3],
      state: entry[4],
      npi: entry[5],
      endpoints: entry[6].map((endpoint) => {
        const [url, fhirVersion, refs] = Array.isArray(endpoint) ? endpoint : [];
        const list = typeof refs === 'number' ? [refs] : refs;
        if (!isString(url) || !FHIR_VERSIONS.includes(fhirVersion as FhirVersion) || !Array.isArray(list) || !list.every((ref) => Number.isInteger(ref) && ref >= 0 && ref < sources.length)) {
          throw damaged(path, `entry ${index + 1} endpoint`);
        }
        return { url, fhirVersion: fhirVersion as FhirVersion, sources: list };
      }),
    };
  });
  return { builtAt: data.builtAt, sources, entries };
}

/**
 * Writes atomically: a temporary file beside the target, flushed to disk, then renamed over it
 * (rename is atomic within a file system, POSIX rename(2)); a crash leaves the old directory whole.
 */
export function writeDirectoryFile(path: string, directory: Directory): number {
  const bytes = serializeDirectory(directory);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } finally {
    if (existsSync(temporary)) rmSync(temporary, { force: true });
  }
  return bytes.length;
}

import { HearthError } from '../../errors/hearth-error.ts';

/** Caps applied while reading user-supplied files (SECURITY.md, "Input"). */
export interface ReadLimits {
  /** Longest NDJSON line. */
  maxLineBytes: number;
  /** Deepest JSON nesting (objects and arrays). */
  maxJsonDepth: number;
  /** Largest JSON string value, in UTF-8 bytes. */
  maxStringBytes: number;
  /** Largest single JSON document (a Bundle or one resource). */
  maxBundleBytes: number;
  /** Largest C-CDA document. */
  maxXmlBytes: number;
  /** Most entity and character references (`&amp;`, `&#65;`) in one XML document. */
  maxXmlReferences: number;
  /** Most entries in one zip archive. */
  maxZipEntries: number;
  /** Largest total declared uncompressed size of one zip archive. */
  maxZipTotalBytes: number;
  /** Highest uncompressed/compressed ratio of one zip entry. */
  maxZipRatio: number;
}

export const DEFAULT_READ_LIMITS: Readonly<ReadLimits> = Object.freeze({
  maxLineBytes: 8 * 1024 ** 2,
  maxJsonDepth: 64,
  maxStringBytes: 4 * 1024 ** 2,
  // A Bundle is parsed whole; 64 MiB parses within the 320 MB heap Hearth runs with
  // (src/runtime-flags.ts). Larger exports belong in NDJSON, which streams.
  maxBundleBytes: 64 * 1024 ** 2,
  maxXmlBytes: 32 * 1024 ** 2,
  // Real documents carry a few thousand (`&amp;` in narrative); a million `&#65;` costs the parser
  // about a second, so the cap keeps every document well under the 1 s budget of SECURITY.md.
  maxXmlReferences: 100_000,
  maxZipEntries: 10_000,
  maxZipTotalBytes: 4 * 1024 ** 3,
  maxZipRatio: 200,
});

export function resolveLimits(overrides: Partial<ReadLimits> | undefined): ReadLimits {
  const limits: ReadLimits = { ...DEFAULT_READ_LIMITS };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (!(key in DEFAULT_READ_LIMITS)) throw new HearthError('invalid', `unknown read limit "${key}"`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new HearthError('invalid', `read limit "${key}" must be a positive number`);
    }
    limits[key as keyof ReadLimits] = value;
  }
  return limits;
}

import { createHash } from 'node:crypto';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { exportRepository } from './export-repository.ts';

/**
 * Meta elements a store sets for itself (R4 resource.html#Meta): the version and time are stamped
 * by whichever Hearth wrote the record, `source` names the system it came through. Tags, security
 * labels and profiles are content and stay.
 */
const STORE_META = ['versionId', 'lastUpdated', 'source'] as const;

/** JSON with object keys sorted at every level, so key order never changes the hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A record without what its store stamped on it; an emptied meta goes altogether. */
export function withoutStoreMeta(resource: Record<string, unknown>): Record<string, unknown> {
  const meta = resource.meta as Record<string, unknown> | undefined;
  if (!meta || typeof meta !== 'object') return resource;
  const rest = { ...meta };
  for (const key of STORE_META) delete rest[key];
  const { meta: _meta, ...record } = resource;
  return Object.keys(rest).length > 0 ? { ...record, meta: rest } : record;
}

export interface CanonicalHash {
  /** SHA-256 (hex) of every current record, in (type, id) order, as canonical JSON without store meta. */
  sha256: string;
  count: number;
  counts: Record<string, number>;
}

/**
 * The content of a vault as one hash: equal hashes mean the same records with the same content,
 * whichever instance wrote them and when (an export re-imported, a backup restored). Pure over the
 * database: reads only, a page at a time.
 */
export function canonicalHash(db: SqliteDatabase): CanonicalHash {
  const repository = exportRepository(db);
  const hash = createHash('sha256');
  const counts: Record<string, number> = {};
  let count = 0;
  for (const { type } of repository.counts()) {
    for (const rows of repository.records(type)) {
      for (const row of rows) {
        const record = withoutStoreMeta(JSON.parse(row.json) as Record<string, unknown>);
        hash.update(`${row.type}/${row.id}\t${canonicalJson(record)}\n`, 'utf8');
        counts[type] = (counts[type] ?? 0) + 1;
        count++;
      }
    }
  }
  return { sha256: hash.digest('hex'), count, counts };
}

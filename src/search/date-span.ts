import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { auditChangesOn } from '../audit/audit-log.ts';
import { prepareCached } from './sql.ts';

/*
 * The longest `end - start` of any idx_date row of one date parameter, and the number of its rows,
 * cached per connection until the database changes.
 *
 * The descending sort walk (sort-walk.ts) needs every row that started before its boundary `s` and
 * ends at or after the page's last value `t`; no index orders rows by end, so
 * without a bound that is a scan of every earlier row of the parameter (78,000 for a 100k vault's
 * Observation.date, 8 ms). With the longest span D, such a row starts at or after `t - D`: for
 * instants and days D is under a day, and the scan shrinks to a handful of rows.
 *
 * The row count tells the search whether a walk in date order is likely short (sort-walk.ts).
 * Computing both reads every row of the parameter once (as the unbounded scan would); they are then
 * reused until the vault changes. Changes are detected without trusting any caller to report them:
 * `PRAGMA data_version` moves when another connection commits (pragma.html#pragma_data_version) and
 * `total_changes()` when this one writes, even in a transaction later rolled back
 * (lang_corefunc.html#total_changes), less the audit appends' own rows (audit-log.ts
 * auditChangesOn: every read appends one, and the trail holds no records). A stale D could only be
 * too small after a write of records, and any such write moves one of the two; a D larger than the
 * truth merely widens the scan.
 */
/** One date parameter's rows: how many, and the longest span (null without rows). */
export interface DateRowStats {
  rows: number;
  longestSpan: number | null;
}

interface Cached {
  version: string;
  stats: Map<string, DateRowStats>;
}

const caches = new WeakMap<SqliteDatabase, Cached>();

function versionOf(db: SqliteDatabase): string {
  const dataVersion = db.pragma('data_version', { simple: true }) as number;
  const changes = prepareCached(db, 'SELECT total_changes()').pluck().get() as number;
  return `${dataVersion}:${changes - auditChangesOn(db)}`;
}

/** The row count and longest span of `param`'s rows for `resourceType`, read once per vault version. */
export function dateRowStats(db: SqliteDatabase, resourceType: string, param: string): DateRowStats {
  const version = versionOf(db);
  let cached = caches.get(db);
  if (cached === undefined || cached.version !== version) {
    cached = { version, stats: new Map() };
    caches.set(db, cached);
  }
  const key = `${resourceType}\u0000${param}`;
  let stats = cached.stats.get(key);
  if (stats === undefined) {
    stats = prepareCached(db, 'SELECT count(*) AS rows, max(end - start) AS longestSpan FROM idx_date WHERE type = ? AND param = ?').get([resourceType, param]) as DateRowStats;
    cached.stats.set(key, stats);
  }
  return stats;
}

/** The longest span of `param`'s rows for `resourceType`, or null when it has no rows. */
export function longestDateSpan(db: SqliteDatabase, resourceType: string, param: string): number | null {
  return dateRowStats(db, resourceType, param).longestSpan;
}

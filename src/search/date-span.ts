import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { prepareCached } from './sql.ts';

/**
 * The longest `end - start` of any idx_date row of one date parameter, cached per connection until
 * the database changes. The descending sort walk (sort-walk.ts) needs every row that started before
 * its boundary `s` and ends at or after the page's last value `t`; no index orders rows by end, so
 * without a bound that is a scan of every earlier row of the parameter (78,000 for a 100k vault's
 * Observation.date, 8 ms). With the longest span D, such a row starts at or after `t - D`: for
 * instants and days D is under a day, and the scan shrinks to a handful of rows.
 *
 * Computing D reads every row of the parameter once (as the unbounded scan would); it is then
 * reused until the vault changes. Changes are detected without trusting any caller to report them:
 * `PRAGMA data_version` moves when another connection commits (pragma.html#pragma_data_version) and
 * `total_changes()` when this one writes, even in a transaction later rolled back
 * (lang_corefunc.html#total_changes). A stale D could only be too small after a write, and any write
 * moves one of the two; a D larger than the truth merely widens the scan.
 */
interface Cached {
  version: string;
  spans: Map<string, number | null>;
}

const caches = new WeakMap<SqliteDatabase, Cached>();

function versionOf(db: SqliteDatabase): string {
  const dataVersion = db.pragma('data_version', { simple: true }) as number;
  const changes = prepareCached(db, 'SELECT total_changes()').pluck().get() as number;
  return `${dataVersion}:${changes}`;
}

/** The longest span of `param`'s rows for `resourceType`, or null when it has no rows. */
export function longestDateSpan(db: SqliteDatabase, resourceType: string, param: string): number | null {
  const version = versionOf(db);
  let cached = caches.get(db);
  if (cached === undefined || cached.version !== version) {
    cached = { version, spans: new Map() };
    caches.set(db, cached);
  }
  const key = `${resourceType}\u0000${param}`;
  let span = cached.spans.get(key);
  if (span === undefined) {
    span = prepareCached(db, 'SELECT max(end - start) FROM idx_date WHERE type = ? AND param = ?')
      .pluck()
      .get(resourceType, param) as number | null;
    cached.spans.set(key, span);
  }
  return span;
}

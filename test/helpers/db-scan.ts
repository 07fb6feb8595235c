import type { SqliteDatabase } from '../../src/storage/encrypted-database.ts';
import { canaryForms } from './canary.ts';

/**
 * Every table of an opened (decrypted) database, every value: the `table.column` cells holding any
 * form of the canary (canary.ts). FTS5 shadow tables are tables too, so the search index is scanned.
 */
export function databaseHits(db: SqliteDatabase, canary: string): string[] {
  const forms = canaryForms(canary);
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  const hits: string[] = [];
  for (const table of tables) {
    let rows: Record<string, unknown>[];
    try {
      rows = db.prepare(`SELECT * FROM "${table.replaceAll('"', '""')}"`).all() as Record<string, unknown>[];
    } catch {
      // A virtual table whose module is not loaded here; its shadow tables are scanned instead.
      continue;
    }
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.isBuffer(value) ? value : undefined;
        if (bytes && forms.some((form) => bytes.includes(form))) hits.push(`${table}.${column}`);
      }
    }
  }
  return hits;
}

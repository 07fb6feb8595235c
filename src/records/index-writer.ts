import type { IndexRows } from '../fhir/search-index/index.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { INDEX_TABLES } from '../vault/index-tables.ts';

/** SQL for the search index: replaces every index row of one resource row id. */
export function indexWriter(db: SqliteDatabase) {
  const insertToken = db.prepare('INSERT INTO idx_token (rid, type, param, system, code, display) VALUES (?, ?, ?, ?, ?, ?)');
  const insertString = db.prepare('INSERT INTO idx_string (rid, type, param, value, raw) VALUES (?, ?, ?, ?, ?)');
  const insertDate = db.prepare('INSERT INTO idx_date (rid, type, param, start, end) VALUES (?, ?, ?, ?, ?)');
  const insertQuantity = db.prepare(
    'INSERT INTO idx_quantity (rid, type, param, value, low, high, system, code, unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertNumber = db.prepare('INSERT INTO idx_number (rid, type, param, value, low, high) VALUES (?, ?, ?, ?, ?, ?)');
  const insertReference = db.prepare(
    'INSERT INTO idx_reference (rid, type, param, reference, target_type, target_id, contained) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertUri = db.prepare('INSERT INTO idx_uri (rid, type, param, value) VALUES (?, ?, ?, ?)');
  const insertText = db.prepare('INSERT INTO resource_text (rowid, narrative, content) VALUES (?, ?, ?)');
  const deletes = INDEX_TABLES.map((table) =>
    db.prepare(`DELETE FROM ${table} WHERE rid = ?`),
  );
  const deleteText = db.prepare('DELETE FROM resource_text WHERE rowid = ?');

  return {
    remove(rid: number): void {
      for (const statement of deletes) statement.run(rid);
      deleteText.run(rid);
    },
    insert(rid: number, type: string, rows: IndexRows): void {
      for (const row of rows.tokens) insertToken.run(rid, type, row.param, row.system, row.code, row.display);
      for (const row of rows.strings) insertString.run(rid, type, row.param, row.value, row.raw);
      for (const row of rows.dates) insertDate.run(rid, type, row.param, row.start, row.end);
      for (const row of rows.quantities) insertQuantity.run(rid, type, row.param, row.value, row.low, row.high, row.system, row.code, row.unit);
      for (const row of rows.numbers) insertNumber.run(rid, type, row.param, row.value, row.low, row.high);
      for (const row of rows.references) {
        insertReference.run(rid, type, row.param, row.reference, row.targetType, row.targetId, row.contained ? 1 : 0);
      }
      for (const row of rows.uris) insertUri.run(rid, type, row.param, row.value);
      if (rows.narrative !== '' || rows.content !== '') insertText.run(rid, rows.narrative, rows.content);
    },
  };
}

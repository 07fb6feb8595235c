import type { Migration } from '../storage/migrations.ts';
import { AUDIT_LOG_MIGRATION } from '../audit/audit-schema.ts';
import { DERIVED_ROWS_MIGRATION } from './derived-rows-migration.ts';

/**
 * A person's vault. `resources` holds the current version of each record, `resource_versions`
 * every version (history, with provenance: source, import, origin in the file). The idx_* tables
 * are the search index, one table per FHIR search parameter type (FHIR R4 search §3.1.1), keyed by
 * the resource's row id; `resource_text` is the FTS5 index behind `_text` / `_content`.
 */
export const VAULT_MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'resources, history, search index, imports',
    up: (db) =>
      db.exec(`
        CREATE TABLE resources (
          rid INTEGER PRIMARY KEY,
          type TEXT NOT NULL,
          id TEXT NOT NULL,
          version_id INTEGER NOT NULL,
          last_updated TEXT NOT NULL,
          content_hash TEXT NOT NULL,
          source_id TEXT,
          import_id TEXT,
          json TEXT NOT NULL,
          UNIQUE (type, id)
        );
        -- Every version's metadata and provenance, appended in write order. The JSON of the
        -- current version lives only in resources.json (written once); it moves here when the
        -- record is updated.
        CREATE TABLE resource_versions (
          vid INTEGER PRIMARY KEY,
          type TEXT NOT NULL,
          id TEXT NOT NULL,
          version_id INTEGER NOT NULL,
          last_updated TEXT NOT NULL,
          deleted INTEGER NOT NULL DEFAULT 0,
          source_id TEXT,
          import_id TEXT,
          origin TEXT,
          json TEXT
        );
        CREATE UNIQUE INDEX resource_versions_by_record ON resource_versions (type, id, version_id);
        -- Ids a source uses, mapped to the ids Hearth stores, so two sources that both call
        -- something Patient/1 never overwrite each other and a source's re-import updates in place.
        CREATE TABLE source_ids (
          source_id TEXT NOT NULL,
          type TEXT NOT NULL,
          source_resource_id TEXT NOT NULL,
          id TEXT NOT NULL,
          PRIMARY KEY (source_id, type, source_resource_id)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX source_ids_by_id ON source_ids (type, id);

        CREATE TABLE idx_token (rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
          system TEXT, code TEXT, display TEXT);
        CREATE INDEX idx_token_lookup ON idx_token (type, param, code, system);
        CREATE INDEX idx_token_rid ON idx_token (rid);
        CREATE TABLE idx_string (rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
          value TEXT NOT NULL, raw TEXT NOT NULL);
        CREATE INDEX idx_string_lookup ON idx_string (type, param, value);
        CREATE INDEX idx_string_rid ON idx_string (rid);
        CREATE TABLE idx_date (rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
          start INTEGER NOT NULL, end INTEGER NOT NULL);
        CREATE INDEX idx_date_lookup ON idx_date (type, param, start, end);
        CREATE INDEX idx_date_rid ON idx_date (rid);
        CREATE TABLE idx_quantity (rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
          value REAL NOT NULL, low REAL NOT NULL, high REAL NOT NULL, system TEXT, code TEXT, unit TEXT);
        CREATE INDEX idx_quantity_lookup ON idx_quantity (type, param, value);
        CREATE INDEX idx_quantity_rid ON idx_quantity (rid);
        CREATE TABLE idx_number (rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
          value REAL NOT NULL, low REAL NOT NULL, high REAL NOT NULL);
        CREATE INDEX idx_number_lookup ON idx_number (type, param, value);
        CREATE INDEX idx_number_rid ON idx_number (rid);
        CREATE TABLE idx_reference (rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
          reference TEXT NOT NULL, target_type TEXT, target_id TEXT, contained INTEGER NOT NULL);
        CREATE INDEX idx_reference_lookup ON idx_reference (type, param, target_id);
        CREATE INDEX idx_reference_target ON idx_reference (target_type, target_id);
        CREATE INDEX idx_reference_rid ON idx_reference (rid);
        CREATE TABLE idx_uri (rid INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
          value TEXT NOT NULL);
        CREATE INDEX idx_uri_lookup ON idx_uri (type, param, value);
        CREATE INDEX idx_uri_rid ON idx_uri (rid);
        CREATE VIRTUAL TABLE resource_text USING fts5 (narrative, content,
          tokenize = 'unicode61 remove_diacritics 2');

        -- Imports and their per-file checkpoints. A checkpoint is committed in the same
        -- transaction as the batch it follows, so a killed import resumes exactly there.
        CREATE TABLE imports (
          id TEXT PRIMARY KEY,
          source_id TEXT NOT NULL,
          started_at TEXT NOT NULL,
          finished_at TEXT,
          status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
          summary TEXT
        );
        CREATE TABLE import_files (
          import_id TEXT NOT NULL REFERENCES imports(id),
          fingerprint TEXT NOT NULL,
          path TEXT NOT NULL,
          items_done INTEGER NOT NULL DEFAULT 0,
          finished INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (import_id, fingerprint)
        );
      `),
  },
  // The same audit tables in every Hearth database (see audit-schema.ts).
  AUDIT_LOG_MIGRATION,
  {
    id: 3,
    name: 'contentless full-text index',
    // resource_text kept a second copy of every record's text (its content table) that nothing
    // reads: searches ask only for rowids, MATCH and bm25(). A contentless table with
    // contentless_delete (SQLite 3.43+, https://www.sqlite.org/fts5.html#contentless_delete_tables)
    // still supports DELETE by rowid, which updates and deletions need, and writes one B-tree less
    // per record. Existing rows move over with their text, so searches find the same records.
    up: (db) =>
      db.exec(`
        CREATE VIRTUAL TABLE resource_text_v3 USING fts5 (narrative, content,
          tokenize = 'unicode61 remove_diacritics 2', content = '', contentless_delete = 1);
        INSERT INTO resource_text_v3 (rowid, narrative, content) SELECT rowid, narrative, content FROM resource_text;
        DROP TABLE resource_text;
        ALTER TABLE resource_text_v3 RENAME TO resource_text;
      `),
  },
  DERIVED_ROWS_MIGRATION,
];

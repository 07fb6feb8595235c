import { randomUUID } from 'node:crypto';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';

/** The label of file imports that do not name their source. */
export const DEFAULT_SOURCE_LABEL = 'file import';

export type SourceKind = 'file' | 'manual' | 'provider';

export interface Source {
  id: string;
  personId: string;
  kind: SourceKind;
  label: string;
  baseUrl: string | null;
  createdAt: string;
}

const COLUMNS = 'id, person_id AS personId, kind, label, base_url AS baseUrl, created_at AS createdAt';

/** Where a person's records come from: a provider connection, file imports under a label, manual entry. */
export function sourcesRepository(db: SqliteDatabase) {
  const select = db.prepare(`SELECT ${COLUMNS} FROM sources WHERE person_id = ? AND kind = ? AND label = ?`);
  const selectById = db.prepare(`SELECT ${COLUMNS} FROM sources WHERE id = ?`);
  const selectByPerson = db.prepare(`SELECT ${COLUMNS} FROM sources WHERE person_id = ? ORDER BY created_at`);
  const insert = db.prepare('INSERT INTO sources (id, person_id, kind, label, base_url, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  return {
    findOrCreate(personId: string, kind: SourceKind, label: string, baseUrl: string | null = null): Source {
      const existing = select.get(personId, kind, label) as Source | undefined;
      if (existing) return existing;
      const source: Source = { id: randomUUID(), personId, kind, label, baseUrl, createdAt: new Date().toISOString() };
      insert.run(source.id, personId, kind, label, baseUrl, source.createdAt);
      return source;
    },
    get: (id: string) => selectById.get(id) as Source | undefined,
    listForPerson: (personId: string) => selectByPerson.all(personId) as Source[],
  };
}

export type SourcesRepository = ReturnType<typeof sourcesRepository>;

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observation } from '@medplum/fhirtypes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoFamily, generatePersonRecords } from '../demo/index.ts';
import { randomKey } from '../keys/key-derivation.ts';
import { extractIndexRows } from '../fhir/search-index/index.ts';
import { indexWriter } from '../records/index-writer.ts';
import { recordStore } from '../records/record-store.ts';
import { searchVault } from '../search/index.ts';
import { openEncryptedDatabase, type SqliteDatabase } from '../storage/encrypted-database.ts';
import { migrate } from '../storage/migrations.ts';
import { VAULT_MIGRATIONS } from './vault-schema.ts';

let dir: string;
let db: SqliteDatabase;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-vault-schema-'));
  db = openEncryptedDatabase(join(dir, 'vault.db'), randomKey(), { create: true });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

// Full-text and index searches over the demo records: what a vault of the old schema answers must
// be answered the same after the upgrade.
const QUERIES = [
  'Observation?_content=glucose',
  'Condition?_text=diabetes',
  'Encounter?_content=visit&_count=500',
  'Observation?_content=pressure&_count=500',
  'Observation?code=http://loinc.org|8867-4&_count=500',
];

const ids = (query: string) => {
  const result = searchVault(db, query);
  return { total: result.total, ids: result.resources.map((resource) => resource.id).sort() };
};

describe('vault migration 3 (contentless full-text index)', () => {
  it('converts a vault written by the old schema and finds the same records', () => {
    migrate(db, VAULT_MIGRATIONS.slice(0, 2), 'vault');
    const store = recordStore(db);
    const records = [...generatePersonRecords(demoFamily(3)[0]!, { seed: 3, targetResources: 400 })];
    store.transaction(() => {
      for (const record of records) store.write(record, { sourceId: 'demo' });
    });
    const before = QUERIES.map(ids);
    for (const answer of before) expect(answer.total).toBeGreaterThan(0);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'resource_text_content'").pluck().get()).toBe(1);

    migrate(db, VAULT_MIGRATIONS, 'vault');
    expect(QUERIES.map(ids)).toEqual(before);
    // The text is no longer stored twice.
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'resource_text_content'").pluck().get()).toBe(0);
  });

  it('updates and deletions still replace a record\'s words in the converted index', () => {
    migrate(db, VAULT_MIGRATIONS.slice(0, 2), 'vault');
    const note = (text: string): Observation => ({
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      code: { text },
      subject: { reference: 'Patient/p1' },
    });
    recordStore(db).write(note('zebrafinch'), { sourceId: 's' });
    migrate(db, VAULT_MIGRATIONS, 'vault');
    const store = recordStore(db);
    expect(searchVault(db, 'Observation?_content=zebrafinch').total).toBe(1);
    store.write(note('kingfisher'), { sourceId: 's' });
    expect(searchVault(db, 'Observation?_content=zebrafinch').total).toBe(0);
    expect(searchVault(db, 'Observation?_content=kingfisher').total).toBe(1);
    store.remove('Observation', 'o1', { sourceId: 's' });
    expect(searchVault(db, 'Observation?_content=kingfisher').total).toBe(0);
    expect(db.prepare('SELECT count(*) FROM resource_text').pluck().get()).toBe(0);
  });
});

describe('vault migration 4 (no rows for derived search parameters)', () => {
  it('removes the rows an older Hearth wrote for derived parameters, and searches find the same records', () => {
    migrate(db, VAULT_MIGRATIONS.slice(0, 3), 'vault');
    const store = recordStore(db);
    const records = [...generatePersonRecords(demoFamily(3)[0]!, { seed: 3, targetResources: 400 })];
    // What an older Hearth wrote: every parameter's rows, the derived ones included. (Immunization
    // `patient` is an element of its own, not derived.)
    const writer = indexWriter(db);
    store.transaction(() => {
      for (const record of records) {
        store.write(record, { sourceId: 'demo' });
        const rid = db.prepare('SELECT rid FROM resources WHERE type = ? AND id = ?').pluck().get(record.resourceType, record.id) as number;
        writer.remove(rid);
        writer.insert(rid, record.resourceType, extractIndexRows(record, undefined, { everyParameter: true }));
      }
    });
    const derivedRows = () => db.prepare(`SELECT (SELECT count(*) FROM idx_token WHERE param IN ('combo-code', '_id'))
      + (SELECT count(*) FROM idx_reference WHERE param = 'patient' AND type <> 'Immunization') + (SELECT count(*) FROM idx_quantity WHERE param = 'combo-value-quantity')`).pluck().get() as number;
    expect(derivedRows()).toBeGreaterThan(400);
    const queries = [...QUERIES, 'Observation?combo-code=http://loinc.org|8867-4&_count=500', 'Observation?patient:missing=false&_count=500', 'Encounter?_count=500&_sort=patient'];
    const before = queries.map(ids);
    for (const answer of before) expect(answer.total).toBeGreaterThan(0);

    migrate(db, VAULT_MIGRATIONS, 'vault');
    expect(derivedRows()).toBe(0);
    expect(queries.map(ids)).toEqual(before);
  });
});

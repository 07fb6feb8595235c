import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomKey } from '../keys/key-derivation.ts';
import { VAULT_MIGRATIONS } from '../vault/vault-schema.ts';
import { SYSTEM_MIGRATIONS } from '../instance/system-schema.ts';
import { openEncryptedDatabase, type SqliteDatabase } from './encrypted-database.ts';
import { appliedMigrationCount, migrate, type Migration } from './migrations.ts';

let dir: string;
let db: SqliteDatabase;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-mig-'));
  db = openEncryptedDatabase(join(dir, 'm.db'), randomKey(), { create: true });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const first: Migration = { id: 1, name: 'one', up: (d) => d.exec('CREATE TABLE a (x)') };
const second: Migration = { id: 2, name: 'two', up: (d) => d.exec("ALTER TABLE a ADD COLUMN y DEFAULT 'y'") };

describe('migrations', () => {
  it('applies pending migrations in order and only once', () => {
    migrate(db, [first], 'test');
    db.exec('INSERT INTO a (x) VALUES (1)');
    migrate(db, [first, second], 'test');
    migrate(db, [first, second], 'test');
    expect(appliedMigrationCount(db)).toBe(2);
    expect(db.prepare('SELECT x, y FROM a').get()).toEqual({ x: 1, y: 'y' });
  });

  it('refuses a database from a newer Hearth', () => {
    migrate(db, [first, second], 'vault');
    expect(() => migrate(db, [first], 'vault')).toThrow(/written by a newer Hearth .*migration 2 "two"/);
  });

  it('refuses a database whose history differs from the shipped list', () => {
    migrate(db, [first], 'vault');
    expect(() => migrate(db, [{ ...first, name: 'other' }], 'vault')).toThrow(/not written by this Hearth/);
  });

  it('rolls back a failing migration whole', () => {
    const broken: Migration = { id: 2, name: 'broken', up: (d) => { d.exec('CREATE TABLE b (x)'); throw new Error('boom'); } };
    migrate(db, [first], 'test');
    expect(() => migrate(db, [first, broken], 'test')).toThrow('boom');
    expect(appliedMigrationCount(db)).toBe(1);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'b'").get()).toEqual({ n: 0 });
  });

  it('upgrades databases created by every earlier shipped version', () => {
    for (const migrations of [SYSTEM_MIGRATIONS, VAULT_MIGRATIONS]) {
      for (let applied = 1; applied <= migrations.length; applied++) {
        const path = join(dir, `upgrade-${migrations.length}-${applied}-${Math.random()}.db`);
        const key = randomKey();
        const old = openEncryptedDatabase(path, key, { create: true });
        migrate(old, migrations.slice(0, applied), 'old');
        old.close();
        const current = openEncryptedDatabase(path, key);
        migrate(current, migrations, 'current');
        expect(appliedMigrationCount(current)).toBe(migrations.length);
        current.close();
      }
    }
  });
});

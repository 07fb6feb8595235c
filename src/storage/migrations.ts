import { HearthError } from '../errors/hearth-error.ts';
import type { SqliteDatabase } from './encrypted-database.ts';

/**
 * Numbered, append-only schema migrations. A shipped migration is never edited or removed; a
 * change is a new migration. Like actualbudget/actual, a database whose applied list is not a
 * prefix of the shipped list is refused: it was written by a newer (or a different) Hearth.
 */
export interface Migration {
  id: number;
  name: string;
  up: (db: SqliteDatabase) => void;
}

export function migrate(db: SqliteDatabase, migrations: readonly Migration[], what: string): void {
  migrations.forEach((migration, index) => {
    if (migration.id !== index + 1) throw new Error(`${what} migrations must be numbered 1..n without gaps`);
  });
  db.exec(`CREATE TABLE IF NOT EXISTS hearth_migrations (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = db.prepare('SELECT id, name FROM hearth_migrations ORDER BY id').all() as { id: number; name: string }[];
  applied.forEach((row, index) => {
    const shipped = migrations[index];
    if (!shipped) {
      throw new HearthError(
        'version',
        `the ${what} database was written by a newer Hearth (it has migration ${row.id} "${row.name}", this Hearth knows ${migrations.length}); upgrade Hearth to open it`,
      );
    }
    if (shipped.id !== row.id || shipped.name !== row.name) {
      throw new HearthError('version', `the ${what} database has migration ${row.id} "${row.name}" where this Hearth has "${shipped.name}"; it was not written by this Hearth`);
    }
  });
  const record = db.prepare('INSERT INTO hearth_migrations (id, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of migrations.slice(applied.length)) {
    db.transaction(() => {
      migration.up(db);
      record.run(migration.id, migration.name, new Date().toISOString());
    })();
  }
}

export function appliedMigrationCount(db: SqliteDatabase): number {
  return (db.prepare('SELECT count(*) AS n FROM hearth_migrations').get() as { n: number }).n;
}

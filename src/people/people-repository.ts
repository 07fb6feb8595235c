import type { SqliteDatabase } from '../storage/encrypted-database.ts';

export interface Person {
  id: string;
  name: string;
  createdAt: string;
}

/** SQL for people and their wrapped data keys in the system database. */
export function peopleRepository(db: SqliteDatabase) {
  const insertPerson = db.prepare('INSERT INTO people (id, name, created_at) VALUES (?, ?, ?)');
  const insertKey = db.prepare('INSERT INTO person_keys (person_id, wrapped, created_at) VALUES (?, ?, ?)');
  const selectAll = db.prepare('SELECT id, name, created_at AS createdAt FROM people ORDER BY created_at, id');
  const selectOne = db.prepare('SELECT id, name, created_at AS createdAt FROM people WHERE id = ?');
  const selectKey = db.prepare('SELECT wrapped FROM person_keys WHERE person_id = ?');
  const selectLink = db.prepare('SELECT value FROM settings WHERE key = ?').pluck();
  const insertLink = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
  return {
    insert(person: Person, wrappedKey: Buffer): void {
      db.transaction(() => {
        insertPerson.run(person.id, person.name, person.createdAt);
        insertKey.run(person.id, wrappedKey, person.createdAt);
      })();
    },
    list: (): Person[] => selectAll.all() as Person[],
    get: (id: string): Person | undefined => selectOne.get(id) as Person | undefined,
    linkedPersonId: (link: string) => selectLink.get(`person-link:${link}`) as string | undefined,
    link(link: string, personId: string): void {
      insertLink.run(`person-link:${link}`, personId);
    },
    /** The wrapped key, null once destroyed, undefined for an unknown person. */
    wrappedKey(id: string): Buffer | null | undefined {
      const row = selectKey.get(id) as { wrapped: Buffer | null } | undefined;
      return row?.wrapped;
    },
  };
}

export type PeopleRepository = ReturnType<typeof peopleRepository>;

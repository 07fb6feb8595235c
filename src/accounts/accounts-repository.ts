import type { SqliteDatabase } from '../storage/encrypted-database.ts';

/** What a person's grant lets an account do for them; see access/access.ts for the actions. */
export type GrantRole = 'owner' | 'manager' | 'viewer';
export const GRANT_ROLES: readonly GrantRole[] = ['owner', 'manager', 'viewer'];

/** An account as the rest of Hearth sees it: never with its password hash. */
export interface Account {
  id: string;
  username: string;
  /** The instance owner: may do everything for every person. At most one. */
  isOwner: boolean;
  createdAt: string;
  disabledAt: string | null;
  passwordChangedAt: string;
}

export interface Grant {
  accountId: string;
  personId: string;
  role: GrantRole;
  createdAt: string;
}

interface AccountRow {
  id: string;
  username: string;
  is_owner: number;
  created_at: string;
  disabled_at: string | null;
  password_changed_at: string;
}

const ACCOUNT_COLUMNS = 'id, username, is_owner, created_at, disabled_at, password_changed_at';
const GRANT_COLUMNS = 'account_id AS accountId, person_id AS personId, role, created_at AS createdAt';

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    username: row.username,
    isOwner: row.is_owner === 1,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
    passwordChangedAt: row.password_changed_at,
  };
}

/** SQL for accounts and grants in the system database (migration 3). */
export function accountsRepository(db: SqliteDatabase) {
  const insertAccount = db.prepare(`INSERT INTO accounts (id, username, password_hash, is_owner, created_at, password_changed_at)
    VALUES (?, ?, ?, ?, ?, ?)`);
  const selectAll = db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY created_at, id`);
  const selectById = db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = ?`);
  const selectByName = db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE username = ?`);
  const selectHash = db.prepare('SELECT password_hash FROM accounts WHERE id = ?').pluck();
  const countOwners = db.prepare('SELECT count(*) FROM accounts WHERE is_owner = 1 AND disabled_at IS NULL').pluck();
  const anyOwner = db.prepare('SELECT count(*) FROM accounts WHERE is_owner = 1').pluck();
  const updateHash = db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?');
  const updatePassword = db.prepare('UPDATE accounts SET password_hash = ?, password_changed_at = ? WHERE id = ?');
  const updateDisabled = db.prepare('UPDATE accounts SET disabled_at = ? WHERE id = ?');
  const upsertGrant = db.prepare(`INSERT INTO grants (account_id, person_id, role, created_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (account_id, person_id) DO UPDATE SET role = excluded.role`);
  const deleteGrant = db.prepare('DELETE FROM grants WHERE account_id = ? AND person_id = ?');
  const selectGrants = db.prepare(`SELECT ${GRANT_COLUMNS} FROM grants WHERE account_id = ? ORDER BY created_at, person_id`);
  const selectGrant = db.prepare(`SELECT ${GRANT_COLUMNS} FROM grants WHERE account_id = ? AND person_id = ?`);
  const selectPerson = db.prepare('SELECT 1 FROM people WHERE id = ?').pluck();
  const selectGrantsFor = db.prepare(`SELECT g.account_id AS accountId, a.username AS username, g.role AS role
    FROM grants g JOIN accounts a ON a.id = g.account_id WHERE g.person_id = ? ORDER BY a.username, g.account_id`);

  return {
    /** Inserts the account and its grants in one transaction. */
    insert(account: Account, passwordHash: string, grants: readonly Grant[] = []): void {
      db.transaction(() => {
        insertAccount.run(account.id, account.username, passwordHash, account.isOwner ? 1 : 0, account.createdAt, account.passwordChangedAt);
        for (const grant of grants) upsertGrant.run(grant.accountId, grant.personId, grant.role, grant.createdAt);
      })();
    },
    list: (): Account[] => (selectAll.all() as AccountRow[]).map(toAccount),
    byId(id: string): Account | undefined {
      const row = selectById.get(id) as AccountRow | undefined;
      return row && toAccount(row);
    },
    /** Usernames compare without regard to case (COLLATE NOCASE on the column). */
    byUsername(username: string): Account | undefined {
      const row = selectByName.get(username) as AccountRow | undefined;
      return row && toAccount(row);
    },
    passwordHash: (id: string) => selectHash.get(id) as string | undefined,
    /** Owners that are not disabled. */
    activeOwnerCount: () => countOwners.get() as number,
    ownerExists: () => (anyOwner.get() as number) > 0,
    /** The same password under stronger parameters: not a password change. */
    replaceHash(id: string, passwordHash: string): void {
      updateHash.run(passwordHash, id);
    },
    setPassword(id: string, passwordHash: string, changedAt: string): void {
      updatePassword.run(passwordHash, changedAt, id);
    },
    setDisabled(id: string, disabledAt: string): void {
      updateDisabled.run(disabledAt, id);
    },
    putGrant(grant: Grant): void {
      upsertGrant.run(grant.accountId, grant.personId, grant.role, grant.createdAt);
    },
    deleteGrant: (accountId: string, personId: string): boolean => deleteGrant.run(accountId, personId).changes > 0,
    grantsOf: (accountId: string): Grant[] => selectGrants.all(accountId) as Grant[],
    grant: (accountId: string, personId: string) => selectGrant.get(accountId, personId) as Grant | undefined,
    /** Who holds a grant for the person, with their usernames. */
    grantsForPerson: (personId: string) => selectGrantsFor.all(personId) as { accountId: string; username: string; role: GrantRole }[],
    personExists: (personId: string): boolean => selectPerson.get(personId) !== undefined,
  };
}

export type AccountsRepository = ReturnType<typeof accountsRepository>;

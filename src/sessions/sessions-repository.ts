import type { SqliteDatabase } from '../storage/encrypted-database.ts';

/** A stored session: keyed by the SHA-256 (hex) of its opaque id, never the id itself. */
export interface SessionRow {
  idHash: string;
  accountId: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  lastSeenAt: number;
  userAgent: string | null;
  address: string | null;
  /** When the session last proved the password again (migration 5); null when never. */
  reauthAt: number | null;
}

const COLUMNS = 'id_hash AS idHash, account_id AS accountId, created_at AS createdAt, last_seen_at AS lastSeenAt, user_agent AS userAgent, address, reauth_at AS reauthAt';

/** SQL only: the `sessions` and `login_failures` tables of the system database (migration 4). */
export function sessionsRepository(db: SqliteDatabase) {
  const byHash = db.prepare(`SELECT ${COLUMNS} FROM sessions WHERE id_hash = ?`);
  const insert = db.prepare(`INSERT INTO sessions (id_hash, account_id, created_at, last_seen_at, user_agent, address)
    VALUES (@idHash, @accountId, @createdAt, @lastSeenAt, @userAgent, @address)`);
  const touch = db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?');
  const stampReauth = db.prepare('UPDATE sessions SET reauth_at = ? WHERE id_hash = ?');
  const remove = db.prepare('DELETE FROM sessions WHERE id_hash = ?');
  const removeExpired = db.prepare('DELETE FROM sessions WHERE last_seen_at <= ? OR created_at <= ?');
  const listForAccount = db.prepare(`SELECT ${COLUMNS} FROM sessions WHERE account_id = ? ORDER BY created_at, id_hash`);
  const removeForAccount = db.prepare('DELETE FROM sessions WHERE account_id = ? AND id_hash <> ?');
  const removeByPrefix = db.prepare('DELETE FROM sessions WHERE account_id = ? AND substr(id_hash, 1, ?) = ?');

  const countFailures = db.prepare('SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_failures WHERE account_key = ? AND at > ?');
  const insertFailure = db.prepare('INSERT INTO login_failures (account_key, at) VALUES (?, ?)');
  const pruneFailures = db.prepare('DELETE FROM login_failures WHERE account_key = ? AND at <= ?');
  const clearFailures = db.prepare('DELETE FROM login_failures WHERE account_key = ?');

  return {
    get: (idHash: string) => byHash.get(idHash) as SessionRow | undefined,
    insert: ({ reauthAt: _unset, ...row }: SessionRow) => void insert.run(row),
    touch: (idHash: string, at: number) => void touch.run(at, idHash),
    stampReauth: (idHash: string, at: number) => void stampReauth.run(at, idHash),
    delete: (idHash: string): boolean => remove.run(idHash).changes > 0,
    /** Removes every session idle since `idleBefore` or created before `createdBefore`. */
    deleteExpired: (idleBefore: number, createdBefore: number) => void removeExpired.run(idleBefore, createdBefore),
    listFor: (accountId: string) => listForAccount.all(accountId) as SessionRow[],
    /** Every session of the account except `keepHash` (pass '' to keep none); the count removed. */
    deleteAllFor: (accountId: string, keepHash: string): number => removeForAccount.run(accountId, keepHash).changes,
    deleteByPrefix: (accountId: string, prefix: string): number => removeByPrefix.run(accountId, prefix.length, prefix).changes,

    failuresSince(accountKey: string, since: number): { count: number; oldest: number | null } {
      const row = countFailures.get(accountKey, since) as { n: number; oldest: number | null };
      return { count: row.n, oldest: row.oldest };
    },
    addFailure: (accountKey: string, at: number) => void insertFailure.run(accountKey, at),
    pruneFailures: (accountKey: string, before: number) => void pruneFailures.run(accountKey, before),
    clearFailures: (accountKey: string) => void clearFailures.run(accountKey),
    transaction: <T>(work: () => T): T => db.transaction(work)(),
  };
}

export type SessionsRepository = ReturnType<typeof sessionsRepository>;

import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import type { GrantRole } from './accounts-repository.ts';

/** An invite as stored (migration 5); times in milliseconds since the epoch. */
export interface InviteRow {
  id: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
}

export interface InviteGrantRow {
  personId: string;
  personName: string;
  role: GrantRole;
}

const COLUMNS = 'id, created_by AS createdBy, created_at AS createdAt, expires_at AS expiresAt';
/** Neither used, revoked nor expired at the given time. */
const PENDING = 'used_at IS NULL AND revoked_at IS NULL AND expires_at > ?';

/** SQL only: the `invites` and `invite_grants` tables of the system database. */
export function invitesRepository(db: SqliteDatabase) {
  const insertInvite = db.prepare('INSERT INTO invites (id, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)');
  const insertGrant = db.prepare('INSERT INTO invite_grants (invite_id, person_id, role) VALUES (?, ?, ?)');
  const selectPending = db.prepare(`SELECT ${COLUMNS} FROM invites WHERE ${PENDING} ORDER BY created_at, id`);
  const selectByTokenHash = db.prepare(`SELECT ${COLUMNS} FROM invites WHERE token_hash = ? AND ${PENDING}`);
  const selectGrants = db.prepare(`SELECT g.person_id AS personId, p.name AS personName, g.role AS role
    FROM invite_grants g JOIN people p ON p.id = g.person_id WHERE g.invite_id = ? ORDER BY p.name, g.person_id`);
  const selectPerson = db.prepare('SELECT 1 FROM people WHERE id = ?').pluck();
  const revoke = db.prepare(`UPDATE invites SET revoked_at = ? WHERE id = ? AND ${PENDING}`);
  const claim = db.prepare(`UPDATE invites SET used_at = ? WHERE id = ? AND ${PENDING}`);
  const release = db.prepare('UPDATE invites SET used_at = NULL WHERE id = ? AND used_by IS NULL');
  const markUsedBy = db.prepare('UPDATE invites SET used_by = ? WHERE id = ?');

  return {
    insert(row: InviteRow, tokenHash: string, grants: readonly { personId: string; role: GrantRole }[]): void {
      db.transaction(() => {
        insertInvite.run(row.id, tokenHash, row.createdBy, row.createdAt, row.expiresAt);
        for (const grant of grants) insertGrant.run(row.id, grant.personId, grant.role);
      })();
    },
    pending: (at: number) => selectPending.all(at) as InviteRow[],
    pendingByTokenHash: (tokenHash: string, at: number) => selectByTokenHash.get(tokenHash, at) as InviteRow | undefined,
    grantsOf: (inviteId: string) => selectGrants.all(inviteId) as InviteGrantRow[],
    personExists: (personId: string): boolean => selectPerson.get(personId) !== undefined,
    /** True when a pending invite was revoked. */
    revoke: (id: string, at: number): boolean => revoke.run(at, id, at).changes > 0,
    /** Marks a pending invite used, atomically: true for exactly one caller. */
    claim: (id: string, at: number): boolean => claim.run(at, id, at).changes > 0,
    /** Undoes a claim whose account could not be created. */
    release: (id: string) => void release.run(id),
    markUsedBy: (id: string, accountId: string) => void markUsedBy.run(accountId, id),
  };
}

export type InvitesRepository = ReturnType<typeof invitesRepository>;

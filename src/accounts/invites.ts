import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { HearthError } from '../errors/hearth-error.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import type { GrantRole } from './accounts-repository.ts';
import { checkRole, type GrantInput } from './accounts-service.ts';

/** An invitation is good for a week (brief: issue 3 §2), then refused. */
export const INVITE_LIFETIME_MS = 7 * 24 * 60 * 60_000;
/** 32 random bytes, base64url: 256 bits, far above the 128 asked for; never guessable. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface Invite {
  id: string;
  createdBy: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  expiresAt: number;
  grants: { personId: string; personName: string; role: GrantRole }[];
}

interface InviteRow {
  id: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
}

const INVITE_COLUMNS = 'id, created_by AS createdBy, created_at AS createdAt, expires_at AS expiresAt';
const PENDING = 'used_at IS NULL AND revoked_at IS NULL AND expires_at > ?';
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Invitations to join this Hearth with given grants (SECURITY.md: never open sign-up). The token
 * is handed out once; only its SHA-256 is stored, so the database holds nothing that can be used
 * to accept an invite.
 */
export function invitesService({ db, now = Date.now }: { db: SqliteDatabase; now?: () => number }) {
  const insertInvite = db.prepare('INSERT INTO invites (id, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)');
  const insertGrant = db.prepare('INSERT INTO invite_grants (invite_id, person_id, role) VALUES (?, ?, ?)');
  const selectPending = db.prepare(`SELECT ${INVITE_COLUMNS} FROM invites WHERE ${PENDING} ORDER BY created_at, id`);
  const selectByToken = db.prepare(`SELECT ${INVITE_COLUMNS} FROM invites WHERE token_hash = ? AND ${PENDING}`);
  const selectGrants = db.prepare(`SELECT g.person_id AS personId, p.name AS personName, g.role AS role
    FROM invite_grants g JOIN people p ON p.id = g.person_id WHERE g.invite_id = ? ORDER BY p.name, g.person_id`);
  const selectPerson = db.prepare('SELECT 1 FROM people WHERE id = ?').pluck();
  const revoke = db.prepare(`UPDATE invites SET revoked_at = ? WHERE id = ? AND ${PENDING}`);
  const claim = db.prepare(`UPDATE invites SET used_at = ? WHERE id = ? AND ${PENDING}`);
  const release = db.prepare('UPDATE invites SET used_at = NULL WHERE id = ? AND used_by IS NULL');
  const markUsedBy = db.prepare('UPDATE invites SET used_by = ? WHERE id = ?');

  const withGrants = (row: InviteRow): Invite => ({ ...row, grants: selectGrants.all(row.id) as Invite['grants'] });

  return {
    /** A new invite; the token is returned this once. */
    create(createdBy: string, grants: readonly GrantInput[]): { invite: Invite; token: string } {
      if (grants.length === 0) throw new HearthError('invalid', 'an invite gives at least one grant');
      const seen = new Set<string>();
      for (const grant of grants) {
        checkRole(grant.role);
        if (seen.has(grant.personId)) throw new HearthError('invalid', 'an invite gives each person at most one grant');
        seen.add(grant.personId);
        if (selectPerson.get(grant.personId) === undefined) throw new HearthError('not-found', 'no such person');
      }
      const token = randomBytes(32).toString('base64url');
      const at = now();
      const row: InviteRow = { id: randomUUID(), createdBy, createdAt: at, expiresAt: at + INVITE_LIFETIME_MS };
      db.transaction(() => {
        insertInvite.run(row.id, hashOf(token), createdBy, row.createdAt, row.expiresAt);
        for (const grant of grants) insertGrant.run(row.id, grant.personId, grant.role);
      })();
      return { invite: withGrants(row), token };
    },

    /** Invites neither used, revoked nor expired. */
    listPending: (): Invite[] => (selectPending.all(now()) as InviteRow[]).map(withGrants),

    /** The pending invite for a token, or undefined (unknown, used, revoked and expired alike). */
    byToken(token: string): Invite | undefined {
      if (!TOKEN.test(token)) return undefined;
      const row = selectByToken.get(hashOf(token), now()) as InviteRow | undefined;
      return row && withGrants(row);
    },

    /** True when a pending invite was revoked. */
    revoke: (id: string): boolean => revoke.run(now(), id, now()).changes > 0,

    /**
     * Spends the invite on `createAccount`: claimed first (so two simultaneous accepts cannot both
     * win), given back if the account cannot be created (username taken, weak password).
     */
    async accept<T extends { id: string }>(token: string, createAccount: (invite: Invite) => Promise<T>): Promise<{ invite: Invite; account: T }> {
      const invite = this.byToken(token);
      if (!invite || claim.run(now(), invite.id, now()).changes === 0) throw new HearthError('not-found', 'no such invite');
      let account: T;
      try {
        account = await createAccount(invite);
      } catch (error) {
        release.run(invite.id);
        throw error;
      }
      markUsedBy.run(account.id, invite.id);
      return { invite, account };
    },
  };
}

export type InvitesService = ReturnType<typeof invitesService>;

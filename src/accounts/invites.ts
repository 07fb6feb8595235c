import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { HearthError } from '../errors/hearth-error.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { checkRole, type GrantInput } from './accounts-service.ts';
import { invitesRepository, type InviteGrantRow, type InviteRow } from './invites-repository.ts';

/** An invitation is good for a week (brief: issue 3 §2), then refused. */
export const INVITE_LIFETIME_MS = 7 * 24 * 60 * 60_000;
/** 32 random bytes, base64url: 256 bits, far above the 128 asked for; never guessable. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface Invite extends InviteRow {
  grants: InviteGrantRow[];
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Invitations to join this Hearth with given grants (SECURITY.md: never open sign-up). The token
 * is handed out once; only its SHA-256 is stored, so the database holds nothing that can be used
 * to accept an invite.
 */
export function invitesService({ db, now = Date.now }: { db: SqliteDatabase; now?: () => number }) {
  const repository = invitesRepository(db);
  const withGrants = (row: InviteRow): Invite => ({ ...row, grants: repository.grantsOf(row.id) });

  return {
    /** A new invite; the token is returned this once. */
    create(createdBy: string, grants: readonly GrantInput[]): { invite: Invite; token: string } {
      if (grants.length === 0) throw new HearthError('invalid', 'an invite gives at least one grant');
      const seen = new Set<string>();
      for (const grant of grants) {
        checkRole(grant.role);
        if (seen.has(grant.personId)) throw new HearthError('invalid', 'an invite gives each person at most one grant');
        seen.add(grant.personId);
        if (!repository.personExists(grant.personId)) throw new HearthError('not-found', 'no such person');
      }
      const token = randomBytes(32).toString('base64url');
      const at = now();
      const row: InviteRow = { id: randomUUID(), createdBy, createdAt: at, expiresAt: at + INVITE_LIFETIME_MS };
      repository.insert(row, hashOf(token), grants);
      return { invite: withGrants(row), token };
    },

    /** Invites neither used, revoked nor expired. */
    listPending: (): Invite[] => repository.pending(now()).map(withGrants),

    /** The pending invite for a token, or undefined (unknown, used, revoked and expired alike). */
    byToken(token: string): Invite | undefined {
      if (!TOKEN.test(token)) return undefined;
      const row = repository.pendingByTokenHash(hashOf(token), now());
      return row && withGrants(row);
    },

    /** True when a pending invite was revoked. */
    revoke: (id: string): boolean => repository.revoke(id, now()),

    /**
     * Spends the invite on `createAccount`: claimed first (so two simultaneous accepts cannot both
     * win), given back if the account cannot be created (username taken, weak password).
     */
    async accept<T extends { id: string }>(token: string, createAccount: (invite: Invite) => Promise<T>): Promise<{ invite: Invite; account: T }> {
      const invite = this.byToken(token);
      if (!invite || !repository.claim(invite.id, now())) throw new HearthError('not-found', 'no such invite');
      let account: T;
      try {
        account = await createAccount(invite);
      } catch (error) {
        repository.release(invite.id);
        throw error;
      }
      repository.markUsedBy(invite.id, account.id);
      return { invite, account };
    },
  };
}

export type InvitesService = ReturnType<typeof invitesService>;

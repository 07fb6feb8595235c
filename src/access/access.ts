import { accountsRepository, type GrantRole } from '../accounts/accounts-repository.ts';
import { HearthError } from '../errors/hearth-error.ts';
import { peopleRepository, type Person } from '../people/people-repository.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';

/**
 * Who is asking. `cli` is the operator at the shell: they already hold the machine, the data
 * directory and (through the key file or environment) the master key, so refusing them anything
 * here would protect nothing; the audit trail still records what they do. Every remote caller is
 * an `account`.
 */
export type Actor = { kind: 'account'; accountId: string } | { kind: 'cli' };

export type AccessAction = 'read' | 'search' | 'write' | 'export' | 'delete' | 'manage';
export const ACCESS_ACTIONS: readonly AccessAction[] = ['read', 'search', 'write', 'export', 'delete', 'manage'];

/** What each grant role allows for its person: the whole policy, as data. */
export const ROLE_ACTIONS: Readonly<Record<GrantRole, readonly AccessAction[]>> = {
  owner: ACCESS_ACTIONS,
  manager: ['read', 'search', 'write'],
  viewer: ['read', 'search'],
};

/**
 * The one refusal, for a person who does not exist and for one the actor may not see alike: it
 * names nothing, so a refusal cannot confirm that someone's records are here (SECURITY.md: 404,
 * never 403 with details).
 */
export const NOT_FOUND_MESSAGE = 'no such person';
const refusal = () => new HearthError('not-found', NOT_FOUND_MESSAGE);

export interface AccessControl {
  /** Returns when `actor` may do `action` for the person; otherwise throws the one not-found error. */
  requireAccess(actor: Actor, personId: string, action: AccessAction): void;
  /** The actions `actor` may take for the person: empty for a refused or unknown person. */
  allowedActions(actor: Actor, personId: string): readonly AccessAction[];
  /** The people `actor` may at least read. */
  visiblePeople(actor: Actor): Person[];
}

/**
 * THE ONE DOOR: every decision "may this actor touch this person's data" is made here, from the
 * accounts and grants in the system database. Services ask first, before opening a vault.
 */
export function accessControl(system: SqliteDatabase): AccessControl {
  const accounts = accountsRepository(system);
  const people = peopleRepository(system);

  /** Everything, only the grant's actions, or nothing; before checking the person exists. */
  function actionsFor(actor: Actor, personId: string): readonly AccessAction[] {
    if (actor.kind === 'cli') return ACCESS_ACTIONS;
    const account = accounts.byId(actor.accountId);
    if (!account || account.disabledAt !== null) return [];
    if (account.isOwner) return ACCESS_ACTIONS;
    const grant = accounts.grant(account.id, personId);
    return grant ? ROLE_ACTIONS[grant.role] : [];
  }

  function allowedActions(actor: Actor, personId: string): readonly AccessAction[] {
    if (people.get(personId) === undefined) return [];
    return actionsFor(actor, personId);
  }

  return {
    requireAccess(actor, personId, action) {
      if (!allowedActions(actor, personId).includes(action)) throw refusal();
    },
    allowedActions,
    visiblePeople(actor) {
      return people.list().filter((person) => actionsFor(actor, person.id).includes('read'));
    },
  };
}

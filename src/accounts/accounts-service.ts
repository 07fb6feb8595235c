import { randomUUID } from 'node:crypto';
import { HearthError } from '../errors/hearth-error.ts';
import type { SqliteDatabase } from '../storage/encrypted-database.ts';
import { accountsRepository, GRANT_ROLES, type Account, type AccountsRepository, type Grant, type GrantRole } from './accounts-repository.ts';
import { checkPasswordPolicy, DUMMY_HASH, hashPassword, verifyPassword } from './passwords.ts';

/**
 * The one answer to a failed login, whatever failed: an unknown user, a wrong password or a disabled
 * account (SECURITY.md: "unknown user and wrong password look identical"). The HTTP layer turns it
 * into its 401.
 */
export const LOGIN_FAILED = 'unknown user or wrong password';

const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;

export interface GrantInput {
  personId: string;
  role: GrantRole;
}

export interface AccountsServiceDeps {
  repository: AccountsRepository;
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
}

function checkUsername(username: string): string {
  if (!USERNAME.test(username)) {
    throw new HearthError('invalid', 'a username is 1 to 64 letters, digits, ".", "_", "-" or "@"');
  }
  return username;
}

export function checkRole(role: string): GrantRole {
  if (!(GRANT_ROLES as readonly string[]).includes(role)) throw new HearthError('invalid', `a role is one of ${GRANT_ROLES.join(', ')}`);
  return role as GrantRole;
}

/** Accounts, their passwords and their grants. Who may do what with them is access/access.ts. */
export function accountsService({ repository, now = () => new Date() }: AccountsServiceDeps) {
  const loginFailed = () => new HearthError('forbidden', LOGIN_FAILED);

  function requireAccount(username: string): Account {
    const account = repository.byUsername(username);
    if (!account) throw new HearthError('not-found', `no account "${username}"`);
    return account;
  }

  function requireAccountId(accountId: string): Account {
    const account = repository.byId(accountId);
    if (!account) throw new HearthError('not-found', `no account with id ${accountId}`);
    return account;
  }

  function checkGrant(accountId: string, input: GrantInput, createdAt: string): Grant {
    const role = checkRole(input.role);
    if (!repository.personExists(input.personId)) throw new HearthError('not-found', `no person with id ${input.personId}`);
    return { accountId, personId: input.personId, role, createdAt };
  }

  async function create(username: string, password: string, isOwner: boolean, grants: readonly GrantInput[]): Promise<Account> {
    checkUsername(username);
    if (isOwner && repository.ownerExists()) throw new HearthError('conflict', 'this instance already has an owner');
    if (repository.byUsername(username)) throw new HearthError('conflict', `the username "${username}" is taken`);
    checkPasswordPolicy(password);
    const at = now().toISOString();
    const account: Account = { id: randomUUID(), username, isOwner, createdAt: at, disabledAt: null, passwordChangedAt: at };
    const checked = grants.map((grant) => checkGrant(account.id, grant, at));
    const passwordHash = await hashPassword(password);
    // Checked again after the (slow) hash: another process may have added an owner meanwhile. The
    // unique indexes stay the last word.
    if (isOwner && repository.ownerExists()) throw new HearthError('conflict', 'this instance already has an owner');
    if (repository.byUsername(username)) throw new HearthError('conflict', `the username "${username}" is taken`);
    repository.insert(account, passwordHash, checked);
    return account;
  }

  return {
    /** The instance owner: only when there is none yet. */
    createOwner: (username: string, password: string, grants: readonly GrantInput[] = []) => create(username, password, true, grants),
    addAccount: (username: string, password: string, grants: readonly GrantInput[] = []) => create(username, password, false, grants),
    list: (): Account[] => repository.list(),
    get: (accountId: string): Account | undefined => repository.byId(accountId),
    byUsername: (username: string): Account | undefined => repository.byUsername(username),

    async resetPassword(username: string, newPassword: string): Promise<Account> {
      const account = requireAccount(username);
      checkPasswordPolicy(newPassword);
      const changedAt = now().toISOString();
      repository.setPassword(account.id, await hashPassword(newPassword), changedAt);
      return { ...account, passwordChangedAt: changedAt };
    },

    disable(username: string): Account {
      const account = requireAccount(username);
      if (account.disabledAt !== null) return account;
      if (account.isOwner && repository.activeOwnerCount() <= 1) {
        throw new HearthError('conflict', 'the instance owner cannot be disabled: it is the only owner');
      }
      const disabledAt = now().toISOString();
      repository.setDisabled(account.id, disabledAt);
      return { ...account, disabledAt };
    },

    /**
     * The account for a username and password, or LOGIN_FAILED. Every path runs exactly one argon2
     * verification (a dummy hash for an unknown or malformed username) before deciding, so neither
     * the message nor the time tells an unknown user from a wrong password or a disabled account.
     * A hash under weaker parameters is replaced after a successful login (ASVS 5.0 V11.4.2).
     */
    async authenticate(username: string, password: string): Promise<Account> {
      const account = USERNAME.test(username) ? repository.byUsername(username) : undefined;
      const stored = (account && repository.passwordHash(account.id)) ?? DUMMY_HASH;
      const check = await verifyPassword(stored, password);
      if (!account || !check.ok || account.disabledAt !== null) throw loginFailed();
      if (check.needsRehash) repository.replaceHash(account.id, await hashPassword(password));
      return account;
    },

    /** Gives (or changes) an account's role for a person. */
    grant(accountId: string, personId: string, role: GrantRole): Grant {
      requireAccountId(accountId);
      const grant = checkGrant(accountId, { personId, role }, now().toISOString());
      const existing = repository.grant(accountId, personId);
      repository.putGrant(grant);
      return existing ? { ...grant, createdAt: existing.createdAt } : grant;
    },
    /** True when there was a grant to take away. */
    revoke(accountId: string, personId: string): boolean {
      return repository.deleteGrant(accountId, personId);
    },
    grantsOf: (accountId: string): Grant[] => repository.grantsOf(accountId),
    grantsForPerson: (personId: string) => repository.grantsForPerson(personId),
  };
}

export type AccountsService = ReturnType<typeof accountsService>;

/** The accounts service over an instance's system database. */
export function accountsOf(system: SqliteDatabase, now?: () => Date): AccountsService {
  return accountsService({ repository: accountsRepository(system), ...(now ? { now } : {}) });
}

import type { FastifyInstance } from 'fastify';
import type { Account } from '../accounts/accounts-repository.ts';
import { LOGIN_FAILED } from '../accounts/accounts-service.ts';
import { HearthError, isHearthError } from '../errors/hearth-error.ts';
import { auditRequest, clearSessionCookie, requireSignedIn, sessionCookieOf, signIn, verifyCredentials, type AuthContext } from './auth-context.ts';

interface Credentials {
  username: string;
  password: string;
}

/** Bounded strings: an argon2 input or a username never needs more. */
export const CREDENTIALS_SCHEMA = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: { username: { type: 'string', minLength: 1, maxLength: 256 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
} as const;

/** Sign-in: the credentials and, for an account with TOTP, a 6-digit code or a recovery code. */
export const LOGIN_SCHEMA = {
  ...CREDENTIALS_SCHEMA,
  properties: { ...CREDENTIALS_SCHEMA.properties, code: { type: 'string', maxLength: 32 } },
} as const;

/** Unknown user, wrong password, wrong code and disabled account: one status, one body (SECURITY.md). */
const loginFailed = () => new HearthError('unauthenticated', LOGIN_FAILED);

/** Setup, sign-in, sign-out and "who am I" under /api. */
export function registerAuthRoutes(app: FastifyInstance, context: AuthContext): void {
  app.get('/api/setup', async () => ({ needsOwner: !context.ownerExists() }));

  // The instance owner, created once from the browser; afterwards the route does not exist.
  app.post<{ Body: Credentials }>('/api/setup', { schema: { body: CREDENTIALS_SCHEMA } }, async (request, reply) => {
    if (context.ownerExists()) throw new HearthError('not-found', 'no such route');
    let owner: Account;
    try {
      owner = await context.accounts.createOwner(request.body.username, request.body.password);
    } catch (error) {
      // Another request created the owner meanwhile: the route is gone for this one too.
      if (isHearthError(error) && error.code === 'conflict' && context.ownerExists()) throw new HearthError('not-found', 'no such route');
      throw error;
    }
    auditRequest(context, request, { actor: owner.id, action: 'setting', outcome: 'success', what: { query: `change=setup-owner&account=${owner.id}` } });
    signIn(context, request, reply, owner);
    auditRequest(context, request, { actor: owner.id, action: 'login', outcome: 'success' });
    return reply.code(201).send({ account: accountView(owner, context) });
  });

  app.post<{ Body: Credentials & { code?: string } }>('/api/login', { schema: { body: LOGIN_SCHEMA } }, async (request, reply) => {
    const { username, password, code } = request.body;
    // Who the attempt was against, for the audit trail only: the typed name itself is never
    // recorded (it is sometimes a password typed in the wrong box).
    const actor = context.accounts.byUsername(username)?.id ?? 'unknown';
    let account: Account;
    try {
      const verified = await verifyCredentials(context, username, password, code);
      account = verified.account;
      if (verified.factor.ok && verified.factor.kind === 'recovery') {
        auditRequest(context, request, { actor: account.id, action: 'login', outcome: 'success', what: { query: `factor=recovery-code&remaining=${verified.factor.remaining}` } });
      }
    } catch (error) {
      auditRequest(context, request, { actor, action: 'login', outcome: isHearthError(error) && error.code === 'too-many' ? 'denied' : 'failure' });
      if (isHearthError(error) && error.code === 'forbidden') throw loginFailed();
      throw error;
    }
    signIn(context, request, reply, account);
    auditRequest(context, request, { actor: account.id, action: 'login', outcome: 'success' });
    return { account: accountView(account, context) };
  });

  app.post('/api/logout', async (request, reply) => {
    const rawId = sessionCookieOf(request);
    const session = context.sessions.resolve(rawId);
    if (rawId && session) {
      context.sessions.end(rawId);
      auditRequest(context, request, { actor: session.accountId, action: 'logout', outcome: 'success' });
    }
    clearSessionCookie(reply);
    return reply.code(204).send();
  });

  app.get('/api/session', async (request) => {
    const { account } = requireSignedIn(context, request);
    const actor = { kind: 'account', accountId: account.id } as const;
    const roles = new Map(context.accounts.grantsOf(account.id).map((grant) => [grant.personId, grant.role]));
    const people = context.access.visiblePeople(actor).map((person) => ({
      id: person.id,
      name: person.name,
      role: roles.get(person.id) ?? (account.isOwner ? 'owner' : 'viewer'),
      actions: context.access.allowedActions(actor, person.id),
    }));
    return { account: accountView(account, context), people };
  });
}

export function accountView(account: Account, context: AuthContext) {
  return { id: account.id, username: account.username, isOwner: account.isOwner, totpEnabled: context.totp.isEnabled(account.id) };
}

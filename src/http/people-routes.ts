import type { FastifyInstance } from 'fastify';
import { checkRole } from '../accounts/accounts-service.ts';
import { HearthError } from '../errors/hearth-error.ts';
import { auditRequest, requireFreshAuth, requireOwner, requireSignedIn, type AuthContext } from './auth-context.ts';

const PERSON_SCHEMA = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

const ROLE_SCHEMA = {
  type: 'object',
  required: ['role'],
  additionalProperties: false,
  properties: { role: { type: 'string', enum: ['owner', 'manager', 'viewer'] } },
} as const;

interface GrantParams {
  personId: string;
  accountId: string;
}

/**
 * People and who may see them. Adding a person and listing accounts are the instance owner's
 * (403 'forbidden' to everyone else, see requireOwner); a person's grants are for whoever may
 * 'manage' that person, asked of the access door first, so anyone else gets its one 404.
 * Grant changes are account events: they go into the system audit log, naming the person.
 */
export function registerPeopleRoutes(app: FastifyInstance, context: AuthContext): void {
  const actorOf = (accountId: string) => ({ kind: 'account', accountId }) as const;

  app.post<{ Body: { name: string } }>('/api/people', { schema: { body: PERSON_SCHEMA } }, async (request, reply) => {
    const { account } = requireOwner(context, request);
    const name = request.body.name.trim();
    if (name === '') throw new HearthError('invalid', 'a person needs a name');
    const person = context.people.add(name);
    auditRequest(context, request, { actor: account.id, personId: person.id, action: 'setting', outcome: 'success', what: { query: 'change=add-person' } });
    return reply.code(201).send({ person: { id: person.id, name: person.name } });
  });

  app.get('/api/accounts', async (request) => {
    requireOwner(context, request);
    return {
      accounts: context.accounts.list().map((account) => ({
        id: account.id,
        username: account.username,
        isOwner: account.isOwner,
        disabled: account.disabledAt !== null,
        totpEnabled: context.totp.isEnabled(account.id),
      })),
    };
  });

  app.get<{ Params: { personId: string } }>('/api/people/:personId/grants', async (request) => {
    const { account } = requireSignedIn(context, request);
    context.access.requireAccess(actorOf(account.id), request.params.personId, 'manage');
    auditRequest(context, request, { actor: account.id, personId: request.params.personId, action: 'read', outcome: 'success', what: { query: 'list=grants' } });
    return { grants: context.accounts.grantsForPerson(request.params.personId) };
  });

  // Sharing is sensitive: the caller's password must be fresh (SECURITY.md), like for invites.
  app.put<{ Params: GrantParams; Body: { role: string } }>('/api/people/:personId/grants/:accountId', { schema: { body: ROLE_SCHEMA } }, async (request) => {
    const { account } = requireFreshAuth(context, request);
    const { personId, accountId } = request.params;
    context.access.requireAccess(actorOf(account.id), personId, 'manage');
    if (!context.accounts.get(accountId)) throw new HearthError('not-found', 'no such account');
    const role = checkRole(request.body.role);
    context.accounts.grant(accountId, personId, role);
    auditRequest(context, request, { actor: account.id, personId, action: 'share', outcome: 'success', what: { query: `change=grant&account=${accountId}&role=${role}` } });
    return { grant: { accountId, role } };
  });

  app.delete<{ Params: GrantParams }>('/api/people/:personId/grants/:accountId', async (request, reply) => {
    const { account } = requireFreshAuth(context, request);
    const { personId, accountId } = request.params;
    context.access.requireAccess(actorOf(account.id), personId, 'manage');
    if (!context.accounts.revoke(accountId, personId)) throw new HearthError('not-found', 'no such grant');
    auditRequest(context, request, { actor: account.id, personId, action: 'share', outcome: 'success', what: { query: `change=revoke&account=${accountId}` } });
    return reply.code(204).send();
  });
}

import type { FastifyInstance } from 'fastify';
import type { GrantRole } from '../accounts/accounts-repository.ts';
import type { Invite } from '../accounts/invites.ts';
import { HearthError } from '../errors/hearth-error.ts';
import { CREDENTIALS_SCHEMA, accountView } from './auth-routes.ts';
import { auditRequest, requireOwner, signIn, type AuthContext } from './auth-context.ts';

const INVITE_SCHEMA = {
  type: 'object',
  required: ['grants'],
  additionalProperties: false,
  properties: {
    grants: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        required: ['personId', 'role'],
        additionalProperties: false,
        properties: { personId: { type: 'string', minLength: 1, maxLength: 64 }, role: { type: 'string', enum: ['owner', 'manager', 'viewer'] } },
      },
    },
  },
} as const;

const iso = (ms: number) => new Date(ms).toISOString();
const inviteView = (invite: Invite) => ({
  id: invite.id,
  createdAt: iso(invite.createdAt),
  expiresAt: iso(invite.expiresAt),
  grants: invite.grants.map((grant) => ({ personId: grant.personId, personName: grant.personName, role: grant.role })),
});

/**
 * Invitations (the only way in besides setup: never open sign-up). Creating, listing and revoking
 * are the owner's; viewing and accepting need the token only, no session, and are reachable once
 * the instance has an owner. The token travels in the path (`/invite/<token>` in the web app), so
 * it never reaches a log: requests are logged by route pattern (server.ts).
 */
export function registerInviteRoutes(app: FastifyInstance, context: AuthContext): void {
  app.post<{ Body: { grants: { personId: string; role: GrantRole }[] } }>('/api/invites', { schema: { body: INVITE_SCHEMA } }, async (request, reply) => {
    const { account } = requireOwner(context, request, true);
    const { invite, token } = context.invites.create(account.id, request.body.grants);
    const people = invite.grants.map((grant) => `&person=${grant.personId}&role=${grant.role}`).join('');
    auditRequest(context, request, { actor: account.id, action: 'share', outcome: 'success', what: { query: `change=invite&invite=${invite.id}${people}` } });
    return reply.code(201).send({ invite: { id: invite.id, expiresAt: iso(invite.expiresAt) }, token, path: `/invite/${token}` });
  });

  app.get('/api/invites', async (request) => {
    requireOwner(context, request);
    return { invites: context.invites.listPending().map(inviteView) };
  });

  app.delete<{ Params: { id: string } }>('/api/invites/:id', async (request, reply) => {
    const { account } = requireOwner(context, request);
    if (!context.invites.revoke(request.params.id)) throw new HearthError('not-found', 'no such invite');
    auditRequest(context, request, { actor: account.id, action: 'share', outcome: 'success', what: { query: `change=revoke-invite&invite=${request.params.id}` } });
    return reply.code(204).send();
  });

  // Unknown, used, revoked and expired tokens all get the same 404.
  app.get<{ Params: { token: string } }>('/api/invites/:token', async (request) => {
    const invite = context.invites.byToken(request.params.token);
    if (!invite) throw new HearthError('not-found', 'no such invite');
    return { valid: true, grants: invite.grants.map((grant) => ({ personName: grant.personName, role: grant.role })), expiresAt: iso(invite.expiresAt) };
  });

  app.post<{ Params: { token: string }; Body: { username: string; password: string } }>(
    '/api/invites/:token/accept',
    { schema: { body: CREDENTIALS_SCHEMA } },
    async (request, reply) => {
      const { username, password } = request.body;
      const { invite, account } = await context.invites.accept(request.params.token, (pending) =>
        context.accounts.addAccount(username, password, pending.grants.map((grant) => ({ personId: grant.personId, role: grant.role }))),
      );
      const people = invite.grants.map((grant) => `&person=${grant.personId}&role=${grant.role}`).join('');
      auditRequest(context, request, {
        actor: account.id,
        onBehalfOf: invite.createdBy,
        action: 'share',
        outcome: 'success',
        what: { query: `change=accept-invite&invite=${invite.id}&account=${account.id}&invited-by=${invite.createdBy}${people}` },
      });
      signIn(context, request, reply, account);
      auditRequest(context, request, { actor: account.id, action: 'login', outcome: 'success' });
      return reply.code(201).send({ account: accountView(account, context) });
    },
  );
}

import type { FastifyInstance } from 'fastify';
import { HearthError, isHearthError } from '../errors/hearth-error.ts';
import { auditRequest, clearSessionCookie, requireSignedIn, type AuthContext } from './auth-context.ts';

const PASSWORD_CHANGE_SCHEMA = {
  type: 'object',
  required: ['current', 'next'],
  additionalProperties: false,
  properties: { current: { type: 'string', minLength: 1, maxLength: 1024 }, next: { type: 'string', minLength: 1, maxLength: 1024 } },
} as const;

const iso = (ms: number) => new Date(ms).toISOString();

/** A person's own sessions and password (SECURITY.md: "a person can list and end sessions"). */
export function registerSessionRoutes(app: FastifyInstance, context: AuthContext): void {
  app.get('/api/sessions', async (request) => {
    const { account, session } = requireSignedIn(context, request);
    return {
      sessions: context.sessions.listFor(account.id).map((listed) => ({
        handle: listed.handle,
        createdAt: iso(listed.createdAt),
        lastSeenAt: iso(listed.lastSeenAt),
        userAgent: listed.userAgent,
        current: listed.handle === session.handle,
      })),
    };
  });

  app.delete<{ Params: { handle: string } }>('/api/sessions/:handle', async (request, reply) => {
    const { account, session } = requireSignedIn(context, request);
    const { handle } = request.params;
    if (!context.sessions.endByHandle(account.id, handle)) throw new HearthError('not-found', 'no such session');
    auditRequest(context, request, { actor: account.id, action: 'logout', outcome: 'success', what: { query: `change=end-session&session=${handle}` } });
    if (handle === session.handle) clearSessionCookie(reply);
    return reply.code(204).send();
  });

  // A password change is also a password guess for whoever holds a stolen session: the current
  // password goes through the same per-account limiter as a login.
  app.post<{ Body: { current: string; next: string } }>('/api/password', { schema: { body: PASSWORD_CHANGE_SCHEMA } }, async (request, reply) => {
    const { account, rawId } = requireSignedIn(context, request);
    const record = (outcome: 'success' | 'failure' | 'denied') =>
      auditRequest(context, request, { actor: account.id, action: 'setting', outcome, what: { query: `change=password&account=${account.id}` } });
    try {
      await context.limiter.guard(account.username, () => context.accounts.authenticate(account.username, request.body.current));
      await context.accounts.resetPassword(account.username, request.body.next);
    } catch (error) {
      record(isHearthError(error) && error.code === 'too-many' ? 'denied' : 'failure');
      if (isHearthError(error) && error.code === 'forbidden') throw new HearthError('forbidden', 'the current password is wrong');
      throw error;
    }
    const ended = context.sessions.endAllFor(account.id, rawId);
    record('success');
    if (ended > 0) {
      auditRequest(context, request, { actor: account.id, action: 'logout', outcome: 'success', what: { query: `change=end-other-sessions&count=${ended}` } });
    }
    return reply.code(204).send();
  });
}

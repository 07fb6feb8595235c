import type { FastifyInstance } from 'fastify';
import type { AuditOutcome } from '../audit/index.ts';
import { HearthError, isHearthError } from '../errors/hearth-error.ts';
import { auditRequest, requireFreshAuth, requireSignedIn, verifyCredentials, type AuthContext } from './auth-context.ts';

const REAUTH_SCHEMA = {
  type: 'object',
  required: ['password'],
  additionalProperties: false,
  properties: { password: { type: 'string', minLength: 1, maxLength: 1024 }, code: { type: 'string', maxLength: 32 } },
} as const;

const CODE_SCHEMA = {
  type: 'object',
  required: ['code'],
  additionalProperties: false,
  properties: { code: { type: 'string', minLength: 1, maxLength: 32 } },
} as const;

const wrongPassword = () => new HearthError('forbidden', 'the password or code is wrong');
const outcomeOf = (error: unknown): AuditOutcome => (isHearthError(error) && error.code === 'too-many' ? 'denied' : 'failure');

/**
 * Fresh re-authentication (SECURITY.md) and the TOTP second factor (RFC 6238). The seed goes to
 * the browser once, at setup, for the QR code; it is never logged or audited.
 */
export function registerTotpRoutes(app: FastifyInstance, context: AuthContext): void {
  /**
   * Checks the caller's own password (and code) through the limiter, as a login does. A wrong one
   * is 403, like POST /api/password: a 401 would read as "the session has ended".
   */
  async function provePassword(username: string, password: string, code: string | undefined) {
    try {
      return await verifyCredentials(context, username, password, code);
    } catch (error) {
      if (isHearthError(error) && error.code === 'forbidden') throw wrongPassword();
      throw error;
    }
  }

  app.post<{ Body: { password: string; code?: string } }>('/api/reauth', { schema: { body: REAUTH_SCHEMA } }, async (request, reply) => {
    const { account, rawId } = requireSignedIn(context, request);
    const record = (outcome: AuditOutcome, what?: string) =>
      auditRequest(context, request, { actor: account.id, action: 'login', outcome, what: { query: what ?? 'change=reauth' } });
    try {
      const { factor } = await provePassword(account.username, request.body.password, request.body.code);
      if (factor.ok && factor.kind === 'recovery') record('success', `change=reauth&factor=recovery-code&remaining=${factor.remaining}`);
    } catch (error) {
      record(outcomeOf(error));
      throw error;
    }
    context.sessions.stampReauth(rawId);
    record('success');
    return reply.code(204).send();
  });

  app.post('/api/totp/setup', async (request) => {
    const { account } = requireFreshAuth(context, request);
    const setup = context.totp.begin(account.id, account.username);
    auditRequest(context, request, { actor: account.id, action: 'setting', outcome: 'success', what: { query: `change=totp-setup&account=${account.id}` } });
    return setup;
  });

  app.post<{ Body: { code: string } }>('/api/totp/confirm', { schema: { body: CODE_SCHEMA } }, async (request) => {
    const { account } = requireFreshAuth(context, request);
    const record = (outcome: AuditOutcome) =>
      auditRequest(context, request, { actor: account.id, action: 'setting', outcome, what: { query: `change=totp-enable&account=${account.id}` } });
    let recoveryCodes: string[];
    try {
      recoveryCodes = context.totp.confirm(account.id, request.body.code.trim());
    } catch (error) {
      record('failure');
      throw error;
    }
    record('success');
    return { recoveryCodes };
  });

  // The password is proved again here (a fresh re-authentication in itself), through the limiter.
  // Only the password: a person who lost the device signs in with a recovery code, then turns it off.
  app.post<{ Body: { password: string } }>('/api/totp/disable', { schema: { body: REAUTH_SCHEMA } }, async (request, reply) => {
    const { account, rawId } = requireSignedIn(context, request);
    const record = (outcome: AuditOutcome) =>
      auditRequest(context, request, { actor: account.id, action: 'setting', outcome, what: { query: `change=totp-disable&account=${account.id}` } });
    try {
      await context.limiter.guard(account.username, () => context.accounts.authenticate(account.username, request.body.password));
    } catch (error) {
      record(outcomeOf(error));
      if (isHearthError(error) && error.code === 'forbidden') throw wrongPassword();
      throw error;
    }
    context.totp.disable(account.id);
    context.sessions.stampReauth(rawId);
    record('success');
    return reply.code(204).send();
  });
}

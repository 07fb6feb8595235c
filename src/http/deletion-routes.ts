import type { FastifyInstance, FastifyRequest } from 'fastify';
import { deletionService, type DeletionOptions, type Requester } from '../deletion/deletion-service.ts';
import { HearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';
import { sourceSyncSummaries } from '../sync/source-status.ts';
import { clearSessionCookie, requireFreshAuth, requireOwner, requireSignedIn, type AuthContext } from './auth-context.ts';

const CONFIRM_SCHEMA = {
  type: 'object',
  required: ['confirm'],
  additionalProperties: false,
  properties: { confirm: { type: 'string', maxLength: 200 } },
} as const;

type PersonParams = { personId: string };
type SourceParams = PersonParams & { sourceId: string };

const requesterOf = (accountId: string, request: FastifyRequest): Requester => ({
  actor: { kind: 'account', accountId },
  auditActor: accountId,
  sourceAddress: request.ip,
  requestId: String(request.id),
});

const OWNER_STAYS = () =>
  new HearthError('conflict', 'the instance owner account cannot be deleted from the web: without an owner, setup would reopen to anyone who reaches the server (use "hearth user delete" at the shell)');

/**
 * Deletion over HTTP (issue 6 §2), a thin layer over deletion/deletion-service.ts. Every route
 * needs a password proved within five minutes (requireFreshAuth, SECURITY.md), then the access door
 * ('delete' is the owner role's and the instance owner's). Deleting a person also needs their name
 * typed as `confirm`. Answers 204; the tombstone in the system audit trail names ids only.
 */
export function registerDeletionRoutes(app: FastifyInstance, context: AuthContext, instance: Instance, options: DeletionOptions = {}): void {
  // afterPersonDeleted: the server's backup config rewrites the key escrow (backup/escrow-writer.ts);
  // revokeAtProvider: the server's provider sessions end a deleted connection's grant.
  const deletion = deletionService(instance, context.lifecycle, options);

  app.get<{ Params: PersonParams }>('/api/people/:personId/sources', async (request) => {
    const { account } = requireSignedIn(context, request);
    const sources = deletion.listSources(requesterOf(account.id, request), request.params.personId);
    // Provider sources carry their sync state (sync/source-status.ts): status, last success, next run, last job.
    const sync = sourceSyncSummaries(instance.system, sources);
    return { sources: sources.map((source) => ({ ...source, sync: sync.get(source.id) ?? null })) };
  });

  app.delete<{ Params: SourceParams }>('/api/people/:personId/sources/:sourceId', async (request, reply) => {
    const { account } = requireFreshAuth(context, request);
    await deletion.deleteSource(requesterOf(account.id, request), request.params.sourceId, request.params.personId);
    return reply.code(204).send();
  });

  app.delete<{ Params: PersonParams; Body: { confirm: string } }>('/api/people/:personId', { schema: { body: CONFIRM_SCHEMA } }, async (request, reply) => {
    const { account } = requireFreshAuth(context, request);
    await deletion.deletePerson(requesterOf(account.id, request), request.params.personId, request.body.confirm);
    return reply.code(204).send();
  });

  app.delete<{ Params: { accountId: string } }>('/api/accounts/:accountId', async (request, reply) => {
    const { account } = requireOwner(context, request, true);
    if (request.params.accountId === account.id) throw OWNER_STAYS();
    deletion.deleteAccount(requesterOf(account.id, request), request.params.accountId);
    return reply.code(204).send();
  });

  app.delete('/api/account', async (request, reply) => {
    const { account } = requireFreshAuth(context, request);
    if (account.isOwner) throw OWNER_STAYS();
    deletion.deleteAccount(requesterOf(account.id, request), account.id);
    clearSessionCookie(reply);
    return reply.code(204).send();
  });
}

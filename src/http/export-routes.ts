import type { FastifyInstance } from 'fastify';
import { exportFileName, requireExportAccess, startExport, type ExportDeps } from '../export/export-service.ts';
import type { Instance } from '../instance/instance.ts';
import { requireFreshAuth, requireSignedIn, type AuthContext } from './auth-context.ts';

type PersonParams = { personId: string };

const EXPORT_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: { allVersions: { type: 'boolean' } },
} as const;

/**
 * `POST /api/people/:personId/export` `{ allVersions? }`: the person's full export as a zip
 * download. A POST although it changes nothing in the records: it needs the CSRF header and fresh
 * re-authentication (SECURITY.md: "Fresh re-authentication before full export"), and writes an
 * audit entry. Access first (a refusal is the one 404), then freshness (401 reauth-required).
 */
export function registerExportRoutes(app: FastifyInstance, context: AuthContext, instance: Instance): void {
  const deps: ExportDeps = { access: context.access, people: instance.people, systemAudit: context.audit, now: () => new Date(context.now()) };

  app.post<{ Params: PersonParams; Body: { allVersions?: boolean } | undefined }>('/api/people/:personId/export', { schema: { body: EXPORT_BODY } }, async (request, reply) => {
    const { account } = requireSignedIn(context, request);
    const who = {
      actor: { kind: 'account' as const, accountId: account.id },
      actorName: account.id,
      personId: request.params.personId,
      sourceAddress: request.ip,
      requestId: String(request.id),
    };
    requireExportAccess(deps, who);
    requireFreshAuth(context, request);
    const running = startExport(deps, { ...who, allVersions: request.body?.allVersions === true });
    // The reader may go away mid-download; the service records the failure, nothing more to do here.
    running.done.catch((error: unknown) => request.log.warn({ errorName: (error as Error)?.name }, 'export did not complete'));
    return reply
      .type('application/zip')
      .header('Content-Disposition', `attachment; filename="${exportFileName(running.person, new Date(context.now()))}"`)
      .send(running.stream);
  });
}

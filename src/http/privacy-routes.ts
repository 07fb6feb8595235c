import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';
import { auditView, type ViewRequester } from '../privacy/audit-view.ts';
import { requireSignedIn, type AuthContext } from './auth-context.ts';

type PersonParams = { personId: string };
type AuditQuery = { from?: string; to?: string; action?: string; limit?: string; offset?: string };

const QUERY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', maxLength: 40 },
    to: { type: 'string', maxLength: 40 },
    action: { type: 'string', maxLength: 20 },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
    offset: { type: 'string', pattern: '^[0-9]{1,9}$' },
  },
} as const;

const MAX_PAGE = 500;

function pageNumber(value: string | undefined, name: string, fallback: number, max: number, min: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new HearthError('invalid', `${name} must be ${min}..${max}`);
  return number;
}

const requesterOf = (accountId: string, request: FastifyRequest): ViewRequester => ({
  actor: { kind: 'account', accountId },
  auditActor: accountId,
  sourceAddress: request.ip,
  requestId: String(request.id),
});

/**
 * A person's audit trail for the web app (issue 6 §3): `GET /api/people/:personId/audit` (filtered,
 * paged, with the chain's verification) and `…/audit.ndjson` (FHIR AuditEvent, one per line). Needs
 * 'manage' on the person (privacy/audit-view.ts); both reads are recorded in the trail itself.
 */
export function registerPrivacyRoutes(app: FastifyInstance, context: AuthContext, instance: Instance): void {
  const view = auditView(instance);

  app.get<{ Params: PersonParams; Querystring: AuditQuery }>('/api/people/:personId/audit', { schema: { querystring: QUERY_SCHEMA } }, async (request) => {
    const { account } = requireSignedIn(context, request);
    const { from, to, action, limit, offset } = request.query;
    return view.page(requesterOf(account.id, request), request.params.personId, {
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(action ? { action } : {}),
      limit: pageNumber(limit, 'limit', 50, MAX_PAGE, 1),
      offset: pageNumber(offset, 'offset', 0, 1e9, 0),
    });
  });

  app.get<{ Params: PersonParams }>('/api/people/:personId/audit.ndjson', async (request, reply) => {
    const { account } = requireSignedIn(context, request);
    const body = view.exportNdjson(requesterOf(account.id, request), request.params.personId);
    return reply
      .type('application/fhir+ndjson')
      .header('Content-Disposition', 'attachment; filename="audit-trail.ndjson"')
      .send(body);
  });
}

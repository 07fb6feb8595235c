import type { FastifyInstance } from 'fastify';
import { personDoor } from '../fhir-api/person-door.ts';
import { sharedVaultCache } from '../fhir-api/vault-cache.ts';
import { healthService, type HealthServiceOptions } from '../health/health-service.ts';
import type { TimelineQuery } from '../health/timeline.ts';
import type { Instance } from '../instance/instance.ts';
import { sourcesRepository } from '../sources/sources-repository.ts';
import type { AuthContext } from './auth-context.ts';
import { callerOf } from './fhir/fhir-reply.ts';

const QUERY_TEXT = { type: 'string', maxLength: 200 } as const;

/**
 * "See your health" (issue 5): the dashboard, the visit timeline and lab results of one person, as
 * JSON for the web app. Aggregated on the server over the vault's index, so a page never pulls a
 * person's 100,000 records into the browser. Every route goes through the person door.
 */
export function registerHealthRoutes(app: FastifyInstance, instance: Instance, auth: AuthContext, options: HealthServiceOptions = {}): void {
  const vaults = sharedVaultCache(instance.people);
  app.addHook('onClose', async () => vaults.close());
  const health = healthService(personDoor(auth.access, auth.audit, vaults), sourcesRepository(instance.system), { now: () => new Date(auth.now()), ...options });

  app.get<{ Params: { personId: string } }>('/api/people/:personId/dashboard', async (request) =>
    health.dashboard(callerOf(auth, request), request.params.personId),
  );
  app.get<{ Params: { personId: string }; Querystring: TimelineQuery }>(
    '/api/people/:personId/timeline',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { cursor: QUERY_TEXT, limit: QUERY_TEXT, types: QUERY_TEXT, from: QUERY_TEXT, to: QUERY_TEXT, source: QUERY_TEXT },
        },
      },
    },
    async (request) => health.timeline(callerOf(auth, request), request.params.personId, request.query),
  );
  app.get<{ Params: { personId: string } }>('/api/people/:personId/labs', async (request) => health.labs(callerOf(auth, request), request.params.personId));
  app.get<{ Params: { personId: string; loinc: string }; Querystring: { limit?: string } }>(
    '/api/people/:personId/labs/:loinc',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { limit: QUERY_TEXT } } } },
    async (request) => {
      // The newest `limit` results (the page's first screen); without it, all up to LAB_RESULTS_LIMIT.
      const limit = request.query.limit === undefined ? undefined : /^\d{1,4}$/.test(request.query.limit) ? Number(request.query.limit) : NaN;
      return health.labTest(callerOf(auth, request), request.params.personId, request.params.loinc, limit);
    },
  );
}

import type { FastifyInstance } from 'fastify';
import { personDoor } from '../../fhir-api/person-door.ts';
import { readService, type ReadService } from '../../fhir-api/read-service.ts';
import { sharedVaultCache } from '../../fhir-api/vault-cache.ts';
import { writeService } from '../../fhir-api/write-service.ts';
import type { Instance } from '../../instance/instance.ts';
import { summaryService } from '../../export/summary-service.ts';
import { sourcesRepository } from '../../sources/sources-repository.ts';
import { registerSummaryRoutes } from '../summary-routes.ts';
import { browseService } from '../../browse/browse-service.ts';
import type { AuthContext } from '../auth-context.ts';
import { registerBrowseRoutes } from '../browse-routes.ts';
import { callerOf } from './fhir-reply.ts';
import { fhirPlugin } from './fhir-plugin.ts';

/** The web app's record overview and provenance, under /api (JSON API error shape). */
function registerRecordApiRoutes(app: FastifyInstance, auth: AuthContext, reads: ReadService): void {
  app.get<{ Params: { personId: string } }>('/api/people/:personId/summary', async (request) =>
    reads.summary(callerOf(auth, request), request.params.personId),
  );
  app.get<{ Params: { personId: string; type: string; id: string } }>('/api/people/:personId/provenance/:type/:id', async (request) => {
    const { personId, type, id } = request.params;
    return reads.provenance(callerOf(auth, request), personId, type, id);
  });
}

/**
 * The FHIR REST API (/fhir/{personId}/…) and the record routes of the web app, over one set of
 * open vaults that lives as long as the server.
 */
export function registerFhirApi(app: FastifyInstance, instance: Instance, auth: AuthContext): void {
  const vaults = sharedVaultCache(instance.people);
  const door = personDoor(auth.access, auth.audit, vaults);
  const sources = sourcesRepository(instance.system);
  const reads = readService(door, sources);
  app.addHook('onClose', async () => vaults.close());
  // Deleting a source or a person rewrites or removes the vault file: the cached handle goes first.
  auth.lifecycle.onRelease((personId) => vaults.evict(personId));
  const summaries = summaryService(door, instance.people, () => new Date(auth.now()));
  void app.register(fhirPlugin, { prefix: '/fhir', auth, reads, writes: writeService(door, sources, (accountId) => auth.accounts.get(accountId)?.username), summaries });
  registerRecordApiRoutes(app, auth, reads);
  registerSummaryRoutes(app, auth, summaries);
  registerBrowseRoutes(app, auth, browseService(door, sources));
}

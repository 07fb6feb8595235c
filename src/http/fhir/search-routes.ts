import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HearthError } from '../../errors/hearth-error.ts';
import type { ReadService } from '../../fhir-api/read-service.ts';
import { formBodyAsQuery } from '../../fhir-api/search-request.ts';
import type { AuthContext } from '../auth-context.ts';
import { searchBundle } from './bundles.ts';
import { baseUrlOf, callerOf, isLenient, rawQueryOf, sendFhir, type PersonParams } from './fhir-reply.ts';

type TypeParams = PersonParams & { type: string };

/** The form body of POST _search; parameters in the URL count too (R4 http.html#search). */
function postedQuery(request: FastifyRequest): string {
  const body = request.body;
  if (body !== undefined && body !== null && typeof body !== 'string') {
    throw new HearthError('invalid', 'POST _search takes its parameters as application/x-www-form-urlencoded');
  }
  return [rawQueryOf(request), formBodyAsQuery(body ?? '')].filter((part) => part !== '').join('&');
}

/** Type-level search by GET and by POST `_search`: the same search, the same Bundle. */
export function registerFhirSearchRoutes(app: FastifyInstance, auth: AuthContext, reads: ReadService): void {
  const search = (request: FastifyRequest<{ Params: TypeParams }>, query: string) => {
    const { personId, type } = request.params;
    const page = reads.search(callerOf(auth, request), personId, type, query, isLenient(request));
    return searchBundle(baseUrlOf(request, personId), type, page);
  };

  app.get<{ Params: TypeParams }>('/:personId/:type', async (request, reply) => sendFhir(reply, 200, search(request, rawQueryOf(request))));

  app.post<{ Params: TypeParams }>('/:personId/:type/_search', async (request, reply) => sendFhir(reply, 200, search(request, postedQuery(request))));
}

import type { FastifyInstance } from 'fastify';
import type { WriteService } from '../../fhir-api/write-service.ts';
import type { AuthContext } from '../auth-context.ts';
import { baseUrlOf, callerOf, etagOf, sendResource, type PersonParams } from './fhir-reply.ts';

type TypeParams = PersonParams & { type: string };
type RecordParams = TypeParams & { id: string };

const ifMatchOf = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);

/** create, update and delete of records entered by hand (R4 http.html#create, #update, #delete). */
export function registerFhirWriteRoutes(app: FastifyInstance, auth: AuthContext, writes: WriteService): void {
  app.post<{ Params: TypeParams }>('/:personId/:type', async (request, reply) => {
    const { personId, type } = request.params;
    const created = writes.create(callerOf(auth, request), personId, type, request.body);
    reply.header('Location', `${baseUrlOf(request, personId)}/${type}/${created.id}/_history/${created.meta?.versionId}`);
    return sendResource(request, reply, 201, created);
  });

  app.put<{ Params: RecordParams }>('/:personId/:type/:id', async (request, reply) => {
    const { personId, type, id } = request.params;
    const updated = writes.update(callerOf(auth, request), personId, type, id, request.body, ifMatchOf(request.headers['if-match']));
    return sendResource(request, reply, 200, updated);
  });

  app.delete<{ Params: RecordParams }>('/:personId/:type/:id', async (request, reply) => {
    const { personId, type, id } = request.params;
    const versionId = writes.remove(callerOf(auth, request), personId, type, id, ifMatchOf(request.headers['if-match']));
    return reply.code(204).header('ETag', etagOf(versionId)).send();
  });
}

import type { FastifyInstance } from 'fastify';
import { HearthError } from '../../errors/hearth-error.ts';
import type { SummaryService } from '../../export/summary-service.ts';
import { notFound, type ReadService } from '../../fhir-api/read-service.ts';
import { DEFAULT_COUNT } from '../../search/index.ts';
import type { AuthContext } from '../auth-context.ts';
import { everythingBundle, historyBundle } from './bundles.ts';
import { baseUrlOf, callerOf, isLenient, rawQueryOf, sendFhir, sendResource, type PersonParams } from './fhir-reply.ts';

type RecordParams = PersonParams & { type: string; id: string };

/** `_count` / `_offset` of $everything; anything else is refused unless the client asked for lenient handling. */
function everythingPaging(rawQuery: string, lenient: boolean): { count: number; offset: number } {
  const paging = { count: DEFAULT_COUNT, offset: 0 };
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    if (name === '_count' || name === '_offset') {
      if (!/^\d{1,9}$/.test(value)) throw new HearthError('invalid', `${name} must be a whole number of 0 or more`);
      paging[name === '_count' ? 'count' : 'offset'] = Number(value);
    } else if (!lenient && name !== '_format' && name !== '_pretty') {
      throw new HearthError('invalid', `$everything does not take the parameter "${name.slice(0, 80)}" (only _count and _offset)`);
    }
  }
  return paging;
}

/** metadata, read, vread, history, Patient/$everything (R4 http.html, patient-operation-everything) and Patient/$summary (IPS). */
export function registerFhirReadRoutes(app: FastifyInstance, auth: AuthContext, reads: ReadService, summaries?: SummaryService): void {
  app.get<{ Params: PersonParams }>('/:personId/metadata', async (request, reply) => {
    const { personId } = request.params;
    return sendFhir(reply, 200, reads.capability(callerOf(auth, request), personId, baseUrlOf(request, personId)));
  });

  app.get<{ Params: RecordParams }>('/:personId/:type/:id', async (request, reply) => {
    const { personId, type, id } = request.params;
    return sendResource(request, reply, 200, reads.read(callerOf(auth, request), personId, type, id));
  });

  app.get<{ Params: RecordParams & { vid: string } }>('/:personId/:type/:id/_history/:vid', async (request, reply) => {
    const { personId, type, id, vid } = request.params;
    return sendResource(request, reply, 200, reads.vread(callerOf(auth, request), personId, type, id, vid));
  });

  // One route for the instance-level paths after an id: `_history`, `$everything` and `$summary`.
  app.get<{ Params: RecordParams & { operation: string } }>('/:personId/:type/:id/:operation', async (request, reply) => {
    const { personId, type, id, operation } = request.params;
    const caller = callerOf(auth, request);
    const base = baseUrlOf(request, personId);
    if (operation === '_history') return sendFhir(reply, 200, historyBundle(base, type, id, reads.history(caller, personId, type, id)));
    if (operation === '$everything' && type === 'Patient') {
      const { count, offset } = everythingPaging(rawQueryOf(request), isLenient(request));
      return sendFhir(reply, 200, everythingBundle(base, id, reads.everything(caller, personId, id, count, offset)));
    }
    // IPS IG: Patient/[id]/$summary returns the patient's IPS document Bundle.
    if (operation === '$summary' && type === 'Patient' && summaries) return sendFhir(reply, 200, summaries.ips(caller, personId, base, id));
    throw notFound();
  });
}

import type { FastifyInstance } from 'fastify';
import type { SummaryService } from '../export/summary-service.ts';
import { SUMMARY_CSS } from '../export/summary-html.ts';
import type { AuthContext } from './auth-context.ts';
import { baseUrlOf, callerOf, FHIR_JSON } from './fhir/fhir-reply.ts';

type PersonParams = { personId: string };
export const SUMMARY_STYLESHEET = '/api/summary.css';

/**
 * The patient summaries for a doctor, under /api (JSON API errors): the IPS document Bundle, a
 * print view (plain HTML, no script; its stylesheet from its own route, as the CSP allows styles
 * from 'self' only) and the same as a PDF. 'read' access, audited. The FHIR form of the IPS,
 * `Patient/:id/$summary`, is answered by the FHIR API (http/fhir/read-routes.ts).
 */
export function registerSummaryRoutes(app: FastifyInstance, auth: AuthContext, summaries: SummaryService): void {
  app.get(SUMMARY_STYLESHEET, async (_request, reply) => reply.type('text/css; charset=utf-8').send(SUMMARY_CSS));

  app.get<{ Params: PersonParams }>('/api/people/:personId/ips', async (request, reply) => {
    const { personId } = request.params;
    const bundle = summaries.ips(callerOf(auth, request), personId, baseUrlOf(request, personId));
    return reply.type(FHIR_JSON).send(JSON.stringify(bundle));
  });

  app.get<{ Params: PersonParams }>('/api/people/:personId/summary.html', async (request, reply) => {
    const html = summaries.html(callerOf(auth, request), request.params.personId, SUMMARY_STYLESHEET);
    return reply.type('text/html; charset=utf-8').send(html);
  });

  app.get<{ Params: PersonParams }>('/api/people/:personId/summary.pdf', async (request, reply) => {
    const pdf = await summaries.pdf(callerOf(auth, request), request.params.personId);
    return reply.type('application/pdf').header('Content-Disposition', 'inline; filename="patient-summary.pdf"').send(Buffer.from(pdf));
  });
}

import type { FastifyInstance, FastifyReply } from 'fastify';
import type { BrowseService } from '../browse/browse-service.ts';
import { HearthError } from '../errors/hearth-error.ts';
import type { AuthContext } from './auth-context.ts';
import { callerOf, rawQueryOf } from './fhir/fhir-reply.ts';

/**
 * The CSP of a served attachment, replacing the app's (set by server.ts's onSend hook; route-level
 * hooks run after it). `sandbox` (CSP3 §6.3.2) makes an HTML/XHTML/SVG attachment opened directly
 * an opaque origin with no scripts, forms or plugins; `default-src 'none'` stops every remote load;
 * `frame-ancestors 'self'` lets the app show it in its own <iframe> and nothing else frame it.
 * Chromium's PDF viewer does not run in a sandboxed document, so a PDF gets no `sandbox`: a PDF is
 * shown by the browser's own viewer, which runs no document scripts under `default-src 'none'`.
 */
export function attachmentCsp(contentType: string): string {
  const base = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";
  return contentType.startsWith('application/pdf') ? base : `${base}; sandbox`;
}

function wholeNumber(value: string, name: string): number {
  if (!/^\d{1,4}$/.test(value)) throw new HearthError('invalid', `${name} must be a whole number`);
  return Number(value);
}

const one = (value: unknown): string | undefined => (typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined);

/** The web app's records browser: grouped lists (two sources), the one search box, attachment bytes. */
export function registerBrowseRoutes(app: FastifyInstance, auth: AuthContext, browse: BrowseService): void {
  // The query string is a FHIR search (the same parameters as GET /fhir/{person}/{type}).
  app.get<{ Params: { personId: string; type: string } }>('/api/people/:personId/lists/:type', async (request) => {
    const { personId, type } = request.params;
    return browse.list(callerOf(auth, request), personId, type, rawQueryOf(request));
  });

  // The person's sources (GET /api/people/:personId/sources) are listed by deletion-routes.ts, with record counts.

  app.get<{ Params: { personId: string; type: string; id: string } }>('/api/people/:personId/same-facts/:type/:id', async (request) => {
    const { personId, type, id } = request.params;
    return browse.sameFacts(callerOf(auth, request), personId, type, id);
  });

  app.get<{ Params: { personId: string }; Querystring: Record<string, unknown> }>('/api/people/:personId/find', async (request) => {
    const query = request.query;
    const type = one(query.type);
    return browse.find(callerOf(auth, request), request.params.personId, {
      q: one(query.q),
      types: type ? type.split(',').filter((t) => t !== '') : [],
      from: one(query.from),
      to: one(query.to),
      code: one(query.code),
      source: one(query.source),
    });
  });

  app.get<{ Params: { personId: string; type: string; id: string; index: string }; Querystring: Record<string, unknown> }>(
    '/api/people/:personId/attachments/:type/:id/:index',
    {
      onSend: async (_request, reply: FastifyReply, payload) => {
        if (reply.statusCode === 200) reply.header('Content-Security-Policy', attachmentCsp(String(reply.getHeader('Content-Type') ?? '')));
        return payload;
      },
    },
    async (request, reply) => {
      const { personId, type, id, index } = request.params;
      const file = browse.attachment(callerOf(auth, request), personId, type, id, wholeNumber(index, 'the attachment index'));
      const disposition = one(request.query.download) === '1' ? 'attachment' : 'inline';
      return reply
        .header('Content-Type', file.contentType)
        .header('Content-Disposition', `${disposition}; filename="${file.filename}"`)
        .header('Cross-Origin-Resource-Policy', 'same-origin')
        .send(file.bytes);
    },
  );
}

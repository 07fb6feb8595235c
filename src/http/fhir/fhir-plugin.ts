import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HearthError, isHearthError, toOperationOutcome } from '../../errors/hearth-error.ts';
import { NOT_FOUND, type ReadService } from '../../fhir-api/read-service.ts';
import type { WriteService } from '../../fhir-api/write-service.ts';
import type { SummaryService } from '../../export/summary-service.ts';
import { parseJsonValueGuarded } from '../../import/readers/json-guard.ts';
import { DEFAULT_READ_LIMITS } from '../../import/readers/limits.ts';
import type { AuthContext } from '../auth-context.ts';
import { sendFhir } from './fhir-reply.ts';
import { registerFhirReadRoutes } from './read-routes.ts';
import { registerFhirSearchRoutes } from './search-routes.ts';
import { registerFhirWriteRoutes } from './write-routes.ts';

export interface FhirPluginOptions {
  auth: AuthContext;
  reads: ReadService;
  writes: WriteService;
  /** Patient/:id/$summary (the IPS operation). */
  summaries?: SummaryService;
}

/** FHIR errors are OperationOutcomes (R4 operationoutcome.html) with the HTTP status of the problem. */
function outcomeOf(error: FastifyError): HearthError {
  if (isHearthError(error)) {
    // The one not-found: a refused person, an unknown one and a missing record read the same.
    if (error.code === 'not-found') return new HearthError('not-found', NOT_FOUND);
    // search.html#errors: a parameter the server cannot answer is a 400, not a 422.
    if (error.code === 'unsupported') return new HearthError('invalid', error.message, error.issues);
    return error;
  }
  if (error.validation) return new HearthError('invalid', error.message);
  const status = error.statusCode;
  // Fastify's own 4xx answers (bad JSON, wrong content type, body too large): their message names no data.
  if (status === 413) return new HearthError('too-large', error.message);
  if (status !== undefined && status >= 400 && status < 500) return new HearthError('invalid', error.message);
  return new HearthError('internal', 'internal error', [], { cause: error });
}

/**
 * Hearth's FHIR R4 REST API under /fhir/{personId}/ (registered with that prefix): JSON only
 * (`application/fhir+json` or `application/json`, parsed under the import caps: depth, string size,
 * no `__proto__`), form-encoded bodies for POST `_search`, OperationOutcome for every error.
 */
export async function fhirPlugin(app: FastifyInstance, options: FhirPluginOptions): Promise<void> {
  const guardedJson = (_request: FastifyRequest, body: string, done: (error: Error | null, value?: unknown) => void) => {
    try {
      if (body.trim() === '') throw new HearthError('invalid', 'the body is empty');
      done(null, parseJsonValueGuarded(body, DEFAULT_READ_LIMITS));
    } catch (error) {
      done(error as Error);
    }
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'application/fhir+json'], { parseAs: 'string' }, guardedJson);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const hearth = outcomeOf(error);
    if (hearth.status >= 500) request.log.error({ err: error }, 'FHIR request failed');
    const status = isHearthError(error) ? hearth.status : (error.statusCode ?? hearth.status);
    return sendFhir(reply, status >= 400 ? status : hearth.status, toOperationOutcome(hearth));
  });
  app.setNotFoundHandler(async (_request, reply) => sendFhir(reply, 404, toOperationOutcome(new HearthError('not-found', NOT_FOUND))));

  registerFhirReadRoutes(app, options.auth, options.reads, options.summaries);
  registerFhirSearchRoutes(app, options.auth, options.reads);
  registerFhirWriteRoutes(app, options.auth, options.writes);
}

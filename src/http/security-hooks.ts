import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HearthError, isHearthError } from '../errors/hearth-error.ts';
import { TooManyAttempts } from '../sessions/login-limiter.ts';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The custom header every state-changing request must carry: a cross-site form cannot set it. */
export const CSRF_HEADER = 'x-hearth-csrf';

/** A refusal whose API code is more precise than its HearthError code ('csrf', 'setup-required'). */
export class ApiRefusal extends HearthError {
  readonly apiCode: string;
  constructor(code: ConstructorParameters<typeof HearthError>[0], apiCode: string, message: string) {
    super(code, message);
    this.apiCode = apiCode;
  }
}

/** The one error body of the JSON API. */
export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

const pathOf = (request: FastifyRequest) => request.url.split('?', 1)[0]!;

/**
 * SECURITY.md "CSRF": a state-changing request needs `X-Hearth-CSRF: 1` (a custom header forces a
 * CORS preflight, which Hearth never grants) and, when the browser says where it comes from, our
 * own origin: `Sec-Fetch-Site: same-origin`, or an `Origin` equal to this server's.
 */
function checkCsrf(request: FastifyRequest): void {
  if (!STATE_CHANGING.has(request.method)) return;
  const refuse = (why: string) => new ApiRefusal('forbidden', 'csrf', `refused as a possible cross-site request: ${why}`);
  if (request.headers[CSRF_HEADER] !== '1') throw refuse(`the ${CSRF_HEADER} header is missing`);
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) {
    if (site !== 'same-origin') throw refuse('it comes from another site');
    return;
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `${request.protocol}://${request.host}`) throw refuse('it comes from another origin');
}

/**
 * CSRF refusal, the "set up first" gate, and one error shape for everything: a HearthError
 * becomes `{ error: { code, message } }` with its status; anything unexpected a bare 500.
 */
export function registerSecurityHooks(
  app: FastifyInstance,
  ownerExists: () => boolean,
  /** Answers what is not a route but a page of the web app (http/web-routes.ts); true when it did. */
  pageFallback?: (request: FastifyRequest, reply: FastifyReply) => boolean,
): void {
  app.addHook('onRequest', async (request) => {
    checkCsrf(request);
    // Until the instance has an owner, the API offers one thing: creating it (never open sign-up).
    const path = pathOf(request);
    if ((path === '/api' || path.startsWith('/api/')) && path !== '/api/setup' && !ownerExists()) {
      throw new ApiRefusal('conflict', 'setup-required', 'this Hearth has no owner yet: create one with POST /api/setup');
    }
  });

  app.setNotFoundHandler(async (request, reply) => {
    if (pageFallback?.(request, reply)) return reply;
    return reply.code(404).send(errorBody('not-found', 'no such route'));
  });

  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (isHearthError(error)) {
      if (error instanceof TooManyAttempts) reply.header('Retry-After', String(error.retryAfterSeconds));
      const code = error instanceof ApiRefusal ? error.apiCode : error.code;
      if (error.status >= 500) request.log.error({ err: error }, 'request failed');
      // Outbound errors (502) carry a message written to be shown: it names the other host at most.
      const shown = error.status < 500 || error.code === 'outbound_refused' || error.code === 'outbound_failed';
      return reply.code(error.status).send(errorBody(code, shown ? error.message : 'internal error'));
    }
    if (error.validation) return reply.code(400).send(errorBody('invalid', error.message));
    // Fastify's own 4xx answers (bad JSON, wrong content type, body too large): their message names no data.
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      const code = status === 413 ? 'too-large' : status === 415 ? 'unsupported' : 'invalid';
      return reply.code(status).send(errorBody(code, error.message));
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.code(500).send(errorBody('internal', 'internal error'));
  });
}

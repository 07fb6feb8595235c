import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';
import { connectService, newBinder, redirectUriOf, sha256, type StateBinding } from '../smart/connect-service.ts';
import type { OutboundFetch } from '../smart/outbound-types.ts';
import { registrationsService, type NewRegistration } from '../smart/registrations.ts';
import { auditRequest, requireOwner, requireSignedIn, type AuthContext, type SignedIn } from './auth-context.ts';

export interface SmartRouteOptions {
  fetch: OutboundFetch;
  publicUrl: string;
  allowlist?: readonly string[];
  /** Told of every completed connection (the server starts its first sync). */
  onConnected?: (connected: { personId: string; sourceId: string; accountId: string | null; sourceAddress: string; requestId: string }) => void;
}

/**
 * The browser binder of an authorization request. The session cookie is SameSite=Strict, so the
 * provider's cross-site redirect back to /callback arrives without it; this cookie is Lax (sent on a
 * top-level GET navigation, RFC 6265bis §5.6.7.1) and holds nothing but a random value whose hash
 * the state row keeps: only the browser that started the request can finish it.
 */
const BINDER_COOKIE = '__Host-hearth-oauth';
const BINDER_OPTIONS = { secure: true, httpOnly: true, sameSite: 'lax', path: '/', maxAge: 600 } as const;

function browserBinding(request: FastifyRequest, reply: FastifyReply, signedIn: SignedIn): StateBinding {
  const existing = request.cookies[BINDER_COOKIE];
  const binder = existing && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : newBinder();
  reply.setCookie(BINDER_COOKIE, binder, BINDER_OPTIONS);
  // sessions/sessions-service.ts keeps the SHA-256 (hex) of the raw id: the same hash here.
  return { kind: 'browser', sessionHash: sha256(signedIn.rawId), accountId: signedIn.account.id, binderHash: sha256(binder) };
}

const body = (request: FastifyRequest) => (typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {});

export function registerSmartRoutes(app: FastifyInstance, context: AuthContext, instance: Instance, options: SmartRouteOptions): void {
  const registrations = registrationsService(instance.system, instance.providerSecretKey, context.now);
  const connections = connectService({ instance, fetch: options.fetch, publicUrl: options.publicUrl, ...(options.allowlist ? { allowlist: options.allowlist } : {}), now: context.now });

  // RFC 7517 JWK Set of Hearth's private_key_jwt keys; public by design (the provider fetches it).
  // Sent no-store like every answer (test/security-headers.test.ts holds every route to it); the
  // keys change only when a registration is added or deleted, so providers lose little.
  app.get('/.well-known/jwks.json', async () => registrations.jwks());

  app.get('/api/provider-apps', async (request) => {
    requireOwner(context, request);
    return {
      registrations: registrations.list(),
      redirectUriPattern: redirectUriOf(options.publicUrl, '{sourceId}'),
      jwksUrl: `${options.publicUrl.replace(/\/+$/, '')}/.well-known/jwks.json`,
    };
  });

  // What anyone who may connect a person needs to pick a registration: names only, no client details.
  app.get('/api/provider-app-choices', async (request) => {
    requireSignedIn(context, request);
    return { choices: registrations.list().map((r) => ({ id: r.id, label: r.label, appliesTo: r.appliesTo })) };
  });

  app.post('/api/provider-apps', async (request, reply) => {
    const { account } = requireOwner(context, request, true);
    const input = body(request);
    const created = registrations.create({
      label: input.label,
      clientId: input.clientId,
      clientType: input.clientType,
      ...(input.appliesTo !== undefined ? { appliesTo: input.appliesTo } : {}),
      ...(input.clientSecret !== undefined ? { clientSecret: input.clientSecret } : {}),
      ...(input.alg !== undefined ? { alg: input.alg } : {}),
      ...(input.scopes !== undefined ? { scopes: input.scopes } : {}),
    } as NewRegistration);
    auditRequest(context, request, { actor: account.id, action: 'setting', outcome: 'success', what: { query: 'provider-apps' } });
    return reply.code(201).send({ registration: created });
  });

  app.delete<{ Params: { id: string } }>('/api/provider-apps/:id', async (request, reply) => {
    const { account } = requireOwner(context, request, true);
    registrations.delete(request.params.id);
    auditRequest(context, request, { actor: account.id, action: 'delete', outcome: 'success', what: { query: 'provider-apps' } });
    return reply.code(204).send();
  });

  app.post<{ Params: { personId: string } }>('/api/people/:personId/connections', async (request, reply) => {
    const signedIn = requireSignedIn(context, request);
    const input = body(request);
    const started = await connections.connect({
      actor: { kind: 'account', accountId: signedIn.account.id },
      personId: request.params.personId,
      fhirBaseUrl: input.fhirBaseUrl,
      label: input.label,
      registrationId: input.registrationId,
      binding: browserBinding(request, reply, signedIn),
    });
    return reply.code(201).send(started);
  });

  app.post<{ Params: { sourceId: string } }>('/api/sources/:sourceId/reconnect', async (request, reply) => {
    const signedIn = requireSignedIn(context, request);
    const { personId: _personId, ...started } = await connections.reconnect({
      actor: { kind: 'account', accountId: signedIn.account.id },
      sourceId: request.params.sourceId,
      binding: browserBinding(request, reply, signedIn),
    });
    return started;
  });

  // The provider's redirect back (a top-level GET). Only Hearth's own error code goes back into the
  // URL, never the provider's text (it could carry anything, and it would be reflected).
  app.get<{ Params: { sourceId: string } }>('/callback/:sourceId', async (request, reply) => {
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const binder = request.cookies[BINDER_COOKIE];
    try {
      const { personId, sourceId, accountId } = await connections.complete({
        sourceId: request.params.sourceId,
        query,
        binderHash: binder ? sha256(binder) : null,
        sourceAddress: request.ip,
        requestId: String(request.id),
      });
      options.onConnected?.({ personId, sourceId, accountId, sourceAddress: request.ip, requestId: String(request.id) });
      return reply.redirect(`/people/${encodeURIComponent(personId)}/sources?connected=${encodeURIComponent(sourceId)}`, 303);
    } catch (error) {
      const code = error instanceof HearthError ? error.code : 'internal';
      const personId = connections.personOf(request.params.sourceId);
      return reply.redirect(personId ? `/people/${encodeURIComponent(personId)}/sources?error=${code}` : `/?error=${code}`, 303);
    }
  });
}

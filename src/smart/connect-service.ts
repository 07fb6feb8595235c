import { createHash, randomBytes } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { accessControl, type Actor } from '../access/access.ts';
import { auditLog, type AuditOutcome } from '../audit/index.ts';
import { HearthError } from '../errors/hearth-error.ts';
import type { Instance } from '../instance/instance.ts';
import { openSecret, sealSecret } from '../keys/sealed-secret.ts';
import { sourcesRepository } from '../sources/sources-repository.ts';
import { authorizationServerOf, discoverProvider, normaliseFhirBase, scopesFor } from './discovery.ts';
import { oauthRequestOptions } from './oauth-options.ts';
import type { OutboundFetch } from './outbound-types.ts';
import { registrationsService } from './registrations.ts';
import { smartRepository, type StateRow } from './smart-repository.ts';

/** SECURITY.md: state expires in ≤ 10 min. */
export const STATE_LIFETIME_MS = 10 * 60_000;

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * Who started an authorization request, checked again at the callback. A browser: the web session
 * (its id hash; the session must still exist) plus a SameSite=Lax binder cookie, because the
 * session cookie is SameSite=Strict and so is not sent on the provider's cross-site redirect back.
 * The CLI (`hearth source add`) has neither: its state is bound to the marker 'cli' only, and
 * whoever opens the printed URL completes it (documented in README).
 */
export type StateBinding = { kind: 'browser'; sessionHash: string; accountId: string; binderHash: string } | { kind: 'cli' };

export interface SmartDeps {
  instance: Instance;
  fetch: OutboundFetch;
  /** `publicUrl`: the redirect URIs are `<publicUrl>/callback/<sourceId>`. */
  publicUrl: string;
  allowlist?: readonly string[];
  now?: () => number;
}

export interface AuthorizeStart {
  sourceId: string;
  authorizeUrl: string;
  redirectUri: string;
}

export const redirectUriOf = (publicUrl: string, sourceId: string) => `${publicUrl.replace(/\/+$/, '')}/callback/${sourceId}`;

export function connectService(deps: SmartDeps) {
  const { instance } = deps;
  const now = deps.now ?? Date.now;
  const repository = smartRepository(instance.system);
  const registrations = registrationsService(instance.system, instance.providerSecretKey, now);
  const sources = sourcesRepository(instance.system);
  const access = accessControl(instance.system);

  function audit(personId: string, actor: string, sourceId: string, outcome: AuditOutcome, meta: { sourceAddress?: string; requestId?: string } = {}) {
    const vault = instance.people.openVault(personId);
    try {
      auditLog(vault.db).append({ actor, personId, action: 'setting', what: { type: 'Endpoint', ids: [sourceId] }, outcome, ...meta });
    } finally {
      vault.close();
    }
  }

  /** PKCE S256, state (256 bits), nonce, aud = the FHIR base (SMART App Launch 2.x §2.0.5–2.0.7). */
  async function authorizeUrl(sourceId: string, binding: StateBinding): Promise<AuthorizeStart> {
    const connection = repository.connection(sourceId)!;
    const registration = registrations.get(connection.registrationId);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const redirectUri = redirectUriOf(deps.publicUrl, sourceId);
    const stateHash = sha256(state);
    const at = now();
    repository.pruneStates(at);
    repository.insertState({
      stateHash,
      sessionHash: binding.kind === 'browser' ? binding.sessionHash : null,
      accountId: binding.kind === 'browser' ? binding.accountId : null,
      binderHash: binding.kind === 'browser' ? binding.binderHash : null,
      sourceId,
      sealedCodeVerifier: sealSecret(instance.providerSecretKey, Buffer.from(verifier, 'utf8'), `code-verifier:${stateHash}`),
      nonce,
      redirectUri,
      createdAt: at,
      expiresAt: at + STATE_LIFETIME_MS,
    });
    const url = new URL(connection.authorizationEndpoint);
    const parameters: Record<string, string> = {
      response_type: 'code',
      client_id: registration.clientId,
      redirect_uri: redirectUri,
      scope: connection.requestedScope!,
      state,
      nonce,
      aud: connection.fhirBaseUrl,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      // OpenID Connect Core §11: a request for offline_access (a refresh token) carries
      // prompt=consent, and OpenID providers such as oidc-provider drop offline_access without it.
      prompt: 'consent',
    };
    for (const [key, value] of Object.entries(parameters)) url.searchParams.set(key, value);
    return { sourceId, authorizeUrl: url.href, redirectUri };
  }

  async function discover(fhirBaseUrl: string, registrationId: string) {
    const endpoints = await discoverProvider(fhirBaseUrl, { fetch: deps.fetch, ...(deps.allowlist ? { allowlist: deps.allowlist } : {}) });
    const registration = registrations.get(registrationId);
    return { endpoints, requestedScope: scopesFor(endpoints, registration.scopes) };
  }

  return {
    /** The person a provider source belongs to (for the callback's redirect), or undefined. */
    personOf: (sourceId: string): string | undefined => {
      const source = sources.get(sourceId);
      return source?.kind === 'provider' ? source.personId : undefined;
    },
    /** POST /api/people/:personId/connections and `hearth source add`. */
    async connect(input: { actor: Actor; personId: string; fhirBaseUrl: unknown; label: unknown; registrationId: unknown; binding: StateBinding }): Promise<AuthorizeStart> {
      access.requireAccess(input.actor, input.personId, 'write');
      const fhirBaseUrl = normaliseFhirBase(input.fhirBaseUrl);
      if (typeof input.registrationId !== 'string') throw new HearthError('invalid', 'registrationId is required');
      const label = typeof input.label === 'string' && input.label.trim() !== '' ? input.label.trim().slice(0, 200) : new URL(fhirBaseUrl).host;
      // Discovery before anything is written: a refused provider leaves no source behind.
      const { endpoints, requestedScope } = await discover(fhirBaseUrl, input.registrationId);
      const sourceId = repository.transaction(() => {
        const existing = sources.listForPerson(input.personId).find((s) => s.kind === 'provider' && s.label === label);
        if (existing) {
          // An earlier attempt that never came back from the provider (sign-in cancelled, tab closed)
          // holds no tokens and no records: trying again takes its place instead of being refused.
          const earlier = repository.connection(existing.id);
          if (earlier?.status !== 'pending' || earlier.fhirBaseUrl !== fhirBaseUrl) {
            throw new HearthError('conflict', `this person already has a provider source called "${label}"`);
          }
          repository.deleteConnection(existing.id);
        }
        const source = existing ?? sources.findOrCreate(input.personId, 'provider', label, fhirBaseUrl);
        repository.insertConnection({ sourceId: source.id, registrationId: input.registrationId as string, ...endpoints, issParameterSupported: endpoints.issParameterSupported ? 1 : 0, requestedScope, updatedAt: now() });
        return source.id;
      });
      return authorizeUrl(sourceId, input.binding);
    },

    /** POST /api/sources/:sourceId/reconnect: a fresh discovery and authorization request for the same source. */
    async reconnect(input: { actor: Actor; sourceId: string; binding: StateBinding }): Promise<AuthorizeStart & { personId: string }> {
      const source = sources.get(input.sourceId);
      const connection = repository.connection(input.sourceId);
      if (!source || !connection) throw new HearthError('not-found', 'no such source');
      access.requireAccess(input.actor, source.personId, 'write');
      const { endpoints, requestedScope } = await discover(connection.fhirBaseUrl, connection.registrationId);
      repository.updateEndpoints(input.sourceId, { ...endpoints, issParameterSupported: endpoints.issParameterSupported ? 1 : 0, requestedScope, updatedAt: now() });
      return { ...(await authorizeUrl(input.sourceId, input.binding)), personId: source.personId };
    },

    /**
     * GET /callback/:sourceId. Checks the state first (hash lookup, source, binding, expiry, single
     * use), then lets oauth4webapi check iss (RFC 9207), exchange the code with PKCE and the
     * registration's client authentication, and check the id_token (iss, aud, exp, nonce; its
     * signature against the issuer's JWKS with the alg allowlist).
     */
    async complete(input: { sourceId: string; query: URLSearchParams; binderHash: string | null; sourceAddress?: string; requestId?: string }): Promise<{ personId: string; sourceId: string; accountId: string | null }> {
      const source = sources.get(input.sourceId);
      if (!source || source.kind !== 'provider') throw new HearthError('not-found', 'no such source');
      const state = input.query.get('state');
      const row = state ? repository.state(sha256(state)) : undefined;
      const actor = row?.accountId ?? 'cli';
      try {
        checkState(row, input.sourceId, input.binderHash, now(), repository.sessionExists);
        if (!repository.useState(row!.stateHash, now())) throw new HearthError('forbidden', 'this authorization answer was already used');
        await exchange(row!, state!, input.query);
        audit(source.personId, actor, input.sourceId, 'success', input);
        return { personId: source.personId, sourceId: input.sourceId, accountId: row!.accountId ?? null };
      } catch (error) {
        const code = error instanceof HearthError ? error.code : 'provider';
        if (repository.connection(input.sourceId)?.status !== 'connected') repository.setLastError(input.sourceId, code, now());
        if (row) audit(source.personId, actor, input.sourceId, 'failure', input);
        throw error instanceof HearthError ? error : new HearthError('provider', 'the provider\'s answer was refused');
      }
    },
  };

  async function exchange(row: StateRow, state: string, query: URLSearchParams): Promise<void> {
    const connection = repository.connection(row.sourceId)!;
    const as = authorizationServerOf(connection);
    const { client, auth } = await registrations.clientOf(connection.registrationId);
    let parameters: URLSearchParams;
    try {
      parameters = oauth.validateAuthResponse(as, client, query, state);
    } catch (error) {
      if (error instanceof oauth.AuthorizationResponseError) throw new HearthError('forbidden', 'the provider did not authorise access');
      throw new HearthError('provider', 'the provider\'s answer was refused (issuer or state)');
    }
    const verifier = openSecret(instance.providerSecretKey, row.sealedCodeVerifier, `code-verifier:${row.stateHash}`).toString('utf8');
    const tokenOptions = oauthRequestOptions(deps.fetch, connection.tokenEndpoint, deps.allowlist);
    let result: oauth.TokenEndpointResponse;
    try {
      const response = await oauth.authorizationCodeGrantRequest(as, client, auth, parameters, row.redirectUri, verifier, tokenOptions);
      result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: row.nonce, requireIdToken: true });
      if (!connection.jwksUri) throw new Error('no jwks_uri');
      await oauth.validateApplicationLevelSignature(as, response, oauthRequestOptions(deps.fetch, connection.jwksUri, deps.allowlist));
    } catch (error) {
      throw new HearthError('provider', 'the provider\'s token answer was refused');
    }
    // SMART App Launch 2.x: standalone launch with launch/patient answers the patient in context.
    const patientId = typeof result.patient === 'string' && result.patient !== '' ? result.patient : undefined;
    if (!patientId) throw new HearthError('provider', 'the provider did not say which patient was authorised');
    const at = now();
    const key = instance.providerSecretKey;
    repository.storeTokens(row.sourceId, {
      sealedAccessToken: sealSecret(key, Buffer.from(result.access_token, 'utf8'), `access-token:${row.sourceId}`),
      accessExpiresAt: at + (result.expires_in ?? 3600) * 1000,
      sealedRefreshToken: result.refresh_token ? sealSecret(key, Buffer.from(result.refresh_token, 'utf8'), `refresh-token:${row.sourceId}`) : null,
      // A narrower grant than asked is honoured and recorded (SECURITY.md); absent = as requested (RFC 6749 §5.1).
      grantedScope: result.scope ?? connection.requestedScope ?? '',
      patientId,
      at,
    });
  }
}

/** Every check on a returned state, before any request leaves. */
function checkState(row: StateRow | undefined, sourceId: string, binderHash: string | null, at: number, sessionExists: (hash: string) => boolean): void {
  const refuse = (why: string) => new HearthError('forbidden', `this authorization answer cannot be accepted: ${why}`);
  if (!row || row.sourceId !== sourceId) throw refuse('unknown state');
  if (row.usedAt !== null) throw refuse('already used');
  if (row.expiresAt <= at) throw refuse('it expired; connect again');
  if (row.sessionHash !== null) {
    if (binderHash === null || binderHash !== row.binderHash) throw refuse('it was started in another browser');
    if (!sessionExists(row.sessionHash)) throw refuse('the session that started it has ended');
  }
}

export const newBinder = () => randomBytes(32).toString('base64url');

export type ConnectService = ReturnType<typeof connectService>;

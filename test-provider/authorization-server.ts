import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { errors, type OidcToken } from 'oidc-provider';
import type { ProviderBehaviours } from './behaviours.ts';
import type { Dataset, DatasetPatient } from './dataset.ts';
import { MemoryStore } from './memory-store.ts';

/**
 * The provider's OAuth 2 / OpenID Connect side, built on oidc-provider (never hand-rolled). What a
 * SMART App Launch 2.x server does that plain oidc-provider does not is added around it:
 *  - interactions auto-approve: the user "signs in" as the patient named by login_hint (id, alias or
 *    name) or the first patient, and consents to the requested scopes (narrowed by behaviours.grantScopes);
 *  - the token response carries the launch context `patient` (SMART App Launch §"Launch context");
 *  - the id_token carries `fhirUser` (SMART App Launch §"Scopes for requesting identity data").
 * oidc-provider already gives: PKCE with S256 only, refresh-token rotation, and — when a consumed
 * refresh token is presented again — destroying it and revoking the whole grant (RFC 9700 §4.14.2).
 */

export const INTERNAL_CLIENT_ID = 'test-provider-internal';
/** A public client registered at start when redirect URIs are given (`npm run provider -- --redirect-uri …`). */
export const DEMO_PUBLIC_CLIENT_ID = 'hearth-demo-public';

export const SUPPORTED_SCOPES = ['openid', 'fhirUser', 'launch/patient', 'offline_access', 'patient/*.rs', 'patient/*.read'];

export interface AuthorizationServerOptions {
  issuer: string;
  fhirBaseUrl: string;
  dataset: Dataset;
  behaviours: ProviderBehaviours;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Redirect URIs of the pre-registered public client DEMO_PUBLIC_CLIENT_ID (none: not registered). */
  demoRedirectUris: string[];
}

export interface AuthorizationServer {
  provider: Provider;
  store: MemoryStore;
  /** Handles /oauth/* (the issuer path) and /interaction/*; false when the path is not ours. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  registerClient(metadata: Record<string, unknown>): Promise<void>;
  mintAccessToken(patientId: string, scope?: string): Promise<string>;
  /** Validates a bearer token: the oidc-provider AccessToken, or undefined when unknown/expired/revoked. */
  findAccessToken(value: string): Promise<OidcToken | undefined>;
  revokeGrants(patientId?: string): Promise<void>;
  expireRefreshTokens(): void;
}

function signingKey(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}

export function launchPatientId(patient: DatasetPatient, behaviours: ProviderBehaviours): string {
  return behaviours.patientIdDiffers ? patient.alias : patient.id;
}

export function createAuthorizationServer(options: AuthorizationServerOptions): AuthorizationServer {
  const { dataset, behaviours, fhirBaseUrl } = options;
  const store = new MemoryStore();
  const issuerPath = new URL(options.issuer).pathname;

  const provider = new Provider(options.issuer, {
    adapter: (model: string) => store.adapterFor(model),
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    clients: [
      { client_id: INTERNAL_CLIENT_ID, token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1/unused'], grant_types: ['authorization_code', 'refresh_token'] },
      ...(options.demoRedirectUris.length > 0
        ? [{ client_id: DEMO_PUBLIC_CLIENT_ID, token_endpoint_auth_method: 'none', redirect_uris: options.demoRedirectUris, grant_types: ['authorization_code', 'refresh_token'] }]
        : []),
    ],
    clientAuthMethods: ['none', 'client_secret_basic', 'private_key_jwt'],
    // SMART App Launch 2.x §"Asymmetric (public key) client authentication": RS384 and ES384.
    enabledJWA: { clientAuthSigningAlgValues: ['RS384', 'ES384'] },
    pkce: { required: () => true }, // oidc-provider 9 accepts only S256 (no plain)
    scopes: SUPPORTED_SCOPES,
    claims: { openid: ['sub'], fhirUser: ['fhirUser'] },
    conformIdTokenClaims: false, // scope-requested claims (fhirUser) go into the id_token
    // SMART's `aud` (the FHIR base URL the token is for) and `launch`: accepted; a wrong aud is refused.
    extraParams: {
      aud(_ctx: unknown, value: unknown) {
        if (value !== undefined && value !== fhirBaseUrl) throw new errors.InvalidRequest!('aud is not this FHIR server');
      },
      launch: null,
    },
    features: {
      devInteractions: { enabled: false },
      // A client may revoke only its own tokens (RFC 7009 §2.1).
      revocation: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) => token.clientId === client.clientId },
      introspection: { enabled: true },
      // Open dynamic registration (RFC 7591) at <issuer>/reg: a test server on loopback, nothing to protect.
      registration: { enabled: true },
    },
    rotateRefreshToken: true,
    // oidc-provider fetches a client's jwks_uri through an SSRF-guarded dispatcher that refuses
    // special-use addresses, loopback included; Hearth in tests serves its JWKS on 127.0.0.1. The
    // guard is dropped for loopback URLs only, and kept for anything else.
    fetch: (url: string | URL, init: RequestInit & { dispatcher?: unknown }) => {
      const { hostname } = new URL(url);
      if (hostname === '127.0.0.1' || hostname === '[::1]' || hostname === 'localhost') {
        const { dispatcher: _guard, ...rest } = init;
        return globalThis.fetch(url, rest);
      }
      return globalThis.fetch(url, init);
    },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds,
      RefreshToken: options.refreshTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 14 * 86_400,
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx: unknown, sub: string) {
      if (!dataset.byId.has(sub)) return undefined;
      return { accountId: sub, claims: async () => ({ sub, fhirUser: `${fhirBaseUrl}/Patient/${sub}` }) };
    },
  });
  provider.on('server_error', (_ctx: unknown, error: Error) => { console.error('test provider: oidc server_error', error); });

  // The token response gains SMART's launch context. oidc-provider lets a middleware edit ctx.body
  // after its own handler ran (its documented "pre/post middleware" pattern).
  provider.use(async (ctx, next) => {
    // OIDC Core §11 grants offline_access only with prompt=consent, and oidc-provider drops it
    // otherwise; SMART App Launch clients ask for offline_access without a prompt. Our interactions
    // always "consent", so asking for consent changes nothing but keeps the refresh token.
    if (ctx.method === 'GET' && ctx.path === '/auth' && String(ctx.query.scope ?? '').split(' ').includes('offline_access') && ctx.query.prompt === undefined) {
      ctx.query = { ...ctx.query, prompt: 'consent' };
      ctx.req.originalUrl = `${issuerPath}${ctx.req.url}`; // keeps the mount path derivable (see handle())
    }
    await next();
    if (ctx.oidc?.route !== 'token' || ctx.status !== 200 || typeof ctx.body?.access_token !== 'string') return;
    const token = await provider.AccessToken.find(ctx.body.access_token);
    const patient = token ? dataset.byId.get(token.accountId) : undefined;
    if (patient && (token?.scope ?? '').split(' ').includes('launch/patient')) {
      ctx.body = { ...ctx.body, patient: launchPatientId(patient, behaviours) };
    }
  });

  const oidcCallback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const params = details.params;
    const hint = typeof params.login_hint === 'string' ? params.login_hint : undefined;
    const patient = hint === undefined
      ? dataset.patients[0]
      : dataset.patient(hint) ?? dataset.patients.find((candidate) => candidate.name === hint);
    if (!patient) {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'unknown login_hint' }, { mergeWithLastSubmission: false });
      return;
    }
    const requested = String(params.scope ?? '').split(' ').filter(Boolean);
    const allowed = behaviours.grantScopes;
    const granted = allowed ? requested.filter((scope) => scope === 'openid' || allowed.includes(scope)) : requested;
    const grant = new provider.Grant({ accountId: patient.id, clientId: params.client_id });
    grant.addOIDCScope(granted.join(' '));
    // Scopes left out are rejected, not just missing: a missing one would send the user back to consent.
    const rejected = requested.filter((scope) => !granted.includes(scope));
    if (rejected.length > 0) grant.rejectOIDCScope(rejected.join(' '));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId: patient.id }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  return {
    provider,
    store,
    async handle(req, res) {
      const url = req.url ?? '/';
      if (url.startsWith('/interaction/')) {
        await interaction(req, res);
        return true;
      }
      if (url === issuerPath || url.startsWith(`${issuerPath}/`) || url.startsWith(`${issuerPath}?`)) {
        // Mounted under the issuer's path: oidc-provider derives its mount path from originalUrl.
        (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
        req.url = url.slice(issuerPath.length) || '/';
        oidcCallback(req, res);
        await new Promise<void>((resolve) => res.once('close', resolve));
        return true;
      }
      return false;
    },
    async registerClient(metadata) {
      if (typeof metadata.client_id !== 'string' || metadata.client_id.length === 0) throw new Error('registerClient: client_id is required');
      const full = { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], ...metadata };
      await provider.Client.validate(full); // throws on metadata oidc-provider would refuse
      await store.adapterFor('Client').upsert(metadata.client_id, full);
    },
    async mintAccessToken(patientId, scope = 'launch/patient patient/*.rs') {
      const patient = dataset.patient(patientId);
      if (!patient) throw new Error(`mintAccessToken: no patient ${patientId}`);
      const grant = new provider.Grant({ accountId: patient.id, clientId: INTERNAL_CLIENT_ID });
      grant.addOIDCScope(scope);
      const grantId = await grant.save();
      const token = new provider.AccessToken({
        accountId: patient.id,
        client: await provider.Client.find(INTERNAL_CLIENT_ID),
        grantId,
        scope,
        gty: 'authorization_code',
      });
      return token.save();
    },
    async findAccessToken(value) {
      const token = await provider.AccessToken.find(value);
      if (!token || token.isExpired) return undefined;
      return token;
    },
    async revokeGrants(patientId) {
      const patient = patientId === undefined ? undefined : dataset.patient(patientId);
      if (patientId !== undefined && !patient) throw new Error(`revokeGrants: no patient ${patientId}`);
      for (const grant of [...store.payloads('Grant')]) {
        if (patient === undefined || grant.accountId === patient.id) store.revokeGrant(String(grant.jti));
      }
    },
    expireRefreshTokens() {
      const past = Math.floor(Date.now() / 1000) - 1;
      for (const token of store.payloads('RefreshToken')) token.exp = past;
    },
  };
}

import type { webcrypto } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followAuthorization, startTestProvider, type TestProvider } from './index.ts';

/**
 * The OAuth side driven by a real client library (oauth4webapi), as Hearth's SMART client will:
 * PKCE S256, authorization code, refresh with rotation, replay detection, expiry and revocation.
 */

const REDIRECT = 'http://127.0.0.1:9/callback';
const SCOPE = 'launch/patient openid fhirUser offline_access patient/*.rs';
const insecure = { [oauth.allowInsecureRequests]: true }; // the provider is http on 127.0.0.1

let provider: TestProvider;
let as: oauth.AuthorizationServer;

async function authorize(client: oauth.Client, extra: Record<string, string> = {}): Promise<URL> {
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint!);
  const state = oauth.generateRandomState();
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: REDIRECT,
    scope: SCOPE,
    state,
    aud: provider.fhirBaseUrl,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  const callback = await followAuthorization(url, REDIRECT);
  callback.searchParams.set('x-verifier', verifier);
  callback.searchParams.set('x-state', state);
  return callback;
}

async function connect(client: oauth.Client, auth: oauth.ClientAuth, extra: Record<string, string> = {}): Promise<oauth.TokenEndpointResponse> {
  const callback = await authorize(client, extra);
  const verifier = callback.searchParams.get('x-verifier')!;
  const state = callback.searchParams.get('x-state')!;
  callback.searchParams.delete('x-verifier');
  callback.searchParams.delete('x-state');
  const params = oauth.validateAuthResponse(as, client, callback, state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT, verifier, insecure);
  return oauth.processAuthorizationCodeResponse(as, client, response, { requireIdToken: true });
}

async function refresh(client: oauth.Client, auth: oauth.ClientAuth, refreshToken: string): Promise<oauth.TokenEndpointResponse> {
  const response = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, insecure);
  return oauth.processRefreshTokenResponse(as, client, response);
}

async function fhirStatus(token: string): Promise<number> {
  const response = await fetch(`${provider.fhirBaseUrl}/Patient/${provider.patients[0]!.id}`, { headers: { authorization: `Bearer ${token}` } });
  await response.body?.cancel();
  return response.status;
}

async function invalidGrant(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(oauth.ResponseBodyError);
  expect((error as oauth.ResponseBodyError).error).toBe('invalid_grant');
}

const publicClient: oauth.Client = { client_id: 'public-app', token_endpoint_auth_method: 'none' };

beforeAll(async () => {
  provider = await startTestProvider({ patients: 2, resourcesPerPatient: 60 });
  const response = await oauth.discoveryRequest(new URL(provider.issuer), { algorithm: 'oidc', ...insecure });
  as = await oauth.processDiscoveryResponse(new URL(provider.issuer), response);
  await provider.registerClient({ client_id: publicClient.client_id, token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT] });
});
afterAll(async () => {
  await provider?.close();
});

describe('test provider OAuth', () => {
  it('runs the authorization code flow with PKCE S256: SMART patient context, scope and fhirUser', async () => {
    const tokens = await connect(publicClient, oauth.None());
    expect(tokens.patient).toBe(provider.patients[0]!.id);
    expect(tokens.scope!.split(' ')).toEqual(expect.arrayContaining(['launch/patient', 'patient/*.rs', 'offline_access']));
    expect(tokens.refresh_token).toBeTruthy();
    expect(oauth.getValidatedIdTokenClaims(tokens)!.fhirUser).toBe(`${provider.fhirBaseUrl}/Patient/${provider.patients[0]!.id}`);
    expect(await fhirStatus(tokens.access_token)).toBe(200);
  });

  it('signs in as the patient named by login_hint', async () => {
    const second = provider.patients[1]!.id;
    const tokens = await connect(publicClient, oauth.None(), { login_hint: second });
    expect(tokens.patient).toBe(second);
  });

  it('refuses an authorization request without PKCE or with plain PKCE', async () => {
    for (const extra of [{ code_challenge: '', code_challenge_method: '' }, { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }]) {
      const callback = await authorize(publicClient, extra);
      expect(callback.searchParams.get('error')).toBe('invalid_request');
      expect(callback.searchParams.has('code')).toBe(false);
    }
  });

  it('refuses an aud that is not its FHIR base URL', async () => {
    const callback = await authorize(publicClient, { aud: 'https://elsewhere.example/fhir' });
    expect(callback.searchParams.get('error')).toBe('invalid_request');
  });

  it('rotates refresh tokens; replaying a used one revokes the grant (RFC 9700 §4.14.2)', async () => {
    const first = await connect(publicClient, oauth.None());
    const second = await refresh(publicClient, oauth.None(), first.refresh_token!);
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.patient).toBe(provider.patients[0]!.id);
    expect(await fhirStatus(second.access_token)).toBe(200);

    await invalidGrant(refresh(publicClient, oauth.None(), first.refresh_token!)); // the replay
    await invalidGrant(refresh(publicClient, oauth.None(), second.refresh_token!)); // grant gone
    expect(await fhirStatus(second.access_token)).toBe(401);
  });

  it('answers invalid_grant to a refresh after expireRefreshTokens()', async () => {
    const tokens = await connect(publicClient, oauth.None());
    provider.expireRefreshTokens();
    await invalidGrant(refresh(publicClient, oauth.None(), tokens.refresh_token!));
  });

  it('revokeGrants() makes the FHIR API answer 401 and refreshes fail', async () => {
    const tokens = await connect(publicClient, oauth.None());
    expect(await fhirStatus(tokens.access_token)).toBe(200);
    await provider.revokeGrants(provider.patients[0]!.id);
    expect(await fhirStatus(tokens.access_token)).toBe(401);
    await invalidGrant(refresh(publicClient, oauth.None(), tokens.refresh_token!));
  });

  it('revokes a refresh token at the revocation endpoint', async () => {
    const tokens = await connect(publicClient, oauth.None());
    const response = await oauth.revocationRequest(as, publicClient, oauth.None(), tokens.refresh_token!, insecure);
    await oauth.processRevocationResponse(response);
    await invalidGrant(refresh(publicClient, oauth.None(), tokens.refresh_token!));
  });

  it('authenticates a confidential client with client_secret_basic and refuses a wrong secret', async () => {
    const client: oauth.Client = { client_id: 'secret-app', token_endpoint_auth_method: 'client_secret_basic' };
    await provider.registerClient({ client_id: client.client_id, client_secret: 'a-long-enough-client-secret-0123456789', token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [REDIRECT] });
    const tokens = await connect(client, oauth.ClientSecretBasic('a-long-enough-client-secret-0123456789'));
    expect(await fhirStatus(tokens.access_token)).toBe(200);
    const error = await connect(client, oauth.ClientSecretBasic('wrong')).catch((caught: unknown) => caught);
    // oauth4webapi reports a 401 with WWW-Authenticate as a challenge error, otherwise as a body error.
    const challenge = error as { error?: string; cause?: { parameters?: { error?: string } }[] };
    expect(challenge.error ?? challenge.cause?.[0]?.parameters?.error).toBe('invalid_client');
  });

  it.each([
    ['ES384', { name: 'ECDSA', namedCurve: 'P-384' }],
    ['RS384', { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }],
  ] as const)('authenticates a private_key_jwt client signing with %s (jwks)', async (alg, algorithm) => {
    const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
    const jwk = { ...(await crypto.subtle.exportKey('jwk', keys.publicKey)), kid: `key-${alg}`, alg, use: 'sig' };
    const client: oauth.Client = { client_id: `jwt-app-${alg}`, token_endpoint_auth_method: 'private_key_jwt' };
    await provider.registerClient({
      client_id: client.client_id,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: alg,
      jwks: { keys: [jwk] },
      redirect_uris: [REDIRECT],
    });
    const tokens = await connect(client, oauth.PrivateKeyJwt({ key: keys.privateKey, kid: `key-${alg}` }));
    expect(await fhirStatus(tokens.access_token)).toBe(200);
    const refreshed = await refresh(client, oauth.PrivateKeyJwt({ key: keys.privateKey, kid: `key-${alg}` }), tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
  });

  it('authenticates a private_key_jwt client whose keys are at a jwks_uri', async () => {
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
    const jwk = { ...(await crypto.subtle.exportKey('jwk', keys.publicKey)), kid: 'uri-key', alg: 'ES384', use: 'sig' };
    const jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    try {
      const client: oauth.Client = { client_id: 'jwks-uri-app', token_endpoint_auth_method: 'private_key_jwt' };
      await provider.registerClient({
        client_id: client.client_id,
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES384',
        jwks_uri: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`,
        redirect_uris: [REDIRECT],
      });
      const tokens = await connect(client, oauth.PrivateKeyJwt({ key: keys.privateKey, kid: 'uri-key' }));
      expect(await fhirStatus(tokens.access_token)).toBe(200);
    } finally {
      await new Promise((resolve) => jwksServer.close(resolve));
    }
  });

  it('registers clients dynamically at <issuer>/reg (RFC 7591) and refuses bad metadata in registerClient', async () => {
    const response = await fetch(`${provider.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }),
    });
    expect(response.status).toBe(201);
    const registered = (await response.json()) as { client_id: string };
    const tokens = await connect({ client_id: registered.client_id, token_endpoint_auth_method: 'none' }, oauth.None());
    expect(await fhirStatus(tokens.access_token)).toBe(200);
    await expect(provider.registerClient({ client_id: 'broken', token_endpoint_auth_method: 'none', redirect_uris: ['not a url'] })).rejects.toThrow();
    await expect(provider.registerClient({ redirect_uris: [REDIRECT] })).rejects.toThrow(/client_id/);
  });

  it('grants only the scopes behaviours.grantScopes allows', async () => {
    provider.behaviours.grantScopes = ['launch/patient', 'patient/*.rs'];
    try {
      const tokens = await connect(publicClient, oauth.None());
      expect(tokens.scope!.split(' ').sort()).toEqual(['launch/patient', 'openid', 'patient/*.rs']);
      expect(tokens.refresh_token).toBeUndefined();
    } finally {
      provider.behaviours.grantScopes = null;
    }
  });

  it('patientIdDiffers: the token response gives an alias as patient, which the FHIR API resolves', async () => {
    provider.behaviours.patientIdDiffers = true;
    try {
      const tokens = await connect(publicClient, oauth.None());
      const own = provider.patients[0]!.id;
      expect(tokens.patient).not.toBe(own);
      const response = await fetch(`${provider.fhirBaseUrl}/Patient/${String(tokens.patient)}`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      expect(((await response.json()) as { id: string }).id).toBe(own);
    } finally {
      provider.behaviours.patientIdDiffers = false;
    }
  });

  it('expires access tokens after the configured TTL', async () => {
    const short = await startTestProvider({ patients: 1, resourcesPerPatient: 30, accessTokenTtlSeconds: 1 });
    try {
      const token = await short.mintAccessToken(short.patients[0]!.id);
      const status = async () => (await fetch(`${short.fhirBaseUrl}/Condition`, { headers: { authorization: `Bearer ${token}` } })).status;
      expect(await status()).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      expect(await status()).toBe(401);
    } finally {
      await short.close();
    }
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../src/audit/index.ts';
import { outboundClient, type OutboundClient } from '../src/outbound/outbound-client.ts';
import { buildServer } from '../src/http/server.ts';
import { connectService } from '../src/smart/connect-service.ts';
import { openSecret } from '../src/keys/sealed-secret.ts';
import { providerSessions } from '../src/smart/provider-session.ts';
import { smartRepository } from '../src/smart/smart-repository.ts';
import { followAuthorization, startTestProvider, type TestProvider } from '../test-provider/index.ts';
import { tempInstance } from './helpers/temp-instance.ts';

const OWNER = { username: 'olive', password: 'correct horse battery' };
const PUBLIC_URL = 'http://127.0.0.1:7070';
const HOUR = 3_600_000;

describe('SMART standalone launch against the test provider (oidc-provider) and a real Hearth server', () => {
  let instance: Awaited<ReturnType<typeof tempInstance>>;
  let provider: TestProvider;
  let app: FastifyInstance;
  let session: string;
  let personId: string;
  let clock = Date.now();
  let outbound: OutboundClient;

  const call = async (method: string, url: string, body?: unknown, cookies: Record<string, string> = {}) => {
    const response = await app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(method !== 'GET' ? { 'x-hearth-csrf': '1' } : {}),
        cookie: Object.entries({ '__Host-hearth-session': session, ...cookies }).map(([k, v]) => `${k}=${v}`).join('; '),
      },
      ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
    });
    const binder = /__Host-hearth-oauth=([^;]+)/.exec(String(response.headers['set-cookie'] ?? ''))?.[1];
    return { status: response.statusCode, json: response.body ? safeJson(response.body) : undefined, location: response.headers.location as string | undefined, binder };
  };
  const safeJson = (text: string) => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };

  /** Registers Hearth at the provider and in Hearth, connects, and returns the callback URL the provider sent back. */
  async function connect(kind: 'public' | 'confidential-secret' | 'ES384' | 'RS384', label: string) {
    const clientId = `hearth-${label}`;
    const clientType = kind === 'ES384' || kind === 'RS384' ? 'confidential-key' : kind;
    const created = await call('POST', '/api/provider-apps', {
      label,
      clientId,
      clientType,
      ...(kind === 'confidential-secret' ? { clientSecret: 'a-client-secret-for-tests-0123456789' } : {}),
      ...(clientType === 'confidential-key' ? { alg: kind } : {}),
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const started = await call('POST', `/api/people/${personId}/connections`, { fhirBaseUrl: provider.fhirBaseUrl, label, registrationId: created.json.registration.id });
    expect(started.status, JSON.stringify(started.json)).toBe(201);
    const { sourceId, authorizeUrl, redirectUri } = started.json;
    expect(redirectUri).toBe(`${PUBLIC_URL}/callback/${sourceId}`);
    const jwks = (await call('GET', '/.well-known/jwks.json')).json;
    await provider.registerClient({
      client_id: clientId,
      redirect_uris: [redirectUri],
      ...(kind === 'public' ? { token_endpoint_auth_method: 'none' } : {}),
      ...(kind === 'confidential-secret' ? { token_endpoint_auth_method: 'client_secret_basic', client_secret: 'a-client-secret-for-tests-0123456789' } : {}),
      ...(clientType === 'confidential-key' ? { token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: kind, jwks } : {}),
    });
    const back = await followAuthorization(authorizeUrl, redirectUri);
    return { sourceId: sourceId as string, authorizeUrl: new URL(authorizeUrl), back, binder: started.binder!, callbackPath: `${back.pathname}${back.search}` };
  }

  beforeAll(async () => {
    provider = await startTestProvider({ patients: 2, resourcesPerPatient: 3 });
    // The real SSRF-guarded client, with the test provider's loopback origins allowlisted.
    outbound = outboundClient({ allowlist: provider.origins });
    instance = await tempInstance();
    app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [], publicUrl: PUBLIC_URL }, { auth: { now: () => clock }, smart: { fetch: outbound.fetch, allowlist: provider.origins } });
    await app.ready();
    const setup = await app.inject({ method: 'POST', url: '/api/setup', headers: { 'x-hearth-csrf': '1' }, payload: OWNER });
    session = /__Host-hearth-session=([^;]+)/.exec(String(setup.headers['set-cookie']))![1]!;
    personId = instance.people.add('Ann').id;
  });
  afterAll(async () => {
    await app.close();
    await provider.close();
    await outbound.close();
    instance.dispose();
  });

  it.each(['public', 'confidential-secret', 'ES384', 'RS384'] as const)('connects with a %s client: tokens sealed, patient stored, audited', async (kind) => {
    const { sourceId, authorizeUrl, binder, callbackPath } = await connect(kind, `src-${kind}`);
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('aud')).toBe(provider.fhirBaseUrl);
    expect(authorizeUrl.searchParams.get('scope')).toBe('launch/patient openid fhirUser offline_access patient/*.rs');
    expect(authorizeUrl.searchParams.get('state')!.length).toBeGreaterThanOrEqual(22);
    const done = await call('GET', callbackPath, undefined, { '__Host-hearth-oauth': binder });
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/people/${personId}/sources?connected=${sourceId}`);
    const row = smartRepository(instance.system).connection(sourceId)!;
    expect(row.status).toBe('connected');
    expect(row.patientId).toBe(provider.patients[0]!.id);
    const token = await providerSessions(instance, outbound.fetch, { allowlist: provider.origins }).open(sourceId).accessToken();
    expect(token.length).toBeGreaterThan(10);
    // The token is nowhere in the (decrypted) system database in plaintext.
    expect(plaintextHits(instance.system, token)).toBe(0);
    const vault = instance.people.openVault(personId);
    try {
      const entries = auditLog(vault.db).list();
      expect(entries.some((e) => e.action === "setting" && e.outcome === "success" && e.what?.ids?.includes(sourceId))).toBe(true);
      expect(JSON.stringify(entries)).not.toContain(token);
    } finally {
      vault.close();
    }
    // Single use: the same answer a second time is refused.
    const again = await call('GET', callbackPath, undefined, { '__Host-hearth-oauth': binder });
    expect(again.location).toBe(`/people/${personId}/sources?error=forbidden`);
  });

  it('lets a connection abandoned at the provider be tried again under the same name, and refuses a second one once connected', async () => {
    const created = await call('POST', '/api/provider-apps', { label: 'retry', clientId: 'hearth-retry', clientType: 'public' });
    const body = { fhirBaseUrl: provider.fhirBaseUrl, label: 'retry', registrationId: created.json.registration.id };
    const abandoned = await call('POST', `/api/people/${personId}/connections`, body);
    expect(abandoned.status).toBe(201);
    const retried = await call('POST', `/api/people/${personId}/connections`, body);
    expect(retried.status, JSON.stringify(retried.json)).toBe(201);
    expect(retried.json.sourceId).toBe(abandoned.json.sourceId);
    // The abandoned attempt's authorization request is void: its state was dropped with it.
    const oldState = new URL(abandoned.json.authorizeUrl).searchParams.get('state')!;
    const stale = await call('GET', `/callback/${abandoned.json.sourceId}?code=x&state=${oldState}`, undefined, { '__Host-hearth-oauth': abandoned.binder! });
    expect(stale.location).toContain('error=');
    const { sourceId, binder, callbackPath } = await connect('public', 'retry-done');
    expect((await call('GET', callbackPath, undefined, { '__Host-hearth-oauth': binder })).status).toBe(303);
    const again = await call('POST', `/api/people/${personId}/connections`, { ...body, label: 'retry-done' });
    expect(again.status).toBe(409);
    expect(smartRepository(instance.system).connection(sourceId)!.status).toBe('connected');
  });

  it.each(['public', 'ES384'] as const)('revokes the grant at the provider when a %s connection is deleted (RFC 7009)', async (kind) => {
    const { sourceId, binder, callbackPath } = await connect(kind, `revoke-${kind}`);
    expect((await call('GET', callbackPath, undefined, { '__Host-hearth-oauth': binder })).status).toBe(303);
    const row = smartRepository(instance.system).connection(sourceId)!;
    const refreshToken = openSecret(instance.providerSecretKey, row.sealedRefreshToken!, `refresh-token:${sourceId}`).toString('utf8');
    const accessToken = openSecret(instance.providerSecretKey, row.sealedAccessToken!, `access-token:${sourceId}`).toString('utf8');
    const fhirStatus = async () => (await fetch(`${provider.fhirBaseUrl}/Patient/${provider.patients[0]!.id}`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
    expect(await fhirStatus()).toBe(200);
    const deleted = await call('DELETE', `/api/people/${personId}/sources/${sourceId}`);
    expect(deleted.status, JSON.stringify(deleted.json)).toBe(204);
    // The provider no longer honours the grant: its access token is refused too (§2.1).
    expect(await fhirStatus()).toBe(401);
    expect(smartRepository(instance.system).connection(sourceId)).toBeUndefined();
    const tombstone = auditLog(instance.system).list().find((e) => e.what?.query?.startsWith(`deleted=source&source=${sourceId}`));
    expect(tombstone?.what?.query).toBe(`deleted=source&source=${sourceId}&provider=revoked`);
    expect(JSON.stringify(auditLog(instance.system).list())).not.toContain(refreshToken);
  });

  it('refuses an answer from another browser, an expired one, a changed iss and a wrong nonce', async () => {
    const other = await connect('public', 'refusals-1');
    expect((await call('GET', other.callbackPath, undefined, { '__Host-hearth-oauth': 'x'.repeat(43) })).location).toContain('error=forbidden');
    expect((await call('GET', other.callbackPath)).location).toContain('error=forbidden');

    const late = await connect('public', 'refusals-2');
    clock += 11 * 60_000;
    expect((await call('GET', late.callbackPath, undefined, { '__Host-hearth-oauth': late.binder })).location).toContain('error=forbidden');
    clock = Date.now();

    const mixUp = await connect('public', 'refusals-3');
    const forged = new URL(mixUp.back);
    forged.searchParams.set('iss', 'https://attacker.example');
    const tokenCalls = provider.requestLog.filter((r) => r.url.endsWith('/token')).length;
    expect((await call('GET', `${forged.pathname}${forged.search}`, undefined, { '__Host-hearth-oauth': mixUp.binder })).location).toContain('error=provider');
    expect(provider.requestLog.filter((r) => r.url.endsWith('/token')).length).toBe(tokenCalls);

    const replayed = await connect('public', 'refusals-4');
    instance.system.prepare('UPDATE oauth_states SET nonce = ? WHERE source_id = ?').run('not-the-nonce-sent', replayed.sourceId);
    expect((await call('GET', replayed.callbackPath, undefined, { '__Host-hearth-oauth': replayed.binder })).location).toContain('error=provider');
    for (const id of [other.sourceId, late.sourceId, mixUp.sourceId, replayed.sourceId]) {
      expect(smartRepository(instance.system).connection(id)!.status).toBe('pending');
      expect(smartRepository(instance.system).connection(id)!.sealedAccessToken).toBeNull();
    }
  });

  it('asks v1 scopes from a server without permission-v2 and records the grant', async () => {
    provider.behaviours.scopesVersion = 'v1';
    try {
      const narrow = await connect('public', 'narrow');
      expect(narrow.authorizeUrl.searchParams.get('scope')).toBe('launch/patient openid fhirUser offline_access patient/*.read');
      expect((await call('GET', narrow.callbackPath, undefined, { '__Host-hearth-oauth': narrow.binder })).location).toContain('connected=');
      const granted = smartRepository(instance.system).connection(narrow.sourceId)!.grantedScope!.split(' ');
      expect(granted).toContain('patient/*.read');
    } finally {
      provider.behaviours.scopesVersion = 'v2';
      provider.behaviours.grantScopes = null;
    }
  });

  it('completes a command-line connection (state bound to the cli marker, no browser cookie)', async () => {
    const registration = await call('POST', '/api/provider-apps', { label: 'cli', clientId: 'hearth-cli', clientType: 'public' });
    const started = await connectService({ instance, fetch: outbound.fetch, publicUrl: PUBLIC_URL, allowlist: provider.origins }).connect({
      actor: { kind: 'cli' },
      personId,
      fhirBaseUrl: provider.fhirBaseUrl,
      label: 'from the shell',
      registrationId: registration.json.registration.id,
      binding: { kind: 'cli' },
    });
    await provider.registerClient({ client_id: 'hearth-cli', redirect_uris: [started.redirectUri], token_endpoint_auth_method: 'none' });
    const back = await followAuthorization(started.authorizeUrl, started.redirectUri);
    const done = await app.inject({ method: 'GET', url: `${back.pathname}${back.search}` });
    expect(done.headers.location).toBe(`/people/${personId}/sources?connected=${started.sourceId}`);
    const vault = instance.people.openVault(personId);
    try {
      expect(auditLog(vault.db).list().some((e) => e.actor === 'cli' && e.what?.ids?.includes(started.sourceId))).toBe(true);
    } finally {
      vault.close();
    }
  });

  it('records a grant narrower than asked', async () => {
    provider.behaviours.grantScopes = ['launch/patient', 'offline_access', 'patient/*.rs'];
    try {
      const narrow = await connect('public', 'narrower');
      expect((await call('GET', narrow.callbackPath, undefined, { '__Host-hearth-oauth': narrow.binder })).location).toContain('connected=');
      const granted = smartRepository(instance.system).connection(narrow.sourceId)!.grantedScope!.split(' ');
      expect(granted).not.toContain('fhirUser');
      expect(granted).toContain('patient/*.rs');
    } finally {
      provider.behaviours.grantScopes = null;
    }
  });

  it('refreshes once for ten concurrent callers, persists the rotated token with the checkpoint, and never replays after a crash', async () => {
    const { sourceId, binder, callbackPath } = await connect('confidential-secret', 'refresh');
    expect((await call('GET', callbackPath, undefined, { '__Host-hearth-oauth': binder })).location).toContain('connected=');
    const repository = smartRepository(instance.system);
    const before = repository.connection(sourceId)!.sealedRefreshToken!;
    const later = providerSessions(instance, outbound.fetch, { allowlist: provider.origins, now: () => Date.now() + 2 * HOUR });
    const refreshes = () => provider.requestLog.filter((r) => r.method === 'POST' && r.url.endsWith('/token')).length;
    const start = refreshes();
    const providerSession = later.open(sourceId);
    const tokens = await Promise.all(Array.from({ length: 10 }, () => providerSession.accessToken(() => instance.system.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES ('test-checkpoint', ?)").run(sourceId))));
    expect(refreshes() - start).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(instance.system.prepare("SELECT value FROM settings WHERE key = 'test-checkpoint'").get()).toEqual({ value: sourceId });
    const after = repository.connection(sourceId)!;
    expect(after.sealedRefreshToken!.equals(before)).toBe(false);
    expect(after.refreshInFlight).toBeNull();
    expect(plaintextHits(instance.system, tokens[0]!)).toBe(0);

    // A refresh running in another process (a young marker) is waited for, not duplicated nor punished.
    repository.markRefreshInFlight(sourceId, Date.now());
    const atStart = refreshes();
    const fresh = providerSessions(instance, outbound.fetch, { allowlist: provider.origins });
    expect(fresh.recoverInterruptedRefreshes()).toEqual([]);
    expect(() => fresh.open(sourceId)).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(repository.connection(sourceId)!.status).toBe('connected');
    // A crash between sending a refresh and storing its answer leaves an old marker: no replay.
    repository.markRefreshInFlight(sourceId, Date.now() - 3 * 60_000);
    expect(fresh.recoverInterruptedRefreshes()).toEqual([sourceId]);
    expect(() => later.open(sourceId)).toThrow(expect.objectContaining({ code: 'reconnect_needed' }));
    expect(refreshes()).toBe(atStart);
    expect(repository.connection(sourceId)!.status).toBe('reconnect_needed');
    expect(repository.connection(sourceId)!.sealedRefreshToken).toBeNull();
  });

  it('marks a revoked grant reconnect_needed, and reconnect gives a fresh authorize URL for the same source', async () => {
    const { sourceId, binder, callbackPath } = await connect('public', 'revoked');
    await call('GET', callbackPath, undefined, { '__Host-hearth-oauth': binder });
    expect(smartRepository(instance.system).connection(sourceId)!.sealedRefreshToken).not.toBeNull();
    await provider.revokeGrants();
    const sessions = providerSessions(instance, outbound.fetch, { allowlist: provider.origins });
    await expect(sessions.open(sourceId).refreshAfterUnauthorized()).rejects.toMatchObject({ code: 'reconnect_needed' });
    expect(smartRepository(instance.system).connection(sourceId)!.status).toBe('reconnect_needed');
    expect(smartRepository(instance.system).connection(sourceId)!.lastError).toBe('invalid_grant');
    const again = await call('POST', `/api/sources/${sourceId}/reconnect`);
    expect(again.status).toBe(200);
    expect(again.json.sourceId).toBe(sourceId);
    const back = await followAuthorization(again.json.authorizeUrl, again.json.redirectUri);
    expect((await call('GET', `${back.pathname}${back.search}`, undefined, { '__Host-hearth-oauth': again.binder! })).location).toContain(`connected=${sourceId}`);
    expect(smartRepository(instance.system).connection(sourceId)!.status).toBe('connected');
  });

  it('refuses discovery without S256, with an http token endpoint or without endpoints, before any token request', async () => {
    let tokenRequests = 0;
    let config: Record<string, unknown> = {};
    const server: Server = createServer((req, res) => {
      if (req.url?.endsWith('/token')) tokenRequests++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(config));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const localOutbound = outboundClient({ allowlist: [origin] });
    const local = buildServer(instance, { logLevel: 'fatal', trustedProxies: [], publicUrl: PUBLIC_URL }, { auth: { now: () => clock }, smart: { fetch: localOutbound.fetch, allowlist: [origin] } });
    const good = { issuer: origin, jwks_uri: `${origin}/jwks`, authorization_endpoint: `${origin}/auth`, token_endpoint: `${origin}/token`, code_challenge_methods_supported: ['S256'] };
    const registrationId = (await call('POST', '/api/provider-apps', { label: 'bad', clientId: 'bad', clientType: 'public' })).json.registration.id;
    try {
      for (const [label, broken] of [
        ['plain', { ...good, code_challenge_methods_supported: ['plain'] }],
        ['http', { ...good, token_endpoint: 'http://192.0.2.1/token' }],
        ['missing', { issuer: origin, jwks_uri: `${origin}/jwks` }],
      ] as const) {
        config = broken;
        const answer = await local.inject({ method: 'POST', url: `/api/people/${personId}/connections`, headers: { 'x-hearth-csrf': '1', cookie: `__Host-hearth-session=${session}` }, payload: { fhirBaseUrl: `${origin}/fhir`, label, registrationId } });
        expect(answer.statusCode, label).toBe(502);
        expect(JSON.parse(answer.body).error.code).toBe('provider');
      }
      expect(tokenRequests).toBe(0);
      expect(instance.system.prepare("SELECT count(*) AS n FROM sources WHERE label IN ('plain', 'http', 'missing')").get()).toEqual({ n: 0 });
    } finally {
      await local.close();
      await localOutbound.close();
      server.close();
    }
  });
});

/** Counts cells of any table holding `needle` as text or bytes. */
function plaintextHits(db: import('../src/storage/encrypted-database.ts').SqliteDatabase, needle: string): number {
  let hits = 0;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
  for (const { name } of tables) {
    for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
      for (const value of Object.values(row)) {
        if (typeof value === 'string' && value.includes(needle)) hits++;
        if (Buffer.isBuffer(value) && value.includes(Buffer.from(needle))) hits++;
      }
    }
  }
  return hits;
}

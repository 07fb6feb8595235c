import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../src/audit/index.ts';
import { buildServer } from '../src/http/server.ts';
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
    instance = await tempInstance();
    app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [], publicUrl: PUBLIC_URL }, { auth: { now: () => clock }, smart: { fetch: globalThis.fetch, allowlist: provider.origins } });
    await app.ready();
    const setup = await app.inject({ method: 'POST', url: '/api/setup', headers: { 'x-hearth-csrf': '1' }, payload: OWNER });
    session = /__Host-hearth-session=([^;]+)/.exec(String(setup.headers['set-cookie']))![1]!;
    personId = instance.people.add('Ann').id;
  });
  afterAll(async () => {
    await app.close();
    await provider.close();
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
    const token = await providerSessions(instance, globalThis.fetch, { allowlist: provider.origins }).open(sourceId).accessToken();
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

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf } from '../src/accounts/accounts-service.ts';
import { auditLog } from '../src/audit/index.ts';
import { buildServer } from '../src/http/server.ts';
import { tempInstance } from './helpers/temp-instance.ts';

const OWNER = { username: 'olive', password: 'correct horse battery' };
const OTHER = { username: 'oscar', password: 'another long secret' };
const SECRET = 'client-secret-canary-5c1e7';

describe('provider app routes and the JWKS (real server, no provider needed)', () => {
  let instance: Awaited<ReturnType<typeof tempInstance>>;
  let app: FastifyInstance;
  let clock = Date.parse('2026-05-01T08:00:00Z');
  const call = async (method: string, url: string, session?: string, body?: unknown) => {
    const response = await app.inject({
      method: method as 'GET',
      url,
      headers: { ...(method !== 'GET' ? { 'x-hearth-csrf': '1' } : {}), ...(session ? { cookie: `__Host-hearth-session=${session}` } : {}) },
      ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
    });
    const session_ = /__Host-hearth-session=([^;]+)/.exec(String(response.headers['set-cookie'] ?? ''))?.[1];
    return { status: response.statusCode, json: response.body ? JSON.parse(response.body) : undefined, session: session_, headers: response.headers };
  };

  beforeAll(async () => {
    instance = await tempInstance();
    app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [], publicUrl: 'https://hearth.example.org' }, { auth: { now: () => clock, sleep: async () => undefined } });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    instance.dispose();
  });

  it('lets only the owner, freshly re-authenticated, add and delete; serves public keys only; seals the secret', async () => {
    const owner = (await call('POST', '/api/setup', undefined, OWNER)).session!;
    await accountsOf(instance.system).addAccount(OTHER.username, OTHER.password);
    const other = (await call('POST', '/api/login', undefined, OTHER)).session!;
    const key = { label: 'Test EHR', clientId: 'hearth-key', clientType: 'confidential-key' };
    expect((await call('POST', '/api/provider-apps', undefined, key)).status).toBe(401);
    expect((await call('POST', '/api/provider-apps', other, key)).status).toBe(403);
    expect((await call('GET', '/api/provider-apps', other)).status).toBe(403);

    clock += 10 * 60_000;
    const stale = await call('POST', '/api/provider-apps', owner, key);
    expect(stale.status).toBe(401);
    expect(stale.json.error.code).toBe('reauth-required');
    expect((await call('POST', '/api/reauth', owner, { password: OWNER.password })).status).toBe(204);

    const created = await call('POST', '/api/provider-apps', owner, key);
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.registration).toMatchObject({ clientType: 'confidential-key', alg: 'ES384' });
    const secret = await call('POST', '/api/provider-apps', owner, { label: 'Secret EHR', clientId: 'hearth-secret', clientType: 'confidential-secret', clientSecret: SECRET });
    expect(secret.status).toBe(201);
    expect(JSON.stringify(secret.json)).not.toContain(SECRET);
    expect((await call('POST', '/api/provider-apps', owner, { label: 'x', clientId: 'y', clientType: 'public', clientSecret: 'z' })).status).toBe(400);
    expect((await call('POST', '/api/provider-apps', owner, { label: 'x', clientId: 'y', clientType: 'magic' })).status).toBe(400);

    const jwks = await call('GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.headers['x-content-type-options']).toBe('nosniff');
    expect(jwks.json.keys).toHaveLength(1);
    expect(jwks.json.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig', kid: created.json.registration.keyId });
    expect(jwks.json.keys[0].d).toBeUndefined();

    const listed = await call('GET', '/api/provider-apps', owner);
    expect(listed.json.redirectUriPattern).toBe('https://hearth.example.org/callback/{sourceId}');
    expect(listed.json.jwksUrl).toBe('https://hearth.example.org/.well-known/jwks.json');
    expect(JSON.stringify(listed.json)).not.toContain(SECRET);
    const choices = await call('GET', '/api/provider-app-choices', other);
    expect(choices.json.choices.map((c: { label: string }) => c.label).sort()).toEqual(['Secret EHR', 'Test EHR']);
    expect(JSON.stringify(choices.json)).not.toContain('hearth-secret');

    // Neither the secret nor the private key is anywhere in plaintext in the (decrypted) system database.
    const rows = JSON.stringify(instance.system.prepare('SELECT * FROM client_registrations').all(), (_k, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v));
    expect(rows).not.toContain(SECRET);
    expect(rows).not.toContain('"d"');
    expect(JSON.stringify(auditLog(instance.system).list())).not.toContain(SECRET);

    expect((await call('DELETE', `/api/provider-apps/${created.json.registration.id}`, other)).status).toBe(403);
    expect((await call('DELETE', `/api/provider-apps/${created.json.registration.id}`, owner)).status).toBe(204);
    expect((await call('GET', '/.well-known/jwks.json')).json.keys).toHaveLength(0);
  });

  it('refuses a connection to a person the caller may not write, before any request leaves', async () => {
    const owner = (await call('POST', '/api/login', undefined, OWNER)).session!;
    const other = (await call('POST', '/api/login', undefined, OTHER)).session!;
    const ann = instance.people.add('Ann').id;
    const registrationId = (await call('GET', '/api/provider-apps', owner)).json.registrations[0].id;
    const refused = await call('POST', `/api/people/${ann}/connections`, other, { fhirBaseUrl: 'https://192.0.2.1/fhir', registrationId });
    expect(refused.status).toBe(404);
    expect(refused.json.error.message).toBe('no such person');
    const bad = await call('POST', `/api/people/${ann}/connections`, owner, { fhirBaseUrl: 'file:///etc/passwd', registrationId });
    expect(bad.status).toBe(400);
    expect(instance.system.prepare("SELECT count(*) AS n FROM sources WHERE kind = 'provider'").get()).toEqual({ n: 0 });
    // An unknown callback goes back to the app with Hearth's own error code only.
    const callback = await app.inject({ method: 'GET', url: '/callback/00000000-0000-0000-0000-000000000000?state=x&error=%3Cscript%3E' });
    expect(callback.statusCode).toBe(303);
    expect(callback.headers.location).toBe('/?error=not-found');
  });
});

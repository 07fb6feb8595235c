import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../src/audit/index.ts';
import { importDirectory } from '../src/directory/directory-service.ts';
import { buildServer } from '../src/http/server.ts';
import { lanternFixture } from './helpers/lantern-fixture.ts';
import { tempInstance } from './helpers/temp-instance.ts';

// GET /api/directory over real HTTP on 127.0.0.1, against the shipped directory, then an imported one.
let instance: Awaited<ReturnType<typeof tempInstance>>;
let app: FastifyInstance;
let base: string;
let session: string;

const get = async (path: string, signedIn = true) => {
  const response = await fetch(`${base}${path}`, { headers: signedIn ? { cookie: `__Host-hearth-session=${session}` } : {} });
  return { status: response.status, json: (await response.json()) as any, headers: response.headers };
};

beforeAll(async () => {
  instance = await tempInstance();
  app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  const setup = await fetch(`${base}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hearth-csrf': '1' },
    body: JSON.stringify({ username: 'owner', password: 'a long enough secret' }),
  });
  expect(setup.status).toBe(201);
  session = /__Host-hearth-session=([^;]+)/.exec(setup.headers.getSetCookie().join('\n'))![1]!;
});
afterAll(async () => {
  await app.close();
  instance.dispose();
});

describe('GET /api/directory', () => {
  it('answers 401 without a session', async () => {
    const answer = await get('/api/directory?q=mayo', false);
    expect(answer.status).toBe(401);
    expect(answer.json.error.code).toBe('unauthenticated');
  });

  it('searches the shipped directory: results with their endpoints, and the total', async () => {
    const answer = await get('/api/directory?q=mayo%20clinic&vendor=epic&limit=2');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.json.total).toBeGreaterThanOrEqual(1);
    expect(answer.json.results.length).toBeLessThanOrEqual(2);
    const [first] = answer.json.results;
    expect(Object.keys(first).sort()).toEqual(['endpoints', 'fhirVersion', 'id', 'npi', 'organization', 'state', 'url', 'vendor', 'zip']);
    expect(first).toMatchObject({ organization: 'Mayo Clinic', vendor: 'Epic Systems Corporation', fhirVersion: 'R4' });
    expect(first.endpoints[0]).toEqual({ url: first.url, fhirVersion: 'R4' });
    const audit = auditLog(instance.system).list({ action: 'search' });
    expect(audit.at(-1)).toMatchObject({ outcome: 'success', what: { type: 'Endpoint', query: 'q=mayo+clinic&vendor=epic' } });
  });

  it('filters by state alone', async () => {
    const answer = await get('/api/directory?state=AK&limit=200');
    expect(answer.status).toBe(200);
    expect(answer.json.total).toBeGreaterThan(5);
    expect(answer.json.results.every((result: { state: string }) => result.state === 'AK')).toBe(true);
  });

  it('refuses bad parameters with the one error shape', async () => {
    for (const path of ['/api/directory', '/api/directory?state=ZZ', '/api/directory?q=x&limit=0', '/api/directory?q=x&limit=201', '/api/directory?zip=abc']) {
      const answer = await get(path);
      expect(answer.status, path).toBe(400);
      expect(Object.keys(answer.json.error).sort(), path).toEqual(expect.arrayContaining(['code', 'message']));
    }
  });

  it('picks up an imported directory without a restart', async () => {
    importDirectory(instance.paths.root, [lanternFixture()]);
    const answer = await get('/api/directory?q=lakeside');
    expect(answer.json.results.map((result: { organization: string }) => result.organization)).toEqual(['Lakeside Family Practice']);
    expect((await get('/api/directory?q=mayo')).json.total).toBe(0);
  });
});

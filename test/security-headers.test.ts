import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../src/http/server.ts';
import { tempInstance } from './helpers/temp-instance.ts';

// SECURITY.md "Headers on every response including 404/500": every registered route is called,
// signed out and signed in, with whatever it takes; each answer, whatever its status, must carry the
// headers. Routes are collected as the server registers them, so a new route is covered at once.
const routes: { method: string; url: string }[] = [];
let instance: Awaited<ReturnType<typeof tempInstance>>;
let app: FastifyInstance;
let personId: string;
let cookie: string;

beforeAll(async () => {
  instance = await tempInstance();
  personId = instance.people.add('Header Check').id;
  app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] }, {
    onRoute: (route) => {
      for (const method of [route.method].flat()) routes.push({ method, url: route.url });
    },
  });
  await app.ready();
  const setup = await app.inject({
    method: 'POST',
    url: '/api/setup',
    headers: { 'x-hearth-csrf': '1' },
    payload: { username: 'owner', password: 'a long enough password' },
  });
  expect(setup.statusCode).toBe(201);
  cookie = setup.headers['set-cookie']!.toString().split(';', 1)[0]!;
});
afterAll(async () => {
  await app.close();
  instance.dispose();
});

/** A concrete URL for a route pattern: the person's id where one is asked for, `x` elsewhere. */
const concrete = (url: string) => url.replace(':personId', personId).replace(/:[A-Za-z]+/g, 'x').replace('*', 'x');

function expectHeaders(method: string, url: string, headers: Record<string, unknown>): void {
  const where = `${method} ${url}`;
  const csp = String(headers['content-security-policy'] ?? '');
  expect(csp, where).toContain("default-src 'self'");
  expect(csp, where).toContain("object-src 'none'");
  expect(csp, where).toContain("base-uri 'none'");
  expect(csp, where).toContain("frame-ancestors 'none'");
  expect(csp, where).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  expect(headers['x-content-type-options'], where).toBe('nosniff');
  expect(headers['referrer-policy'], where).toBe('no-referrer');
  // Hashed, immutable web-app assets hold no health data and may be cached; nothing else.
  if (!url.startsWith('/assets/')) expect(headers['cache-control'], where).toBe('no-store');
}

describe('security headers', () => {
  it('are on every answer of every route, signed out and signed in', async () => {
    expect(routes.length).toBeGreaterThan(40);
    const statuses = new Set<number>();
    for (const signedIn of [false, true]) {
      // The sign-out route last, so the session holds for the rest.
      const ordered = [...routes].sort((a, b) => Number(a.url === '/api/logout') - Number(b.url === '/api/logout'));
      for (const { method, url } of ordered) {
        const path = concrete(url);
        const json = method !== 'GET' && method !== 'HEAD' && method !== 'DELETE';
        const response = await app.inject({
          method: method as 'GET',
          url: path,
          headers: {
            'x-hearth-csrf': '1',
            ...(signedIn ? { cookie } : {}),
            ...(json ? { 'content-type': url.endsWith('/imports') ? 'application/octet-stream' : 'application/json' } : {}),
          },
          ...(json ? { payload: url.endsWith('/imports') ? Buffer.from('{}') : '{}' } : {}),
        });
        statuses.add(response.statusCode);
        expectHeaders(method, path, response.headers);
      }
    }
    // The walk reached answers of every kind, not only one refusal.
    expect([...statuses].some((status) => status < 300)).toBe(true);
    expect([...statuses].some((status) => status >= 400 && status < 500)).toBe(true);
  });
});

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf } from '../src/accounts/accounts-service.ts';
import { auditLog } from '../src/audit/index.ts';
import { buildServer } from '../src/http/server.ts';
import { tempInstance } from './helpers/temp-instance.ts';

// Sign-in over real HTTP: a real server on 127.0.0.1, real fetch, a real encrypted system database.
const OWNER = { username: 'alice', password: 'correct horse battery' };
const BOB = { username: 'bob', password: 'another long secret' };
const LIMIT = 8;
const MINUTE = 60_000;

let instance: Awaited<ReturnType<typeof tempInstance>>;
let app: FastifyInstance;
let base: string;
let clock = Date.parse('2026-03-01T08:00:00Z');
const delays: number[] = [];

beforeAll(async () => {
  instance = await tempInstance();
  app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [] }, {
    auth: { now: () => clock, maxFailuresPerHour: LIMIT, sleep: async (ms) => void delays.push(ms) },
  });
  app.get('/api/boom', async () => {
    throw new Error('secret detail /var/lib/hearth');
  });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app.close();
  instance.dispose();
});

interface Call {
  body?: unknown;
  cookie?: string;
  headers?: Record<string, string>;
  csrf?: boolean;
}

async function call(method: string, path: string, { body, cookie, headers = {}, csrf = true }: Call = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(csrf && method !== 'GET' ? { 'x-hearth-csrf': '1' } : {}),
      ...(cookie ? { cookie: `__Host-hearth-session=${cookie}` } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const setCookie = response.headers.getSetCookie();
  const session = setCookie.map((line) => /^__Host-hearth-session=([^;]*)/.exec(line)?.[1]).find((value) => value !== undefined);
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined, setCookie, session };
}

async function login(credentials = OWNER, cookie?: string): Promise<string> {
  const answer = await call('POST', '/api/login', { body: credentials, ...(cookie ? { cookie } : {}) });
  expect(answer.status).toBe(200);
  expect(answer.session).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return answer.session!;
}

describe('before setup', () => {
  it('says an owner is needed and answers 409 setup-required to the rest of the API', async () => {
    expect((await call('GET', '/api/setup')).json).toEqual({ needsOwner: true });
    for (const [method, path] of [['GET', '/api/session'], ['POST', '/api/login'], ['GET', '/api/sessions'], ['GET', '/api/nothing-here']] as const) {
      const answer = await call(method, path, method === 'POST' ? { body: OWNER } : {});
      expect(answer.status, path).toBe(409);
      expect(answer.json.error.code).toBe('setup-required');
    }
    expect((await call('GET', '/healthz')).status).toBe(200);
  });
});

describe('setup', () => {
  let ownerSession: string;
  it('creates the owner once, signs them in, then no longer exists', async () => {
    expect((await call('POST', '/api/setup', { body: OWNER, csrf: false })).json.error.code).toBe('csrf');
    const created = await call('POST', '/api/setup', { body: OWNER });
    expect(created.status).toBe(201);
    expect(created.json.account).toMatchObject({ username: 'alice', isOwner: true });
    ownerSession = created.session!;
    expect((await call('GET', '/api/session', { cookie: ownerSession })).json.account.username).toBe('alice');
    expect((await call('GET', '/api/setup')).json).toEqual({ needsOwner: false });
    const again = await call('POST', '/api/setup', { body: { username: 'mallory', password: 'a long enough secret' } });
    expect(again.status).toBe(404);
    expect(accountsOf(instance.system).list().map((account) => account.username)).toEqual(['alice']);
    await accountsOf(instance.system).addAccount(BOB.username, BOB.password);
  });
});

describe('login', () => {
  it('sets the __Host- cookie: Secure, HttpOnly, SameSite=Strict, Path=/, no Domain', async () => {
    const answer = await call('POST', '/api/login', { body: OWNER });
    expect(answer.setCookie).toHaveLength(1);
    const [pair, ...attributes] = answer.setCookie[0]!.split('; ');
    expect(pair).toMatch(/^__Host-hearth-session=[A-Za-z0-9_-]{43}$/);
    expect(attributes.sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Strict', 'Secure']);
    expect(answer.json.account).toMatchObject({ username: 'alice', isOwner: true });
  });

  it('answers an unknown user and a wrong password identically', async () => {
    const unknown = await call('POST', '/api/login', { body: { username: 'nobody', password: OWNER.password } });
    const wrong = await call('POST', '/api/login', { body: { username: OWNER.username, password: 'not the password' } });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.text).toBe(wrong.text);
    expect(wrong.json.error.code).toBe('unauthenticated');
    expect(unknown.setCookie).toEqual([]);
    expect(wrong.setCookie).toEqual([]);
  });

  it('gives a new id at each login and ends the one the browser came with', async () => {
    const first = await login();
    const second = await login(OWNER, first);
    expect(second).not.toBe(first);
    expect((await call('GET', '/api/session', { cookie: first })).status).toBe(401);
    expect((await call('GET', '/api/session', { cookie: second })).status).toBe(200);
  });

  it('lists the people the account can see, with its role', async () => {
    const person = instance.people.add('Ann Example');
    const bob = await login(BOB);
    const session = await call('GET', '/api/session', { cookie: await login() });
    expect(session.json.people).toEqual([expect.objectContaining({ id: person.id, name: 'Ann Example', role: 'owner' })]);
    expect((await call('GET', '/api/session', { cookie: bob })).json).toEqual({ account: expect.objectContaining({ username: 'bob', isOwner: false }), people: [] });
    expect((await call('GET', '/api/session')).status).toBe(401);
  });
});

describe('logout and timeouts', () => {
  it('ends the session server-side: the old cookie is refused afterwards', async () => {
    const id = await login();
    const out = await call('POST', '/api/logout', { cookie: id });
    expect(out.status).toBe(204);
    expect(out.setCookie[0]).toMatch(/^__Host-hearth-session=; .*Expires=Thu, 01 Jan 1970/);
    const after = await call('GET', '/api/session', { cookie: id });
    expect(after.status).toBe(401);
    expect(after.json.error.code).toBe('unauthenticated');
  });

  it('ends a session idle for 15 minutes', async () => {
    const id = await login();
    clock += 14 * MINUTE;
    expect((await call('GET', '/api/session', { cookie: id })).status).toBe(200);
    clock += 14 * MINUTE;
    expect((await call('GET', '/api/session', { cookie: id })).status).toBe(200);
    clock += 15 * MINUTE;
    expect((await call('GET', '/api/session', { cookie: id })).status).toBe(401);
  });

  it('ends any session 12 hours after login, however busy', async () => {
    const id = await login();
    for (let spent = 10 * MINUTE; spent < 12 * 60 * MINUTE; spent += 10 * MINUTE) {
      clock += 10 * MINUTE;
      expect((await call('GET', '/api/session', { cookie: id })).status).toBe(200);
    }
    clock += 10 * MINUTE;
    expect((await call('GET', '/api/session', { cookie: id })).status).toBe(401);
  });
});

describe('own sessions and password', () => {
  it('lists sessions with the current one marked, and ends one by handle', async () => {
    const here = await call('POST', '/api/login', { body: BOB, headers: { 'user-agent': 'laptop' } });
    const phone = await call('POST', '/api/login', { body: BOB, headers: { 'user-agent': 'phone' } });
    const listed = await call('GET', '/api/sessions', { cookie: here.session! });
    const sessions = listed.json.sessions as { handle: string; userAgent: string; current: boolean; createdAt: string; lastSeenAt: string }[];
    expect(sessions.filter((s) => s.current).map((s) => s.userAgent)).toEqual(['laptop']);
    expect(JSON.stringify(listed.json)).not.toContain(here.session!);
    const other = sessions.find((s) => s.userAgent === 'phone')!;
    expect(other.handle).toMatch(/^[0-9a-f]{12}$/);
    expect((await call('DELETE', `/api/sessions/${other.handle}`, { cookie: here.session!, csrf: false })).status).toBe(403);
    expect((await call('DELETE', `/api/sessions/${other.handle}`, { cookie: await login() })).status).toBe(404); // not alice's
    expect((await call('DELETE', `/api/sessions/${other.handle}`, { cookie: here.session! })).status).toBe(204);
    expect((await call('GET', '/api/session', { cookie: phone.session! })).status).toBe(401);
    expect((await call('GET', '/api/session', { cookie: here.session! })).status).toBe(200);
    expect((await call('DELETE', `/api/sessions/${other.handle}`, { cookie: here.session! })).status).toBe(404);
  });

  it('changes the password and ends every other session', async () => {
    const mine = await login(BOB);
    const elsewhere = await login(BOB);
    const wrong = await call('POST', '/api/password', { cookie: mine, body: { current: 'not it at all', next: 'a brand new secret' } });
    expect(wrong.status).toBe(403);
    const weak = await call('POST', '/api/password', { cookie: mine, body: { current: BOB.password, next: 'password' } });
    expect(weak.status).toBe(400);
    expect((await call('GET', '/api/session', { cookie: elsewhere })).status).toBe(200);
    const changed = await call('POST', '/api/password', { cookie: mine, body: { current: BOB.password, next: 'a brand new secret' } });
    expect(changed.status).toBe(204);
    expect((await call('GET', '/api/session', { cookie: elsewhere })).status).toBe(401);
    expect((await call('GET', '/api/session', { cookie: mine })).status).toBe(200);
    expect((await call('POST', '/api/login', { body: BOB })).status).toBe(401);
    BOB.password = 'a brand new secret';
    await login(BOB);
  });
});

describe('CSRF', () => {
  it('refuses a state change without the header, from a foreign Origin or from another site, and changes nothing', async () => {
    const id = await login();
    const refusals: Call[] = [
      { csrf: false },
      { headers: { origin: 'https://evil.example' } },
      { headers: { origin: 'null' } },
      { headers: { 'sec-fetch-site': 'cross-site' } },
      { headers: { 'sec-fetch-site': 'same-site', origin: base } },
    ];
    for (const options of refusals) {
      const answer = await call('POST', '/api/logout', { cookie: id, ...options });
      expect(answer.status, JSON.stringify(options)).toBe(403);
      expect(answer.json).toEqual({ error: { code: 'csrf', message: expect.any(String) } });
      expect(answer.setCookie).toEqual([]);
    }
    expect((await call('GET', '/api/session', { cookie: id })).status).toBe(200);
    expect((await call('POST', '/api/login', { body: OWNER, csrf: false })).status).toBe(403);
  });

  it('accepts the header with our own Origin, with Sec-Fetch-Site same-origin, or with neither (non-browser clients)', async () => {
    const accepted: Record<string, string>[] = [{ origin: base }, { 'sec-fetch-site': 'same-origin', origin: 'https://proxy.example' }, {}];
    for (const headers of accepted) {
      const id = await login();
      expect((await call('POST', '/api/logout', { cookie: id, headers })).status, JSON.stringify(headers)).toBe(204);
      expect((await call('GET', '/api/session', { cookie: id })).status).toBe(401);
    }
  });
});

describe('failed-login limit', () => {
  it(`evaluates at most ${LIMIT} failures per account per hour, backing off, then answers 429 even to the right password`, async () => {
    const carol = { username: 'carol', password: 'carol has a long password' };
    await accountsOf(instance.system).addAccount(carol.username, carol.password);
    const refusals: string[] = [];
    for (const username of ['carol', 'nosuchuser']) {
      delays.length = 0;
      for (let i = 0; i < LIMIT; i += 1) {
        // The source address changes nothing: the limit is per account.
        expect((await call('POST', '/api/login', { body: { username, password: `guess ${i} wrong` } })).status).toBe(401);
      }
      expect(delays).toEqual([250, 500, 1000]);
      const limited = await call('POST', '/api/login', { body: { username: username.toUpperCase(), password: carol.password } });
      expect(limited.status).toBe(429);
      expect(limited.json.error.code).toBe('too-many');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(delays).toHaveLength(3); // refused before any backoff or password check
      refusals.push(limited.text);
    }
    expect(refusals[1]).toBe(refusals[0]); // an unknown name is limited exactly like a real one
    const count = instance.system.prepare("SELECT COUNT(*) AS n FROM login_failures WHERE account_key = 'carol'").get() as { n: number };
    expect(count.n).toBe(LIMIT); // the refused attempt was not evaluated, so not counted either
    clock += 61 * MINUTE;
    await login(carol);
    expect(instance.system.prepare("SELECT COUNT(*) AS n FROM login_failures WHERE account_key = 'carol'").get()).toEqual({ n: 0 });
  });
});

describe('audit trail', () => {
  it('records logins (ok, failed, refused), logouts, setup, password changes and ended sessions, never a password', () => {
    const entries = auditLog(instance.system).list({ limit: 10_000 });
    const alice = accountsOf(instance.system).byUsername('alice')!.id;
    const kinds = new Set(entries.map((entry) => `${entry.action}:${entry.outcome}`));
    for (const kind of ['login:success', 'login:failure', 'login:denied', 'logout:success', 'setting:success', 'setting:failure']) expect(kinds).toContain(kind);
    expect(entries.find((entry) => entry.what?.query?.startsWith('change=setup-owner'))?.actor).toBe(alice);
    expect(entries.some((entry) => entry.what?.query?.startsWith('change=password'))).toBe(true);
    expect(entries.some((entry) => entry.what?.query?.startsWith('change=end-session'))).toBe(true);
    const failed = entries.find((entry) => entry.action === 'login' && entry.outcome === 'failure')!;
    expect(failed.sourceAddress).toBe('127.0.0.1');
    expect(failed.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const all = JSON.stringify(entries);
    for (const secret of [OWNER.password, 'another long secret', 'a brand new secret', 'not the password', 'guess 1 wrong', 'nosuchuser']) expect(all).not.toContain(secret);
    expect(auditLog(instance.system).verify().ok).toBe(true);
  });
});

describe('error answers', () => {
  const expectSecurityHeaders = (headers: Headers) => {
    expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
    expect(headers.get('cache-control')).toBe('no-store');
  };

  it('answers 404 in the one error shape, with the security headers', async () => {
    for (const path of ['/nope', '/api/nope']) {
      const answer = await call('GET', path);
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({ error: { code: 'not-found', message: expect.any(String) } });
      expectSecurityHeaders(answer.headers);
    }
  });

  it('answers an unexpected error with a bare 500, the security headers and no details', async () => {
    const answer = await call('GET', '/api/boom');
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(answer.text).not.toContain('secret detail');
    expectSecurityHeaders(answer.headers);
  });

  it('answers bad input as invalid', async () => {
    const answer = await call('POST', '/api/login', { body: { username: 'alice' } });
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe('invalid');
  });

  it('refuses a field it does not know instead of dropping it silently', async () => {
    const answer = await call('POST', '/api/login', { body: { ...OWNER, remember: true } });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatchObject({ code: 'invalid' });
    expect(answer.json.error.message).toMatch(/additional properties/i);
  });
});

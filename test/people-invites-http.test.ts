import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf } from '../src/accounts/accounts-service.ts';
import { auditLog } from '../src/audit/index.ts';
import { apiServer } from './helpers/api-client.ts';

// People, grants, accounts and invites over real HTTP against a real encrypted instance.
const OWNER = { username: 'alice', password: 'correct horse battery' };
const BOB = { username: 'bob', password: 'another long secret' };
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
let clock = Date.parse('2026-03-01T08:00:00Z');

let server: Awaited<ReturnType<typeof apiServer>>;
let owner: string;
let bob: string;
let bobId: string;
let ann: string;
const tokens: string[] = [];

async function login(credentials: { username: string; password: string }): Promise<string> {
  const answer = await server.call('POST', '/api/login', { body: credentials });
  expect(answer.status).toBe(200);
  return answer.session!;
}

beforeAll(async () => {
  server = await apiServer({ now: () => clock, sleep: async () => undefined });
  owner = (await server.call('POST', '/api/setup', { body: OWNER })).session!;
  bobId = (await accountsOf(server.instance.system).addAccount(BOB.username, BOB.password)).id;
  bob = await login(BOB);
});
afterAll(() => server.close());

describe('people', () => {
  it('lets the owner add a person; anyone else gets 403, no session 401, bad input 400', async () => {
    const added = await server.call('POST', '/api/people', { cookie: owner, body: { name: ' Ann Example ' } });
    expect(added.status).toBe(201);
    expect(added.json).toEqual({ person: { id: expect.any(String), name: 'Ann Example' } });
    ann = added.json.person.id;
    expect(server.instance.people.require(ann).name).toBe('Ann Example');
    expect((await server.call('POST', '/api/people', { cookie: bob, body: { name: 'Mallory' } })).status).toBe(403);
    expect((await server.call('POST', '/api/people', { body: { name: 'Mallory' } })).status).toBe(401);
    expect((await server.call('POST', '/api/people', { cookie: owner, body: { name: '   ' } })).status).toBe(400);
    expect(server.instance.people.list().map((person) => person.name)).toEqual(['Ann Example']);
  });

  it('lists accounts to the owner only', async () => {
    const listed = await server.call('GET', '/api/accounts', { cookie: owner });
    expect(listed.json.accounts).toEqual([
      { id: expect.any(String), username: 'alice', isOwner: true, disabled: false, totpEnabled: false },
      { id: bobId, username: 'bob', isOwner: false, disabled: false, totpEnabled: false },
    ]);
    expect((await server.call('GET', '/api/accounts', { cookie: bob })).status).toBe(403);
  });
});

describe('grants', () => {
  const grantPath = () => `/api/people/${ann}/grants/${bobId}`;

  it('gives, changes and lists grants; the grantee sees the person on the next request', async () => {
    expect((await server.call('GET', '/api/session', { cookie: bob })).json.people).toEqual([]);
    expect((await server.call('PUT', grantPath(), { cookie: owner, body: { role: 'viewer' } })).json).toEqual({ grant: { accountId: bobId, role: 'viewer' } });
    expect((await server.call('GET', '/api/session', { cookie: bob })).json.people).toEqual([expect.objectContaining({ id: ann, role: 'viewer', actions: ['read', 'search'] })]);
    expect((await server.call('GET', `/api/people/${ann}/grants`, { cookie: owner })).json).toEqual({ grants: [{ accountId: bobId, username: 'bob', role: 'viewer' }] });
    // Managing grants is the 'manage' action: a viewer or manager gets the access door's one 404.
    const refused = await server.call('GET', `/api/people/${ann}/grants`, { cookie: bob });
    expect(refused.status).toBe(404);
    expect(refused.json.error.message).toBe('no such person');
    await server.call('PUT', grantPath(), { cookie: owner, body: { role: 'manager' } });
    expect((await server.call('GET', `/api/people/${ann}/grants`, { cookie: bob })).status).toBe(404);
    expect((await server.call('PUT', grantPath(), { cookie: bob, body: { role: 'owner' } })).status).toBe(404); // cannot raise itself
    await server.call('PUT', grantPath(), { cookie: owner, body: { role: 'owner' } });
    expect((await server.call('GET', `/api/people/${ann}/grants`, { cookie: bob })).json.grants).toEqual([{ accountId: bobId, username: 'bob', role: 'owner' }]);
  });

  it('refuses a bad role, an unknown account and an unknown person, changing nothing', async () => {
    expect((await server.call('PUT', grantPath(), { cookie: owner, body: { role: 'admin' } })).status).toBe(400);
    expect((await server.call('PUT', `/api/people/${ann}/grants/nobody`, { cookie: owner, body: { role: 'viewer' } })).status).toBe(404);
    const unknown = await server.call('PUT', `/api/people/no-such-person/grants/${bobId}`, { cookie: owner, body: { role: 'viewer' } });
    expect(unknown.json.error.message).toBe('no such person');
    expect(accountsOf(server.instance.system).grantsOf(bobId).map((grant) => grant.role)).toEqual(['owner']);
  });

  it('needs a fresh password for changes', async () => {
    clock += 5 * MINUTE;
    const stale = await server.call('PUT', grantPath(), { cookie: owner, body: { role: 'viewer' } });
    expect(stale.status).toBe(401);
    expect(stale.json.error.code).toBe('reauth-required');
    expect((await server.call('DELETE', grantPath(), { cookie: owner })).json.error.code).toBe('reauth-required');
    expect((await server.call('POST', '/api/reauth', { cookie: owner, body: { password: OWNER.password } })).status).toBe(204);
  });

  it('removes a grant, effective on the grantee’s very next request', async () => {
    bob = await login(BOB);
    expect((await server.call('GET', `/api/people/${ann}/grants`, { cookie: bob })).status).toBe(200);
    expect((await server.call('DELETE', grantPath(), { cookie: owner })).status).toBe(204);
    expect((await server.call('GET', `/api/people/${ann}/grants`, { cookie: bob })).status).toBe(404);
    expect((await server.call('GET', '/api/session', { cookie: bob })).json.people).toEqual([]);
    expect((await server.call('DELETE', grantPath(), { cookie: owner })).status).toBe(404);
  });
});

describe('invites', () => {
  const invite = (cookie: string, grants: unknown = [{ personId: ann, role: 'viewer' }]) => server.call('POST', '/api/invites', { cookie, body: { grants } });

  it('creates an invite for the owner only, with a fresh password, for existing people', async () => {
    expect((await invite(bob)).status).toBe(403);
    expect((await invite(owner, [{ personId: 'nobody', role: 'viewer' }])).status).toBe(404);
    expect((await invite(owner, [])).status).toBe(400);
    expect((await invite(owner, [{ personId: ann, role: 'admin' }])).status).toBe(400);
    const created = await invite(owner);
    expect(created.status).toBe(201);
    const token = created.json.token as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.json.path).toBe(`/invite/${token}`);
    expect(created.json.invite.expiresAt).toBe(new Date(clock + 7 * DAY).toISOString());
    tokens.push(token);
    const stored = JSON.stringify(server.instance.system.prepare('SELECT * FROM invites').all());
    expect(stored).not.toContain(token);
    clock += 5 * MINUTE;
    expect((await invite(owner)).json.error.code).toBe('reauth-required');
    await server.call('POST', '/api/reauth', { cookie: owner, body: { password: OWNER.password } });
  });

  it('lists pending invites to the owner without tokens, and shows one to anyone holding its token', async () => {
    const listed = await server.call('GET', '/api/invites', { cookie: owner });
    expect(listed.json.invites).toEqual([expect.objectContaining({ id: expect.any(String), grants: [{ personId: ann, personName: 'Ann Example', role: 'viewer' }] })]);
    expect(listed.text).not.toContain(tokens[0]);
    expect((await server.call('GET', '/api/invites', { cookie: bob })).status).toBe(403);
    const shown = await server.call('GET', `/api/invites/${tokens[0]}`);
    expect(shown.json).toEqual({ valid: true, grants: [{ personName: 'Ann Example', role: 'viewer' }], expiresAt: expect.any(String) });
    const altered = `${tokens[0]!.slice(0, -1)}${tokens[0]!.endsWith('A') ? 'B' : 'A'}`; // never the token itself
    expect((await server.call('GET', `/api/invites/${altered}`)).status).toBe(404);
  });

  it('is accepted once: creates the account with its grants and signs it in', async () => {
    const taken = await server.call('POST', `/api/invites/${tokens[0]}/accept`, { body: { username: 'BOB', password: 'carol has a password' } });
    expect(taken.status).toBe(409);
    expect((await server.call('POST', `/api/invites/${tokens[0]}/accept`, { body: { username: 'carol', password: 'password' } })).status).toBe(400);
    expect((await server.call('POST', `/api/invites/${tokens[0]}/accept`, { body: { username: 'carol', password: 'carol has a password' }, csrf: false })).status).toBe(403);
    expect((await server.call('GET', `/api/invites/${tokens[0]}`)).status).toBe(200); // still good after the refusals
    const accepted = await server.call('POST', `/api/invites/${tokens[0]}/accept`, { body: { username: 'carol', password: 'carol has a password' } });
    expect(accepted.status).toBe(201);
    expect(accepted.json.account).toMatchObject({ username: 'carol', isOwner: false, totpEnabled: false });
    const carol = await server.call('GET', '/api/session', { cookie: accepted.session });
    expect(carol.json.people).toEqual([expect.objectContaining({ id: ann, role: 'viewer' })]);
    const again = await server.call('POST', `/api/invites/${tokens[0]}/accept`, { body: { username: 'dave', password: 'dave has a password' } });
    expect(again.status).toBe(404);
    expect((await server.call('GET', `/api/invites/${tokens[0]}`)).status).toBe(404);
    expect(accountsOf(server.instance.system).byUsername('dave')).toBeUndefined();
    expect((await server.call('GET', '/api/invites', { cookie: owner })).json.invites).toEqual([]);
  });

  it('lets only one of two simultaneous accepts win', async () => {
    const created = await invite(owner);
    tokens.push(created.json.token);
    const accept = (username: string) => server.call('POST', `/api/invites/${created.json.token}/accept`, { body: { username, password: `${username} has a password` } });
    const answers = await Promise.all([accept('frank'), accept('grace')]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 404]);
    const accounts = accountsOf(server.instance.system);
    expect([accounts.byUsername('frank'), accounts.byUsername('grace')].filter(Boolean)).toHaveLength(1);
  });

  it('can be revoked, and expires after 7 days', async () => {
    const revoked = await invite(owner);
    const listed = await server.call('GET', '/api/invites', { cookie: owner });
    const id = listed.json.invites[0].id as string;
    expect((await server.call('DELETE', `/api/invites/${id}`, { cookie: bob })).status).toBe(403);
    expect((await server.call('DELETE', `/api/invites/${id}`, { cookie: owner })).status).toBe(204);
    expect((await server.call('DELETE', `/api/invites/${id}`, { cookie: owner })).status).toBe(404);
    expect((await server.call('GET', `/api/invites/${revoked.json.token}`)).status).toBe(404);
    expect((await server.call('POST', `/api/invites/${revoked.json.token}/accept`, { body: { username: 'erin', password: 'erin has a password' } })).status).toBe(404);

    const expiring = await invite(owner);
    tokens.push(revoked.json.token, expiring.json.token);
    clock += 7 * DAY - 1;
    expect((await server.call('GET', `/api/invites/${expiring.json.token}`)).status).toBe(200);
    clock += 1;
    expect((await server.call('GET', `/api/invites/${expiring.json.token}`)).status).toBe(404);
    expect((await server.call('POST', `/api/invites/${expiring.json.token}/accept`, { body: { username: 'erin', password: 'erin has a password' } })).status).toBe(404);
    owner = await login(OWNER);
    expect((await server.call('GET', '/api/invites', { cookie: owner })).json.invites).toEqual([]);
    expect(accountsOf(server.instance.system).byUsername('erin')).toBeUndefined();
  });
});

describe('guards on every new route', () => {
  it('refuses each state-changing route without the CSRF header, changing nothing', async () => {
    const before = server.instance.system.prepare('SELECT (SELECT COUNT(*) FROM people) + (SELECT COUNT(*) FROM grants) + (SELECT COUNT(*) FROM invites) AS n').get();
    const routes: [string, string, unknown][] = [
      ['POST', '/api/people', { name: 'Zed' }],
      ['PUT', `/api/people/${ann}/grants/${bobId}`, { role: 'viewer' }],
      ['DELETE', `/api/people/${ann}/grants/${bobId}`, undefined],
      ['POST', '/api/invites', { grants: [{ personId: ann, role: 'viewer' }] }],
      ['DELETE', '/api/invites/some-id', undefined],
      ['POST', '/api/invites/some-token/accept', { username: 'zed', password: 'zed has a password' }],
      ['POST', '/api/reauth', { password: OWNER.password }],
      ['POST', '/api/totp/setup', undefined],
      ['POST', '/api/totp/confirm', { code: '123456' }],
      ['POST', '/api/totp/disable', { password: OWNER.password }],
    ];
    for (const [method, path, body] of routes) {
      const answer = await server.call(method, path, { cookie: owner, body, csrf: false });
      expect(answer.json?.error?.code, `${method} ${path}`).toBe('csrf');
    }
    expect(server.instance.system.prepare('SELECT (SELECT COUNT(*) FROM people) + (SELECT COUNT(*) FROM grants) + (SELECT COUNT(*) FROM invites) AS n').get()).toEqual(before);
  });

  it('gives a non-owner nothing of the owner-only routes', async () => {
    bob = await login(BOB);
    const routes: [string, string, unknown][] = [
      ['POST', '/api/people', { name: 'Zed' }],
      ['GET', '/api/accounts', undefined],
      ['POST', '/api/invites', { grants: [{ personId: ann, role: 'viewer' }] }],
      ['GET', '/api/invites', undefined],
      ['DELETE', '/api/invites/some-id', undefined],
    ];
    for (const [method, path, body] of routes) {
      expect((await server.call(method, path, { cookie: bob, body })).status, `${method} ${path}`).toBe(403);
      expect((await server.call(method, path, { body })).status, `${method} ${path} signed out`).toBe(401);
    }
    expect((await server.call('GET', `/api/people/${ann}/grants`, { cookie: bob })).status).toBe(404);
  });

  it('audits people, grants and invites in the system log, never a token or password', () => {
    const entries = auditLog(server.instance.system).list({ limit: 10_000 });
    const queries = entries.map((entry) => entry.what?.query ?? '');
    for (const change of ['change=add-person', 'change=grant', 'change=revoke&', 'change=invite', 'change=accept-invite', 'change=revoke-invite']) {
      expect(queries.some((query) => query.startsWith(change)), change).toBe(true);
    }
    const accepted = entries.find((entry) => entry.what?.query?.startsWith('change=accept-invite'))!;
    expect(accepted.onBehalfOf).toBe(accountsOf(server.instance.system).byUsername('alice')!.id);
    expect(entries.find((entry) => entry.what?.query === 'change=add-person')?.personId).toBe(ann);
    const all = JSON.stringify(entries);
    for (const secret of [...tokens, OWNER.password, BOB.password, 'carol has a password']) expect(all).not.toContain(secret);
    expect(auditLog(server.instance.system).verify().ok).toBe(true);
  });
});

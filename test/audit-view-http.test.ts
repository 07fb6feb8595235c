import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf } from '../src/accounts/accounts-service.ts';
import { importFiles } from '../src/import/import-service.ts';
import { apiServer } from './helpers/api-client.ts';

// The person's audit view and its AuditEvent export over real HTTP.
const OWNER = { username: 'alice', password: 'correct horse battery' };
const BOB = { username: 'bob', password: 'another long secret' };
let clock = Date.parse('2026-03-01T08:00:00Z');

let server: Awaited<ReturnType<typeof apiServer>>;
let owner: string;
let ownerId: string;
let bob: string;
let ann: string;

beforeAll(async () => {
  server = await apiServer({ now: () => clock, sleep: async () => undefined });
  owner = (await server.call('POST', '/api/setup', { body: OWNER })).session!;
  ownerId = (await server.call('GET', '/api/session', { cookie: owner })).json.account.id;
  ann = (await server.call('POST', '/api/people', { cookie: owner, body: { name: 'Ann Example' } })).json.person.id;
  await accountsOf(server.instance.system).addAccount(BOB.username, BOB.password, [{ personId: ann, role: 'manager' }]);
  bob = (await server.call('POST', '/api/login', { body: BOB })).session!;
  const bytes = Buffer.from(JSON.stringify({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Example' }] }));
  await importFiles(server.instance, { actor: 'cli:test', paths: [{ name: 'p.ndjson', bytes }], target: { kind: 'person', personId: ann } });
  // A read and a search through the FHIR API by bob (manager) and one by the owner.
  await server.call('GET', `/fhir/${ann}/Patient`, { cookie: bob });
  await server.call('GET', `/fhir/${ann}/Patient/does-not-exist`, { cookie: bob });
  await server.call('GET', `/fhir/${ann}/Patient`, { cookie: owner });
});
afterAll(() => server.close());

const auditPath = (query = '') => `/api/people/${ann}/audit${query}`;

describe('the audit view', () => {
  it('lists entries with actors, a total and a verified chain, to the owner only', async () => {
    const page = await server.call('GET', auditPath(), { cookie: owner });
    expect(page.status).toBe(200);
    expect(page.json.verification).toEqual({ ok: true, entries: page.json.total, problems: [] });
    expect(page.json.entries[0]).toEqual({
      seq: 1,
      recordedAt: expect.any(String),
      actor: { id: 'cli:test', username: null, kind: 'cli' },
      action: 'import',
      what: null,
      outcome: 'success',
      sourceAddress: null,
      requestId: null,
    });
    const bobsEntry = page.json.entries.find((e: { actor: { username: string | null } }) => e.actor.username === 'bob');
    expect(bobsEntry).toMatchObject({ actor: { kind: 'account' }, action: 'search', sourceAddress: '127.0.0.1', requestId: expect.any(String) });
    // A manager (and a viewer) cannot see the trail: the one 404.
    const refused = await server.call('GET', auditPath(), { cookie: bob });
    expect(refused.status).toBe(404);
    expect(refused.json.error.message).toBe('no such person');
    expect((await server.call('GET', auditPath())).status).toBe(401);
  });

  it('filters by action and date range, and pages', async () => {
    const searches = await server.call('GET', auditPath('?action=search'), { cookie: owner });
    expect(searches.json.entries.map((e: { action: string }) => e.action)).toEqual(['search', 'search']);
    expect(searches.json.total).toBe(2);
    const second = await server.call('GET', auditPath('?action=search&limit=1&offset=1'), { cookie: owner });
    expect(second.json.total).toBe(2);
    expect(second.json.entries).toHaveLength(1);
    expect(second.json.entries[0].seq).toBe(searches.json.entries[1].seq);
    expect((await server.call('GET', auditPath('?from=2100-01-01T00:00:00Z'), { cookie: owner })).json.total).toBe(0);
    expect((await server.call('GET', auditPath('?to=2100-01-01T00:00:00Z&action=read'), { cookie: owner })).json.entries.length).toBeGreaterThan(0);
    for (const bad of ['?action=dance', '?limit=0', '?limit=abc', '?from=yesterday', '?sort=seq']) {
      expect((await server.call('GET', auditPath(bad), { cookie: owner })).status, bad).toBe(400);
    }
  });

  it('is itself audited: each view adds a read entry by its viewer', async () => {
    const before = (await server.call('GET', auditPath('?action=read'), { cookie: owner })).json;
    const after = (await server.call('GET', auditPath('?action=read&limit=500'), { cookie: owner })).json;
    expect(after.total).toBe(before.total + 1);
    expect(after.entries.at(-1)).toMatchObject({ actor: { id: ownerId, username: 'alice' }, what: { query: 'view=audit' } });
  });

  it('exports the trail as FHIR AuditEvent NDJSON', async () => {
    // fetch itself: the test client parses every body as one JSON document.
    const exported = await fetch(`${server.base}/api/people/${ann}/audit.ndjson`, { headers: { cookie: `__Host-hearth-session=${owner}` } });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('application/fhir+ndjson');
    const events = (await exported.text()).trim().split('\n').map((line) => JSON.parse(line));
    expect(events.length).toBeGreaterThan(4);
    for (const event of events) {
      expect(event.resourceType).toBe('AuditEvent');
      expect(event.recorded).toEqual(expect.any(String));
    }
    expect((await fetch(`${server.base}/api/people/${ann}/audit.ndjson`, { headers: { cookie: `__Host-hearth-session=${bob}` } })).status).toBe(404);
    const exports = (await server.call('GET', auditPath('?action=export'), { cookie: owner })).json;
    expect(exports.entries.map((e: { what: { query: string } }) => e.what.query)).toEqual(['export=audit']);
  });

  it('shows a tamper: an edited row in the vault fails verification at that entry', async () => {
    const vault = server.instance.people.openVault(ann);
    try {
      vault.db.prepare("UPDATE audit_log SET outcome = 'failure' WHERE seq = 2").run();
    } finally {
      vault.close();
    }
    const page = await server.call('GET', auditPath(), { cookie: owner });
    expect(page.json.verification.ok).toBe(false);
    expect(page.json.verification.problems).toEqual([{ seq: 2, kind: 'edited', message: expect.stringContaining('entry 2') }]);
  });
});

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf } from '../src/accounts/accounts-service.ts';
import { auditLog } from '../src/audit/index.ts';
import { importFiles } from '../src/import/import-service.ts';
import { vaultPath } from '../src/instance/data-dir.ts';
import { apiServer } from './helpers/api-client.ts';

// Deletion of sources, people and accounts over real HTTP against a real encrypted instance.
const OWNER = { username: 'alice', password: 'correct horse battery' };
const BOB = { username: 'bob', password: 'another long secret' };
const CAROL = { username: 'carol', password: 'a third long secret' };
const MINUTE = 60_000;
let clock = Date.parse('2026-03-01T08:00:00Z');

let server: Awaited<ReturnType<typeof apiServer>>;
let owner: string;
let bob: string;
let bobId: string;
let ann: string;
let bea: string;

async function login(credentials: { username: string; password: string }): Promise<string> {
  const answer = await server.call('POST', '/api/login', { body: credentials });
  expect(answer.status).toBe(200);
  return answer.session!;
}

async function importInto(personId: string, label: string, records: object[]): Promise<void> {
  const bytes = Buffer.from(records.map((r) => JSON.stringify(r)).join('\n'));
  await importFiles(server.instance, { actor: 'cli:test', paths: [{ name: 'x.ndjson', bytes }], target: { kind: 'person', personId }, sourceLabel: label });
}

beforeAll(async () => {
  server = await apiServer({ now: () => clock, sleep: async () => undefined });
  owner = (await server.call('POST', '/api/setup', { body: OWNER })).session!;
  ann = (await server.call('POST', '/api/people', { cookie: owner, body: { name: 'Ann Quillfeather' } })).json.person.id;
  bea = (await server.call('POST', '/api/people', { cookie: owner, body: { name: 'Bea Example' } })).json.person.id;
  bobId = (await accountsOf(server.instance.system).addAccount(BOB.username, BOB.password, [{ personId: ann, role: 'manager' }])).id;
  bob = await login(BOB);
  await importInto(ann, 'clinic-a', [{ resourceType: 'Patient', id: 'p1', name: [{ family: 'Quillfeather' }] }, { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, code: { text: 'asthma' } }]);
  await importInto(ann, 'clinic-b', [{ resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'weight' } }]);
});
afterAll(() => server.close());

describe('sources', () => {
  it('lists a person’s sources with record counts; a stranger gets the one 404', async () => {
    const listed = await server.call('GET', `/api/people/${ann}/sources`, { cookie: owner });
    expect(listed.status).toBe(200);
    expect(listed.json.sources.map((s: { label: string; records: number; kind: string }) => [s.label, s.kind, s.records])).toEqual([['clinic-a', 'file', 2], ['clinic-b', 'file', 1]]);
    expect(Object.keys(listed.json.sources[0]).sort()).toEqual(['createdAt', 'id', 'kind', 'label', 'records', 'sync']);
    expect((await server.call('GET', `/api/people/${bea}/sources`, { cookie: bob })).status).toBe(404);
  });

  it('deletes one source: a manager lacks delete (404), the owner removes exactly its records', async () => {
    const sources = (await server.call('GET', `/api/people/${ann}/sources`, { cookie: owner })).json.sources;
    const clinicA = sources[0].id;
    const refused = await server.call('DELETE', `/api/people/${ann}/sources/${clinicA}`, { cookie: bob });
    expect(refused.status).toBe(404);
    expect(refused.json.error.message).toBe('no such person');
    // Read it through the FHIR API first, so its vault handle is cached by the server.
    expect((await server.call('GET', `/fhir/${ann}/Condition`, { cookie: owner })).json.total).toBe(1);
    expect((await server.call('DELETE', `/api/people/${ann}/sources/${clinicA}`, { cookie: owner })).status).toBe(204);
    expect((await server.call('GET', `/fhir/${ann}/Condition`, { cookie: owner })).json.total).toBe(0);
    expect((await server.call('GET', `/fhir/${ann}/Observation`, { cookie: owner })).json.total).toBe(1);
    expect((await server.call('GET', `/api/people/${ann}/sources`, { cookie: owner })).json.sources.map((s: { label: string }) => s.label)).toEqual(['clinic-b']);
    expect((await server.call('DELETE', `/api/people/${ann}/sources/${clinicA}`, { cookie: owner })).status).toBe(404);
  });
});

describe('people', () => {
  it('needs a fresh password: after five minutes 401 reauth-required, then POST /api/reauth', async () => {
    clock += 6 * MINUTE;
    const stale = await server.call('DELETE', `/api/people/${bea}`, { cookie: owner, body: { confirm: 'Bea Example' } });
    expect(stale.status).toBe(401);
    expect(stale.json.error.code).toBe('reauth-required');
    expect((await server.call('POST', '/api/reauth', { cookie: owner, body: { password: OWNER.password } })).status).toBe(204);
    expect((await server.call('POST', '/api/reauth', { cookie: bob, body: { password: BOB.password } })).status).toBe(204);
  });

  it('refuses a wrong confirmation (400), no body (400), a manager (404); then deletes', async () => {
    const wrong = await server.call('DELETE', `/api/people/${ann}`, { cookie: owner, body: { confirm: 'Ann' } });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.message).not.toContain('Quillfeather');
    expect((await server.call('DELETE', `/api/people/${ann}`, { cookie: owner })).status).toBe(400);
    expect((await server.call('DELETE', `/api/people/${ann}`, { cookie: bob, body: { confirm: 'Ann Quillfeather' } })).status).toBe(404);
    expect(existsSync(vaultPath(server.instance.paths, ann))).toBe(true);

    expect((await server.call('DELETE', `/api/people/${ann}`, { cookie: owner, body: { confirm: 'Ann Quillfeather' } })).status).toBe(204);
    expect(existsSync(vaultPath(server.instance.paths, ann))).toBe(false);
    expect((await server.call('GET', `/fhir/${ann}/Observation`, { cookie: owner })).status).toBe(404);
    expect((await server.call('GET', `/api/people/${ann}/sources`, { cookie: owner })).status).toBe(404);
    expect((await server.call('GET', `/api/people/${ann}/grants`, { cookie: owner })).status).toBe(404);
    expect((await server.call('GET', '/api/session', { cookie: bob })).json.people).toEqual([]);
    // The tombstone names ids, never the person.
    const trail = auditLog(server.instance.system).list({ limit: 10_000 });
    expect(trail.filter((e) => e.action === 'delete' && e.outcome === 'success').map((e) => e.what?.query)).toEqual([expect.stringMatching(/^deleted=source&source=/), 'deleted=person']);
    expect(JSON.stringify(trail)).not.toContain('Quillfeather');
  });
});

describe('accounts', () => {
  it('the owner deletes another account (fresh); its sessions end; the owner itself is refused', async () => {
    const ownerId = (await server.call('GET', '/api/session', { cookie: owner })).json.account.id;
    expect((await server.call('DELETE', `/api/accounts/${bobId}`, { cookie: bob })).status).toBe(403);
    expect((await server.call('DELETE', `/api/accounts/${ownerId}`, { cookie: owner })).status).toBe(409);
    expect((await server.call('DELETE', '/api/account', { cookie: owner })).status).toBe(409);
    expect((await server.call('DELETE', `/api/accounts/${bobId}`, { cookie: owner })).status).toBe(204);
    expect((await server.call('GET', '/api/session', { cookie: bob })).status).toBe(401);
    expect((await server.call('DELETE', `/api/accounts/${bobId}`, { cookie: owner })).status).toBe(404);
    expect(accountsOf(server.instance.system).list().map((a) => a.username)).toEqual(['alice']);
  });

  it('an account deletes itself with a fresh password; the cookie is cleared', async () => {
    await accountsOf(server.instance.system).addAccount(CAROL.username, CAROL.password);
    const carol = await login(CAROL);
    clock += 6 * MINUTE;
    expect((await server.call('DELETE', '/api/account', { cookie: carol })).status).toBe(401);
    await server.call('POST', '/api/reauth', { cookie: carol, body: { password: CAROL.password } });
    const gone = await server.call('DELETE', '/api/account', { cookie: carol });
    expect(gone.status).toBe(204);
    expect(gone.headers.getSetCookie().join()).toContain('__Host-hearth-session=;');
    expect(accountsOf(server.instance.system).byUsername('carol')).toBeUndefined();
    expect((await server.call('POST', '/api/login', { body: CAROL })).status).toBe(401);
  });
});

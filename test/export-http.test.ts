import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf } from '../src/accounts/accounts-service.ts';
import { auditLog } from '../src/audit/index.ts';
import { recordStore } from '../src/records/record-store.ts';
import { sourcesRepository } from '../src/sources/sources-repository.ts';
import type { ExportManifest } from '../src/export/export-writer.ts';
import { apiServer } from './helpers/api-client.ts';
import { demoPerson } from './helpers/fhir-server.ts';
import { ndjson, readZip } from './helpers/read-zip.ts';

// POST /api/people/:personId/export over real HTTP: a real server on 127.0.0.1, real encrypted vaults.
const MINUTE = 60_000;
let clock = Date.parse('2026-03-01T08:00:00Z');
let server: Awaited<ReturnType<typeof apiServer>>;
let personId: string;
let other: string;
const PASSWORD = 'correct horse battery';

async function login(username: string): Promise<string> {
  const answer = await server.call('POST', '/api/login', { body: { username, password: PASSWORD } });
  expect(answer.status).toBe(200);
  return answer.session!;
}

/** The export's raw answer: bytes, not text (the zip is binary). */
async function exportAs(cookie: string | undefined, body: unknown = {}, headers: Record<string, string> = { 'x-hearth-csrf': '1' }, person = personId) {
  const response = await fetch(`${server.base}/api/people/${person}/export`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers, ...(cookie ? { cookie: `__Host-hearth-session=${cookie}` } : {}) },
    body: JSON.stringify(body),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const json = response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(bytes.toString('utf8')) : undefined;
  return { status: response.status, headers: response.headers, bytes, json };
}

beforeAll(async () => {
  server = await apiServer({ now: () => clock });
  personId = await demoPerson(server.instance, 2, 300);
  other = server.instance.people.add('Someone else').id;
  const accounts = accountsOf(server.instance.system);
  await accounts.createOwner('owner', PASSWORD);
  await accounts.addAccount('viewer', PASSWORD, [{ personId, role: 'viewer' }]);
  await accounts.addAccount('manager', PASSWORD, [{ personId, role: 'manager' }]);
});
afterAll(async () => server.close());

const lastVaultEntry = () => {
  const vault = server.instance.people.openVault(personId);
  try {
    return auditLog(vault.db).list({ limit: 10_000 }).at(-1);
  } finally {
    vault.close();
  }
};

describe('POST /api/people/:personId/export', () => {
  it('streams the zip as a download to a freshly signed-in owner, and audits it in the person\'s trail', async () => {
    const cookie = await login('owner');
    const answer = await exportAs(cookie, { allVersions: true });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/zip');
    expect(answer.headers.get('content-disposition')).toMatch(/^attachment; filename="hearth-export-[a-z0-9]+(-[a-z0-9]+)*-2026-03-01\.zip"$/);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const files = await readZip(answer.bytes);
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as ExportManifest;
    expect(manifest.person.id).toBe(personId);
    expect(manifest.allVersions).toBe(true);
    expect(ndjson(files.get('ndjson/Patient.ndjson'))).toHaveLength(1);
    expect(manifest.exportedAt).toBe('2026-03-01T08:00:00.000Z');
    // The entry is appended as the zip ends, before its last bytes reach the client.
    expect(lastVaultEntry()).toMatchObject({ action: 'export', outcome: 'success', sourceAddress: '127.0.0.1' });
  });

  it('needs a session (401), the CSRF header (403) and a fresh re-authentication (401 reauth-required)', async () => {
    expect((await exportAs(undefined)).json.error.code).toBe('unauthenticated');
    const cookie = await login('owner');
    const noCsrf = await exportAs(cookie, {}, {});
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.json.error.code).toBe('csrf');
    clock += 6 * MINUTE;
    const stale = await exportAs(cookie);
    expect(stale.status).toBe(401);
    expect(stale.json.error.code).toBe('reauth-required');
    const reauth = await server.call('POST', '/api/reauth', { cookie, body: { password: PASSWORD } });
    expect(reauth.status).toBe(204);
    expect((await exportAs(cookie)).status).toBe(200);
  });

  it('refuses a viewer and a manager (no export right), an unknown person and someone else, all with the one 404, logged as denied', async () => {
    for (const username of ['viewer', 'manager']) {
      const cookie = await login(username);
      const refused = await exportAs(cookie);
      expect(refused.status, username).toBe(404);
      expect(refused.json.error).toEqual({ code: 'not-found', message: 'no such person' });
      const denied = auditLog(server.instance.system).list({ limit: 10_000 }).at(-1)!;
      expect(denied).toMatchObject({ action: 'export', outcome: 'denied', personId });
      // Even stale, a refused caller hears the same 404, not reauth-required.
      clock += 6 * MINUTE;
      expect((await exportAs(cookie)).status).toBe(404);
    }
    const viewer = await login('viewer');
    expect((await exportAs(viewer, {}, undefined, other)).status).toBe(404);
    expect((await exportAs(viewer, {}, undefined, 'no-such-person')).json.error.message).toBe('no such person');
  });

  it('stops and records a failure when the client goes away mid-download, and exports again afterwards', async () => {
    // 24 MB of random (incompressible) attachments: far more than the sockets buffer.
    const big = server.instance.people.add('Large').id;
    const source = sourcesRepository(server.instance.system).findOrCreate(big, 'file', 'test');
    const vault = server.instance.people.openVault(big);
    const store = recordStore(vault.db);
    store.transaction(() => {
      for (let i = 0; i < 2000; i++) store.write({ resourceType: 'Binary', id: `b${i}`, contentType: 'application/octet-stream', data: randomBytes(12_000).toString('base64') }, { sourceId: source.id });
    });
    const entries = () => auditLog(vault.db).list({ limit: 10_000, action: 'export' });
    const cookie = await login('owner');
    const controller = new AbortController();
    const response = await fetch(`${server.base}/api/people/${big}/export`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hearth-csrf': '1', cookie: `__Host-hearth-session=${cookie}` },
      body: '{}',
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    // The failure entry is the proof the export stopped (and closed its vault connection).
    await expect.poll(() => entries().map((entry) => entry.outcome), { timeout: 10_000 }).toEqual(['failure']);
    const again = await exportAs(cookie, {}, undefined, big);
    expect(again.status).toBe(200);
    expect(JSON.parse((await readZip(again.bytes)).get('manifest.json')!.toString('utf8')).counts).toEqual({ Binary: 2000 });
    expect(entries().map((entry) => entry.outcome)).toEqual(['failure', 'success']);
    vault.close();
  });

  it('refuses an unknown body field with 400 and exports nothing', async () => {
    const cookie = await login('owner');
    const before = lastVaultEntry()!.seq;
    const answer = await exportAs(cookie, { allVersions: true, everything: 1 });
    expect(answer.status).toBe(400);
    expect(lastVaultEntry()!.seq).toBe(before);
  });
});

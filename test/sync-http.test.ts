import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf } from '../src/accounts/accounts-service.ts';
import { auditLog } from '../src/audit/index.ts';
import { sourcesRepository } from '../src/sources/sources-repository.ts';
import { apiServer } from './helpers/api-client.ts';
import { fixedSession, send, startMiniFhir, type MiniFhir } from './helpers/mini-fhir.ts';

// Provider syncs over real HTTP against a real encrypted instance and a small loopback FHIR server.
const OWNER = { username: 'alice', password: 'correct horse battery' };
const BOB = { username: 'bob', password: 'another long secret' };

let provider: MiniFhir;
let server: Awaited<ReturnType<typeof apiServer>>;
let owner: string;
let bob: string;
let ann: string;
let sourceId: string;
let release: (() => void) | undefined;

const observations = (n: number) => Array.from({ length: n }, (_, i) => ({ resourceType: 'Observation', id: `o${i}`, status: 'final', code: { text: 'weight' }, subject: { reference: 'Patient/p1' } }));

/** Reads a server-sent event stream until an event named `until` arrives. */
async function readEvents(response: Response, until: string): Promise<{ event: string; data: any }[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: { event: string; data: any }[] = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
      if (event === until) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}

beforeAll(async () => {
  provider = await startMiniFhir({ resources: [{ resourceType: 'Patient', id: 'p1', name: [{ family: 'Quill' }] }, ...observations(150), { ...observations(1)[0], id: 'mistake', status: 'entered-in-error' },
    { resourceType: 'Condition', id: 'c-error', subject: { reference: 'Patient/p1' }, code: { text: 'x' }, verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' }] } },
    { resourceType: 'Condition', id: 'c-ok', subject: { reference: 'Patient/p1' }, code: { text: 'y' }, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] } }] });
  server = await apiServer({}, { sync: { openSession: () => fixedSession(provider.base, 'p1'), fetch: globalThis.fetch, retry: { sleep: async () => {} } } });
  owner = (await server.call('POST', '/api/setup', { body: OWNER })).session!;
  ann = (await server.call('POST', '/api/people', { cookie: owner, body: { name: 'Ann Quill' } })).json.person.id;
  const bea = (await server.call('POST', '/api/people', { cookie: owner, body: { name: 'Bea Example' } })).json.person.id;
  await accountsOf(server.instance.system).addAccount(BOB.username, BOB.password, [{ personId: bea, role: 'manager' }]);
  bob = (await server.call('POST', '/api/login', { body: BOB })).session!;
  sourceId = sourcesRepository(server.instance.system).findOrCreate(ann, 'provider', 'Clinic', provider.base).id;
});
afterAll(async () => {
  release?.();
  await server.close();
  await provider.close();
});

describe('provider sync over HTTP', () => {
  it('refuses a stranger with the one 404 and a request without the CSRF header', async () => {
    expect((await server.call('POST', `/api/people/${ann}/sources/${sourceId}/sync`, { cookie: bob })).status).toBe(404);
    expect((await server.call('GET', `/api/people/${ann}/sources/${sourceId}/sync/events`, { cookie: bob })).status).toBe(404);
    expect((await server.call('POST', `/api/people/${ann}/sources/${sourceId}/sync`, { cookie: owner, csrf: false })).status).toBe(403);
    expect((await server.call('GET', `/api/people/${ann}/sources/${sourceId}/syncs`, { cookie: owner })).json.syncs).toEqual([]);
  });

  it('runs a sync with live progress over SSE, then shows it in status, history, the source list and the audit trail', async () => {
    const events = await fetch(`${server.base}/api/people/${ann}/sources/${sourceId}/sync/events`, { headers: { cookie: `__Host-hearth-session=${owner}` } });
    expect(events.status).toBe(200);
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    expect(events.headers.get('content-security-policy')).toContain("default-src 'self'");
    const reading = readEvents(events, 'finished');
    const started = await server.call('POST', `/api/people/${ann}/sources/${sourceId}/sync`, { cookie: owner });
    expect(started.status).toBe(202);
    const seen = await reading;
    expect(seen.some((e) => e.event === 'progress' && e.data.type === 'Observation')).toBe(true);
    const finished = seen.at(-1)!.data;
    expect(finished).toMatchObject({ id: started.json.job.id, state: 'succeeded' });
    expect(finished.results.Observation).toMatchObject({ new: 151 });

    const status = await server.call('GET', `/api/people/${ann}/sources/${sourceId}/sync`, { cookie: owner });
    expect(status.json.job.state).toBe('succeeded');
    expect(status.json.schedule.lastSuccessAt).toBeGreaterThan(0);
    const listed = await server.call('GET', `/api/people/${ann}/sources`, { cookie: owner });
    const source = listed.json.sources.find((s: { id: string }) => s.id === sourceId);
    expect(source).toMatchObject({ kind: 'provider', records: 154, sync: { lastJob: { state: 'succeeded' } } });
    const vault = server.instance.people.openVault(ann);
    try {
      const entries = auditLog(vault.db).list({ action: 'sync' });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actor: expect.any(String), outcome: 'success' });
      expect(entries[0]!.what?.query).toContain('new=154');
    } finally {
      vault.close();
    }
  });

  it('keeps entered-in-error records but hides them from the lists', async () => {
    const list = await server.call('GET', `/api/people/${ann}/lists/Observation?_count=200`, { cookie: owner });
    expect(list.status).toBe(200);
    expect(list.json.total).toBe(150);
    expect(list.json.items.map((item: { resource: { id: string } }) => item.resource.id)).not.toContain('mistake');
    const conditions = await server.call('GET', `/api/people/${ann}/lists/Condition`, { cookie: owner });
    expect(conditions.json.items.map((item: { resource: { id: string } }) => item.resource.id)).toEqual(['c-ok']);
    const vault = server.instance.people.openVault(ann);
    try {
      expect(vault.db.prepare("SELECT COUNT(*) AS n FROM resources WHERE id IN ('mistake', 'c-error')").get()).toEqual({ n: 2 });
    } finally {
      vault.close();
    }
  });

  it('cancels a running sync after its current page', async () => {
    // The second page is held until the cancel has been asked: the job is mid-page when it arrives.
    const gate = new Promise<void>((resolve) => (release = resolve));
    provider.override = (url, response) => {
      if (!url.pathname.endsWith('/Observation') || url.searchParams.get('_offset') !== '100') return false;
      void gate.then(() => send(response, 200, { resourceType: 'Bundle', type: 'searchset', entry: [], link: [{ relation: 'next', url: url.href.replace('_offset=100', '_offset=200') }] }));
      return true;
    };
    provider.resources.push(...observations(300).slice(150));
    const started = await server.call('POST', `/api/people/${ann}/sources/${sourceId}/sync`, { cookie: owner });
    expect(started.status).toBe(202);
    const again = await server.call('POST', `/api/people/${ann}/sources/${sourceId}/sync`, { cookie: owner });
    expect(again.json.job.id).toBe(started.json.job.id); // one job per source
    const cancelled = await server.call('POST', `/api/people/${ann}/sources/${sourceId}/sync/cancel`, { cookie: owner });
    expect(cancelled.status).toBe(200);
    release!();
    let state = '';
    for (let i = 0; i < 200 && state !== 'cancelled'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      state = (await server.call('GET', `/api/people/${ann}/sources/${sourceId}/sync`, { cookie: owner })).json.job.state;
    }
    expect(state).toBe('cancelled');
    expect(provider.requests.some((r) => r.includes('_offset=200'))).toBe(false);
    provider.override = undefined;
  });

  it('sets how often a source syncs: checked, limited to its people, audited', async () => {
    const path = `/api/people/${ann}/sources/${sourceId}/schedule`;
    expect((await server.call('PUT', path, { cookie: bob, body: { intervalHours: 6 } })).status).toBe(404);
    for (const intervalHours of [0, 721, 1.5]) {
      expect((await server.call('PUT', path, { cookie: owner, body: { intervalHours } })).status, String(intervalHours)).toBe(400);
    }
    expect((await server.call('PUT', path, { cookie: owner, body: { intervalHours: 6, extra: 1 } })).status).toBe(400);
    const before = Date.now();
    const answer = await server.call('PUT', path, { cookie: owner, body: { intervalHours: 6 } });
    expect(answer.status).toBe(200);
    expect(answer.json.schedule.intervalHours).toBe(6);
    // The next run is at most six hours away (from the last success, or from now).
    expect(answer.json.schedule.nextRunAt).toBeLessThanOrEqual(before + 6 * 3_600_000 + 60_000);
    const status = await server.call('GET', `/api/people/${ann}/sources/${sourceId}/sync`, { cookie: owner });
    expect(status.json.schedule.intervalHours).toBe(6);
    const vault = server.instance.people.openVault(ann);
    try {
      const settings = auditLog(vault.db).list({ action: 'setting' });
      expect(settings.at(-1)?.what?.query).toBe(`source=${sourceId}&syncIntervalHours=6`);
    } finally {
      vault.close();
    }
  });

  it('deleting the source (fresh password) drops its sync jobs and schedule', async () => {
    expect((server.instance.system.prepare('SELECT COUNT(*) AS n FROM sync_jobs WHERE source_id = ?').get(sourceId) as { n: number }).n).toBeGreaterThan(0);
    const deleted = await server.call('DELETE', `/api/people/${ann}/sources/${sourceId}`, { cookie: owner });
    expect(deleted.status).toBe(204);
    expect(server.instance.system.prepare('SELECT COUNT(*) AS n FROM sync_jobs WHERE source_id = ?').get(sourceId)).toEqual({ n: 0 });
    expect(server.instance.system.prepare('SELECT COUNT(*) AS n FROM sync_schedules WHERE source_id = ?').get(sourceId)).toEqual({ n: 0 });
    expect((await server.call('GET', `/api/people/${ann}/sources/${sourceId}/syncs`, { cookie: owner })).status).toBe(404);
  });
});

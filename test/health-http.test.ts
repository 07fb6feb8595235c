import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsFor, demoPerson, startFhirServer, type FhirTestServer, type TestInstance } from './helpers/fhir-server.ts';
import { tempInstance } from './helpers/temp-instance.ts';

// The dashboard, timeline and lab routes over real HTTP on 127.0.0.1, a real encrypted instance and
// a demo family member; access through the person door (viewer reads, no grant → the one 404).
let instance: TestInstance;
let server: FhirTestServer;
let owner: string;
let viewer: string;
let stranger: string;
let personId: string;
let otherId: string;

beforeAll(async () => {
  instance = await tempInstance();
  personId = await demoPerson(instance, 0, 600);
  otherId = await demoPerson(instance, 2, 150);
  const accounts = accountsFor(instance);
  await accounts.createOwner('owner', 'correct horse battery');
  await accounts.addAccount('viewer', 'correct horse battery', [{ personId, role: 'viewer' }]);
  await accounts.addAccount('stranger', 'correct horse battery', [{ personId: otherId, role: 'viewer' }]);
  server = await startFhirServer(instance);
  owner = await server.login('owner', 'correct horse battery');
  viewer = await server.login('viewer', 'correct horse battery');
  stranger = await server.login('stranger', 'correct horse battery');
}, 120_000);
afterAll(async () => {
  await server.close();
  instance.dispose();
});

const get = (path: string, cookie = owner) => server.call('GET', path, { cookie });
const base = () => `/api/people/${personId}`;

describe('dashboard', () => {
  it('answers the person’s problems, medications, labs with flags, trends, immunisations, visits and sources', async () => {
    const answer = await get(`${base()}/dashboard`);
    expect(answer.status).toBe(200);
    const body = answer.json;
    expect(body.problems.length).toBeGreaterThan(0);
    expect(body.recentLabs.length).toBeGreaterThan(0);
    expect(body.recentLabs.length).toBeLessThanOrEqual(12);
    // Newest first.
    const dates = body.recentLabs.map((lab: { date: string }) => Date.parse(lab.date));
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
    expect(body.trends.map((trend: { key: string }) => trend.key)).toEqual(expect.arrayContaining(['bp', 'weight']));
    const bp = body.trends.find((trend: { key: string }) => trend.key === 'bp');
    expect(bp.points[0]).toMatchObject({ value: expect.any(Number), value2: expect.any(Number) });
    expect(body.immunisations.given.length).toBeGreaterThan(0);
    expect(body.immunisations.due.find((due: { key: string }) => due.key === 'influenza')).toBeDefined();
    expect(body.visits.length).toBe(5);
    expect(body.sources).toEqual([expect.objectContaining({ label: 'demo', failed: false, lastImport: expect.objectContaining({ status: 'done' }) })]);
  });

  it('is open to a viewer, the one 404 to an account without a grant, and audited in the person’s trail', async () => {
    expect((await get(`${base()}/dashboard`, viewer)).status).toBe(200);
    const refused = await get(`${base()}/dashboard`, stranger);
    expect(refused.status).toBe(404);
    expect(refused.json.error.code).toBe('not-found');
    for (const path of ['timeline', 'labs', 'labs/2345-7']) expect((await get(`${base()}/${path}`, stranger)).status, path).toBe(404);
    expect((await server.call('GET', `${base()}/dashboard`)).status).toBe(401);
    const vault = instance.people.openVault(personId);
    try {
      const rows = vault.db.prepare("SELECT action, outcome FROM audit_log WHERE json_extract(what, '$.query') = 'dashboard'").all();
      expect(rows.length).toBeGreaterThanOrEqual(2);
    } finally {
      vault.close();
    }
  });
});

describe('timeline', () => {
  it('pages visits newest first with a cursor, each with the records that refer to it', async () => {
    const first = await get(`${base()}/timeline?limit=5`);
    expect(first.status).toBe(200);
    expect(first.json.visits).toHaveLength(5);
    expect(first.json.years.length).toBeGreaterThan(1);
    expect(first.json.visits.some((visit: { items: unknown[] }) => visit.items.length > 0)).toBe(true);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await get(`${base()}/timeline?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.json.visits.map((visit: { id: string; date: string }) => `${visit.date}|${visit.id}`));
      cursor = page.json.next;
    } while (cursor);
    const total = first.json.years.reduce((sum: number, year: { count: number }) => sum + year.count, 0);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    const times = seen.map((entry) => Date.parse(entry.split('|')[0]!));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('filters by record type, date range and source; refuses bad input', async () => {
    const year = (await get(`${base()}/timeline`)).json.years[1].year as number;
    const inYear = await get(`${base()}/timeline?from=${year}&to=${year}&types=Observation&limit=100`);
    expect(inYear.status).toBe(200);
    expect(inYear.json.visits.length).toBeGreaterThan(0);
    for (const visit of inYear.json.visits) {
      expect(visit.date.slice(0, 4)).toBe(String(year));
      for (const item of visit.items) expect(item.type).toBe('Observation');
    }
    const none = await get(`${base()}/timeline?source=00000000-0000-0000-0000-000000000000`);
    expect(none.json.visits).toEqual([]);
    for (const bad of ['limit=0', 'limit=500', 'types=Patient', 'from=2020-13', 'cursor=bm9wZQ', 'nope=1']) {
      const answer = await get(`${base()}/timeline?${bad}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.json.error.code, bad).toBeDefined();
    }
  });
});

describe('labs', () => {
  it('groups tests by panel with the latest result and its flag', async () => {
    const answer = await get(`${base()}/labs`);
    expect(answer.status).toBe(200);
    const keys = answer.json.panels.map((panel: { key: string }) => panel.key);
    expect(keys).toEqual(expect.arrayContaining(['cbc', 'metabolic', 'lipids']));
    const cbc = answer.json.panels.find((panel: { key: string }) => panel.key === 'cbc');
    expect(cbc.tests.find((test: { loinc: string }) => test.loinc === '718-7')).toMatchObject({ name: 'Hemoglobin', count: expect.any(Number), latest: { value: expect.stringContaining('g/dL') } });
  });

  it('answers one test’s results oldest first with reference ranges, and 404 / 400 for unknown or bad codes', async () => {
    const answer = await get(`${base()}/labs/2345-7`);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ loinc: '2345-7', name: 'Glucose', panel: { key: 'metabolic' } });
    const [series] = answer.json.series;
    expect(series.unit).toBe('mg/dL');
    expect(series.points[0]).toMatchObject({ value: expect.any(Number), high: 99, low: 70, sourceId: expect.any(String) });
    const times = series.points.map((point: { date: string }) => Date.parse(point.date));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(answer.json.total).toBe(series.points.length + answer.json.series.slice(1).reduce((n: number, s: { points: unknown[] }) => n + s.points.length, 0) + answer.json.other.length);
    const newest = await get(`${base()}/labs/2345-7?limit=1`);
    expect(newest.status).toBe(200);
    expect(newest.json.total).toBe(answer.json.total);
    expect(newest.json.series.flatMap((s: { points: unknown[] }) => s.points).length + newest.json.other.length).toBe(1);
    for (const bad of ['limit=0', 'limit=2001', 'limit=x', 'limit=1.5', 'nope=1']) expect((await get(`${base()}/labs/2345-7?${bad}`)).status, bad).toBe(400);
    expect((await get(`${base()}/labs/99999-9`)).status).toBe(404);
    expect((await get(`${base()}/labs/drop-table`)).status).toBe(400);
  });
});

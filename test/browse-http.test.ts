import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../src/audit/index.ts';
import { CCDA, HOSTILE_HTML, hospitalRecords, importRecords, portalRecords } from './helpers/browse-fixtures.ts';
import { accountsFor, startFhirServer, type FhirTestServer, type TestInstance } from './helpers/fhir-server.ts';
import { tempInstance } from './helpers/temp-instance.ts';

// The records browser's API (/api/people/:id/lists, /find, /attachments) over real HTTP and a real
// encrypted instance: two sources of the same person, access checks, audit entries.
let instance: TestInstance;
let server: FhirTestServer;
let owner: string;
let stranger: string;
let personId: string;
let otherPerson: string;
let portalSource: string;

beforeAll(async () => {
  instance = await tempInstance();
  personId = instance.people.add('Ada').id;
  otherPerson = instance.people.add('Ben').id;
  portalSource = await importRecords(instance, personId, 'Clinic portal', await portalRecords());
  await importRecords(instance, personId, 'Hospital export', hospitalRecords());
  await importRecords(instance, otherPerson, 'Ben portal', hospitalRecords());
  const accounts = accountsFor(instance);
  await accounts.createOwner('owner', 'correct horse battery');
  await accounts.addAccount('stranger', 'correct horse battery', [{ personId: otherPerson, role: 'viewer' }]);
  server = await startFhirServer(instance);
  owner = await server.login('owner', 'correct horse battery');
  stranger = await server.login('stranger', 'correct horse battery');
});
afterAll(async () => {
  await server.close();
  instance.dispose();
});

const get = (path: string, cookie = owner) => server.call('GET', path, { cookie });
const api = () => `/api/people/${personId}`;

describe('lists with two sources', () => {
  it('shows a lab result held by two sources once, with both records and their sources', async () => {
    const answer = await get(`${api()}/lists/Observation?_sort=date`);
    expect(answer.status).toBe(200);
    expect(answer.json.total).toBe(3);
    const items = answer.json.items as { resource: { id: string }; source: { label: string }; others: { resource: { id: string }; source: { label: string } }[] }[];
    expect(items).toHaveLength(2);
    const twin = items.find((item) => item.others.length > 0)!;
    expect([twin.resource.id, twin.others[0]!.resource.id].sort()).toEqual(['glu-hospital', 'glu-portal']);
    expect([twin.source.label, twin.others[0]!.source.label].sort()).toEqual(['Clinic portal', 'Hospital export']);
    // Never deleted: each is still read on its own.
    expect((await get(`/fhir/${personId}/Observation/glu-hospital`)).status).toBe(200);
    expect((await get(`/fhir/${personId}/Observation/glu-portal`)).status).toBe(200);
  });

  it('folds immunisations by CVX code and passes FHIR search parameters through', async () => {
    const answer = await get(`${api()}/lists/Immunization?status=completed&_count=10`);
    expect(answer.json.items).toHaveLength(1);
    expect(answer.json.items[0].others).toHaveLength(1);
    expect((await get(`${api()}/lists/Immunization?status=entered-in-error`)).json.items).toHaveLength(0);
    expect((await get(`${api()}/lists/Immunization?nonsense=1`)).status).toBe(400);
  });

  it('names the other records of the same fact for a detail view', async () => {
    const twins = await get(`${api()}/same-facts/Observation/glu-portal`);
    expect(twins.json.records.map((r: { resource: { id: string }; source: { label: string } }) => [r.resource.id, r.source.label])).toEqual([['glu-hospital', 'Hospital export']]);
    const shots = await get(`${api()}/same-facts/Immunization/flu-hospital`);
    expect(shots.json.records.map((r: { resource: { id: string } }) => r.resource.id)).toEqual(['flu-portal']);
    expect((await get(`${api()}/same-facts/DocumentReference/doc-pdf`)).json.records).toEqual([]);
    expect((await get(`${api()}/same-facts/Observation/nope`)).status).toBe(404);
    expect((await get(`${api()}/same-facts/Observation/glu-portal`, stranger)).status).toBe(404);
  });

  it('is the one not-found for a person the caller may not see, recorded as denied', async () => {
    const answer = await get(`${api()}/lists/Observation`, stranger);
    expect(answer.status).toBe(404);
    expect(answer.json.error.code).toBe('not-found');
    expect((await get(`/api/people/${otherPerson}/lists/Observation`, stranger)).status).toBe(200);
    const denied = auditLog(instance.system).list({ limit: 10_000 }).filter((entry) => entry.personId === personId && entry.outcome === 'denied');
    expect(denied.length).toBeGreaterThan(0);
  });
});

describe('the one search box', () => {
  it('finds words across types, grouped by type, and audits the search in the vault', async () => {
    const answer = await get(`${api()}/find?q=glucose`);
    expect(answer.status).toBe(200);
    const groups = answer.json.groups as { type: string; total: number; resources: { resource: { id: string } }[] }[];
    expect(groups.map((group) => group.type)).toEqual(['Observation']);
    expect(groups[0]!.total).toBe(3);
    const vault = instance.people.openVault(personId);
    try {
      const entries = auditLog(vault.db).list({ limit: 10_000 });
      expect(entries.some((entry) => entry.action === 'search' && entry.what?.query === 'find?q=glucose')).toBe(true);
    } finally {
      vault.close();
    }
  });

  it('takes a word prefix, and narrows by type, date, code and source', async () => {
    expect((await get(`${api()}/find?q=influ`)).json.groups.map((g: { type: string }) => g.type)).toEqual(['Immunization']);
    const byDate = await get(`${api()}/find?q=glucose&from=2024-03-01&to=2024-03-31`);
    expect(byDate.json.groups[0].total).toBe(2);
    expect((await get(`${api()}/find?code=2345-7`)).json.groups[0].total).toBe(3);
    expect((await get(`${api()}/find?type=DocumentReference`)).json.groups[0].total).toBe(5);
    const sources = (await get(`${api()}/sources`)).json.sources as { id: string; label: string }[];
    expect(sources.map((source) => source.label).sort()).toEqual(['Clinic portal', 'Hospital export']);
    expect((await get(`${api()}/sources`, stranger)).status).toBe(404);
    const bySource = await get(`${api()}/find?q=glucose&source=${portalSource}`);
    expect(bySource.json.groups[0].resources.map((r: { resource: { id: string } }) => r.resource.id)).toEqual(['glu-portal']);
  });

  it('treats search syntax as text and refuses bad input with a clear error', async () => {
    expect((await get(`${api()}/find?q=${encodeURIComponent('"NEAR( * OR')}`)).status).toBe(200);
    expect((await get(`${api()}/find`)).status).toBe(400);
    expect((await get(`${api()}/find?q=x&from=yesterday`)).status).toBe(400);
    expect((await get(`${api()}/find?type=Nonsense`)).status).toBe(400);
    expect((await get(`${api()}/find?q=glucose`, stranger)).status).toBe(404);
  });
});

describe('attachments', () => {
  const attachment = (id: string, type = 'DocumentReference', index = 0, cookie = owner) => get(`${api()}/attachments/${type}/${id}/${index}`, cookie);

  it('serves an HTML attachment as it was, in a sandbox with no remote loads', async () => {
    const answer = await attachment('doc-html');
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(HOSTILE_HTML);
    expect(answer.headers.get('content-type')).toBe('text/html');
    const csp = answer.headers.get('content-security-policy')!;
    expect(csp).toContain('sandbox');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(answer.headers.get('content-disposition')).toBe('inline; filename="Hostile discharge letter.html"');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('serves a PDF framable by the app only, and a download of the original', async () => {
    const pdf = await attachment('doc-pdf');
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.text.startsWith('%PDF-')).toBe(true);
    expect(pdf.headers.get('content-security-policy')).not.toContain('sandbox');
    const download = await get(`${api()}/attachments/DocumentReference/doc-ccda/0?download=1`);
    expect(download.text).toBe(CCDA);
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="Hospital summary.xml"');
  });

  it('follows Binary/<id> within the vault, serves Media and Binary, and never fetches a remote URL', async () => {
    const text = await attachment('doc-text');
    expect(text.text).toBe('Plain text note: rest and fluids.');
    expect(text.headers.get('content-type')).toBe('text/plain');
    expect((await attachment('bin-text', 'Binary')).text).toBe('Plain text note: rest and fluids.');
    const image = await attachment('media-png', 'Media');
    expect(image.headers.get('content-type')).toBe('image/png');
    const remote = await attachment('doc-remote');
    expect(remote.status).toBe(404);
    expect(remote.json.error.message).toMatch(/not stored in Hearth/);
    expect((await attachment('doc-html', 'DocumentReference', 3)).status).toBe(404);
    expect((await get(`${api()}/attachments/DocumentReference/doc-html/x`)).status).toBe(400);
  });

  it('is the one not-found for a stranger, and the app CSP stays on other answers', async () => {
    const refused = await attachment('doc-html', 'DocumentReference', 0, stranger);
    expect(refused.status).toBe(404);
    expect(refused.text).not.toContain('Discharge');
    expect(refused.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});

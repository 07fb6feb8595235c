import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../src/audit/index.ts';
import { accountsFor, startFhirServer, syntheaPerson, type FhirTestServer, type TestInstance } from './helpers/fhir-server.ts';
import { tempInstance } from './helpers/temp-instance.ts';

// The FHIR REST API over real HTTP on 127.0.0.1, a real encrypted instance and one Synthea patient.
const PATIENT = '129c6ac7-8d06-89de-ad63-0204a93e76c3';
let instance: TestInstance;
let server: FhirTestServer;
let cookie: string;
let personId: string;
let fhir: string;

beforeAll(async () => {
  instance = await tempInstance();
  personId = await syntheaPerson(instance, PATIENT);
  await accountsFor(instance).createOwner('owner', 'correct horse battery');
  server = await startFhirServer(instance);
  cookie = await server.login('owner', 'correct horse battery');
  fhir = `/fhir/${personId}`;
});
afterAll(async () => {
  await server.close();
  instance.dispose();
});

const get = (path: string, headers: Record<string, string> = {}) => server.call('GET', path, { cookie, headers });
type Entry = { resource?: { resourceType: string; id: string }; search?: { mode?: string } };
const ids = (bundle: { entry?: Entry[] }, mode?: string) =>
  (bundle.entry ?? [])
    .filter((entry) => entry.resource?.resourceType !== 'OperationOutcome' && (mode === undefined || entry.search?.mode === mode))
    .map((entry) => `${entry.resource!.resourceType}/${entry.resource!.id}`);

/** Follows `next` links from `path` to the end; every URL is the server's own. */
async function allPages(path: string): Promise<{ ids: string[]; total: number; pages: number; bundles: any[] }> {
  const seen: string[] = [];
  const bundles: any[] = [];
  let url: string | undefined = path;
  let total = -1;
  while (url) {
    const answer = await get(url);
    expect(answer.status, url).toBe(200);
    bundles.push(answer.json);
    total = answer.json.total;
    seen.push(...ids(answer.json));
    url = answer.json.link.find((link: { relation: string }) => link.relation === 'next')?.url;
    if (url) expect(url.startsWith(`${server.base}${fhir}/`)).toBe(true);
  }
  return { ids: seen, total, pages: bundles.length, bundles };
}

const expectOutcome = (answer: { status: number; headers: Headers; json: any }, status: number, code?: string) => {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
  expect(answer.json.resourceType).toBe('OperationOutcome');
  if (code) expect(answer.json.issue[0].code).toBe(code);
};

describe('metadata', () => {
  it('lists the interactions, the indexed search params (each of which works), includes and $everything', async () => {
    const answer = await get(`${fhir}/metadata`);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', format: ['json'] });
    const resources = answer.json.rest[0].resource as any[];
    const patient = resources.find((resource) => resource.type === 'Patient');
    expect(patient.interaction.map((i: { code: string }) => i.code)).toEqual(['read', 'vread', 'history-instance', 'search-type', 'create', 'update', 'delete']);
    expect(patient.operation[0].name).toBe('everything');
    expect(patient.searchRevInclude).toContain('Procedure:subject');
    const procedure = resources.find((resource) => resource.type === 'Procedure');
    expect(procedure.searchInclude).toContain('Procedure:encounter');
    // Every advertised parameter is answered (not refused as unknown or unsupported).
    for (const resource of [patient, procedure]) {
      for (const param of resource.searchParam as { name: string }[]) {
        const query = param.name === '_text' || param.name === '_content' ? `${param.name}=x` : param.name === '_id' ? '_id=x' : `${param.name}:missing=false`;
        expect((await get(`${fhir}/${resource.type}?${query}`)).status, `${resource.type}?${query}`).toBe(200);
      }
    }
  });
});

describe('read, vread, history', () => {
  it('reads with ETag and Last-Modified, and answers 304 to a matching If-None-Match', async () => {
    const answer = await get(`${fhir}/Patient/${PATIENT}`);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ resourceType: 'Patient', id: PATIENT, meta: { versionId: '1' } });
    expect(answer.headers.get('etag')).toBe('W/"1"');
    expect(new Date(answer.headers.get('last-modified')!).getTime()).toBe(Math.floor(Date.parse(answer.json.meta.lastUpdated) / 1000) * 1000);
    const cached = await get(`${fhir}/Patient/${PATIENT}`, { 'if-none-match': 'W/"1"' });
    expect(cached.status).toBe(304);
    expect(cached.text).toBe('');
    expect((await get(`${fhir}/Patient/${PATIENT}`, { 'if-none-match': 'W/"7"' })).status).toBe(200);
  });

  it('vreads a version and lists history', async () => {
    const version = await get(`${fhir}/Patient/${PATIENT}/_history/1`);
    expect(version.status).toBe(200);
    expect(version.headers.get('etag')).toBe('W/"1"');
    const history = await get(`${fhir}/Patient/${PATIENT}/_history`);
    expect(history.json).toMatchObject({ resourceType: 'Bundle', type: 'history', total: 1 });
    expect(history.json.entry[0].response.etag).toBe('W/"1"');
    expectOutcome(await get(`${fhir}/Patient/${PATIENT}/_history/2`), 404, 'not-found');
    expectOutcome(await get(`${fhir}/Patient/${PATIENT}/_history/x`), 404, 'not-found');
  });

  it('answers OperationOutcomes: unknown record 404 (same as an unknown person), bad id 400, unknown type 400', async () => {
    const missing = await get(`${fhir}/Patient/does-not-exist`);
    expectOutcome(missing, 404, 'not-found');
    const noPerson = await get(`/fhir/00000000-0000-0000-0000-000000000000/Patient/${PATIENT}`);
    expectOutcome(noPerson, 404, 'not-found');
    expect(noPerson.json).toEqual(missing.json);
    expectOutcome(await get(`${fhir}/Patient/bad_id!`), 400, 'invalid');
    expectOutcome(await get(`${fhir}/Nonsense/1`), 400, 'invalid');
    expectOutcome(await get(`${fhir}/Nonsense?name=x`), 400, 'invalid');
    expectOutcome(await get(`${fhir}/Patient/${PATIENT}/$nothing`), 404, 'not-found');
    expectOutcome(await server.call('GET', `${fhir}/Patient/${PATIENT}`), 401, 'login');
  });
});

describe('search', () => {
  it('GET and POST _search give the same Bundle', async () => {
    const query = 'status=completed&_sort=-date&_count=7';
    const viaGet = await get(`${fhir}/Procedure?${query}`);
    const viaPost = await server.call('POST', `${fhir}/Procedure/_search`, { cookie, raw: { type: 'application/x-www-form-urlencoded', text: query } });
    expect(viaGet.status).toBe(200);
    expect(viaPost.status).toBe(200);
    expect(viaGet.json.total).toBeGreaterThan(7);
    expect(viaPost.json).toEqual(viaGet.json);
    const noCsrf = await server.call('POST', `${fhir}/Procedure/_search`, { cookie, csrf: false, raw: { type: 'application/x-www-form-urlencoded', text: query } });
    expectOutcome(noCsrf, 403, 'forbidden');
  });

  it('paging links followed to the end give every match exactly once; previous links go back', async () => {
    const all = await allPages(`${fhir}/Procedure?_count=50&_sort=date`);
    expect(all.pages).toBeGreaterThan(2);
    expect(all.ids.length).toBe(all.total);
    expect(new Set(all.ids).size).toBe(all.total);
    const second = all.bundles[1];
    const previous = second.link.find((link: { relation: string }) => link.relation === 'previous').url;
    expect(ids((await get(previous)).json)).toEqual(ids(all.bundles[0]));
    expect(second.entry.every((entry: { fullUrl: string; resource: { id: string } }) => entry.fullUrl === `${server.base}${fhir}/Procedure/${entry.resource.id}`)).toBe(true);
  });

  it('_include and _revinclude add resources with search mode include', async () => {
    const included = await get(`${fhir}/Procedure?_count=5&_include=Procedure:encounter`);
    expect(ids(included.json, 'match')).toHaveLength(5);
    const encounters = ids(included.json, 'include');
    expect(encounters.length).toBeGreaterThan(0);
    expect(encounters.every((id) => id.startsWith('Encounter/'))).toBe(true);
    const rev = await get(`${fhir}/Patient?_revinclude=Encounter:subject`);
    expect(ids(rev.json, 'match')).toEqual([`Patient/${PATIENT}`]);
    expect(ids(rev.json, 'include').length).toBe((await get(`${fhir}/Encounter?_count=0`)).json.total);
  });

  it('refuses unknown and unsupported parameters with 400, unless the client asks for lenient handling', async () => {
    expectOutcome(await get(`${fhir}/Procedure?colour=red`), 400, 'invalid');
    expectOutcome(await get(`${fhir}/Procedure?_summary=count`), 400);
    expectOutcome(await get(`${fhir}/Procedure?subject.name=x`), 400);
    const lenient = await get(`${fhir}/Procedure?colour=red&status=completed&_count=3`, { prefer: 'handling=lenient' });
    expect(lenient.status).toBe(200);
    const strict = await get(`${fhir}/Procedure?status=completed&_count=3`);
    expect(ids(lenient.json, 'match')).toEqual(ids(strict.json, 'match'));
    expect(lenient.json.entry.at(-1)).toMatchObject({ search: { mode: 'outcome' }, resource: { resourceType: 'OperationOutcome' } });
    expect(lenient.json.link[0].url).not.toContain('colour');
  });
});

describe('Patient/$everything', () => {
  it('pages through the patient, their compartment and what it refers to', async () => {
    const all = await allPages(`${fhir}/Patient/${PATIENT}/$everything?_count=200`);
    expect(all.ids.length).toBe(all.total);
    expect(new Set(all.ids).size).toBe(all.total);
    expect(all.ids).toContain(`Patient/${PATIENT}`);
    const procedures = (await get(`${fhir}/Procedure?_count=0`)).json.total;
    expect(all.ids.filter((id) => id.startsWith('Procedure/')).length).toBe(procedures);
    expect(all.ids.some((id) => id.startsWith('Practitioner/'))).toBe(true);
    expectOutcome(await get(`${fhir}/Patient/nobody/$everything`), 404);
    expectOutcome(await get(`${fhir}/Patient/${PATIENT}/$everything?start=2020`), 400);
  });
});

describe('writes', () => {
  const weight = { resourceType: 'Observation', status: 'final', code: { text: 'Body weight' }, subject: { reference: `Patient/${PATIENT}` }, valueQuantity: { value: 70, unit: 'kg' } };

  it('creates, updates with If-Match, deletes; history keeps it all and read answers 410', async () => {
    const invalid = await server.call('POST', `${fhir}/Observation`, { cookie, body: { resourceType: 'Observation', status: 'nonsense' } });
    expectOutcome(invalid, 400, 'invalid');
    expect(invalid.json.issue.some((issue: { expression?: string[] }) => issue.expression?.[0]?.startsWith('Observation.'))).toBe(true);
    expectOutcome(await server.call('POST', `${fhir}/Observation`, { cookie, body: { ...weight, resourceType: 'Patient' } }), 400);

    const created = await server.call('POST', `${fhir}/Observation`, { cookie, body: { ...weight, id: 'client-chosen', meta: { versionId: '9' } } });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    expect(id).not.toBe('client-chosen');
    expect(created.headers.get('location')).toBe(`${server.base}${fhir}/Observation/${id}/_history/1`);
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect((await get(`${fhir}/Observation?_id=${id}`)).json.total).toBe(1);

    const update = (ifMatch?: string, value = 71) =>
      server.call('PUT', `${fhir}/Observation/${id}`, { cookie, body: { ...weight, id, valueQuantity: { value, unit: 'kg' } }, ...(ifMatch ? { headers: { 'if-match': ifMatch } } : {}) });
    expectOutcome(await update('W/"5"'), 412);
    const updated = await update('W/"1"');
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('W/"2"');
    expect(updated.json.valueQuantity.value).toBe(71);
    expectOutcome(await server.call('PUT', `${fhir}/Observation/${id}`, { cookie, body: { ...weight, id: 'other' } }), 400);

    expectOutcome(await server.call('DELETE', `${fhir}/Observation/${id}`, { cookie, headers: { 'if-match': 'W/"1"' } }), 412);
    const deleted = await server.call('DELETE', `${fhir}/Observation/${id}`, { cookie });
    expect(deleted.status).toBe(204);
    expectOutcome(await get(`${fhir}/Observation/${id}`), 410);
    expectOutcome(await get(`${fhir}/Observation/${id}/_history/3`), 410);
    expect((await get(`${fhir}/Observation/${id}/_history/1`)).json.valueQuantity.value).toBe(70);
    const history = await get(`${fhir}/Observation/${id}/_history`);
    expect(history.json.entry.map((entry: { request: { method: string } }) => entry.request.method)).toEqual(['DELETE', 'PUT', 'POST']);
    expect((await get(`${fhir}/Observation?_id=${id}`)).json.total).toBe(0);
    expect((await server.call('DELETE', `${fhir}/Observation/${id}`, { cookie })).status).toBe(204);

    const provenance = await server.call('GET', `/api/people/${personId}/provenance/Observation/${id}`, { cookie });
    expect(provenance.json.versions.map((v: { versionId: string; deleted: boolean; source: { kind: string } }) => [v.versionId, v.deleted, v.source.kind])).toEqual([
      ['1', false, 'manual'],
      ['2', false, 'manual'],
      ['3', true, 'manual'],
    ]);
  });

  it('refuses to change or delete imported records (409), leaving them as they were', async () => {
    const before = await get(`${fhir}/Patient/${PATIENT}`);
    const put = await server.call('PUT', `${fhir}/Patient/${PATIENT}`, { cookie, body: { ...before.json, gender: 'other' } });
    expectOutcome(put, 409, 'conflict');
    expect(put.json.issue[0].diagnostics).toMatch(/read-only/);
    expectOutcome(await server.call('DELETE', `${fhir}/Patient/${PATIENT}`, { cookie }), 409);
    expect((await get(`${fhir}/Patient/${PATIENT}`)).json).toEqual(before.json);
    expectOutcome(await server.call('PUT', `${fhir}/Observation/never-was`, { cookie, body: { ...weight, id: 'never-was' } }), 404);
  });
});

describe('summary, provenance, audit', () => {
  it('summarises counts and shows an imported record\'s provenance', async () => {
    const summary = await server.call('GET', `/api/people/${personId}/summary`, { cookie });
    expect(summary.status).toBe(200);
    expect(summary.json.counts.Patient).toBe(1);
    expect(summary.json.total).toBe(Object.values(summary.json.counts as Record<string, number>).reduce((a, b) => a + b, 0));
    const provenance = await server.call('GET', `/api/people/${personId}/provenance/Patient/${PATIENT}`, { cookie });
    expect(provenance.json.versions).toHaveLength(1);
    expect(provenance.json.versions[0]).toMatchObject({ versionId: '1', source: { kind: 'file', label: 'file import' }, deleted: false });
    expect(provenance.json.versions[0].importId).toEqual(expect.any(String));
    expect(provenance.json.versions[0].origin).toMatch(/Patient\.000\.ndjson/);
    const missing = await server.call('GET', `/api/people/${personId}/provenance/Patient/nobody`, { cookie });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('not-found');
  });

  it('records reads and searches in the person\'s vault audit trail with the request id and address', async () => {
    const read = await get(`${fhir}/Patient/${PATIENT}`);
    expect(read.status).toBe(200);
    await get(`${fhir}/Procedure?status=completed&_count=1`);
    await get(`${fhir}/Procedure?colour=red`);
    const vault = instance.people.openVault(personId);
    try {
      const entries = auditLog(vault.db).list({ limit: 10_000 });
      const owner = accountsFor(instance).byUsername('owner')!;
      const readEntry = entries.filter((entry) => entry.action === 'read' && entry.what?.ids?.[0] === PATIENT).at(-1)!;
      expect(readEntry).toMatchObject({ actor: owner.id, personId, outcome: 'success', what: { type: 'Patient' }, sourceAddress: '127.0.0.1' });
      expect(readEntry.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(entries.at(-2)).toMatchObject({ action: 'search', outcome: 'success', what: { type: 'Procedure', query: 'status=completed&_count=1' } });
      expect(entries.at(-1)).toMatchObject({ action: 'search', outcome: 'failure', what: { type: 'Procedure', query: 'colour=red' } });
      expect(entries.some((entry) => entry.action === 'write' && entry.what?.query === 'delete')).toBe(true);
      expect(auditLog(vault.db).verify().ok).toBe(true);
    } finally {
      vault.close();
    }
  });
});

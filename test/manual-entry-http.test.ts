import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_ONLY_MESSAGE } from '../src/fhir-api/write-service.ts';
import { buildEncounter, buildResource, EntryProblem, formOf, type EntryForm } from '../web/src/entry/build.ts';
import { accountsFor, demoPerson, startFhirServer, type FhirTestServer, type TestInstance } from './helpers/fhir-server.ts';
import { tempInstance } from './helpers/temp-instance.ts';

// Manual entry over real HTTP: what the entry forms post (web/src/entry/build.ts) is valid FHIR the
// API accepts, carries "entered by <account>", can be edited and deleted with history kept; imported
// records cannot. And the code subsets behind the pickers (GET /api/codes/:system).
let instance: TestInstance;
let server: FhirTestServer;
let cookie: string;
let personId: string;
let patient: string;

beforeAll(async () => {
  instance = await tempInstance();
  personId = await demoPerson(instance, 0, 60);
  await accountsFor(instance).createOwner('owner', 'correct horse battery');
  server = await startFhirServer(instance);
  cookie = await server.login('owner', 'correct horse battery');
  const patients = await server.call('GET', `/fhir/${personId}/Patient`, { cookie });
  patient = `Patient/${patients.json.entry[0].resource.id}`;
});
afterAll(async () => {
  await server?.close();
  instance?.dispose();
});

const fhir = (path = '') => `/fhir/${personId}${path}`;
const post = (type: string, body: unknown) => server.call('POST', fhir(`/${type}`), { cookie, body });

function formsFor(encounter: string): EntryForm[] {
  const base = { patient, encounter, date: '2024-03-05' };
  return [
    { ...base, kind: 'condition', what: { text: 'Asthma', system: 'http://snomed.info/sct', code: '195967001', display: 'Asthma' }, status: 'active', note: 'since childhood' },
    { ...base, kind: 'medication', what: { text: 'salbutamol inhaler' }, dosage: '2 puffs when needed', endDate: '2024-06-01', status: 'completed' },
    { ...base, kind: 'allergy', what: { text: 'Allergy to peanuts', system: 'http://snomed.info/sct', code: '91935009' }, criticality: 'high', reaction: 'hives' },
    { ...base, kind: 'immunization', what: { text: 'Tdap', system: 'http://hl7.org/fhir/sid/cvx', code: '115' } },
    { ...base, kind: 'lab', what: { text: 'HbA1c', system: 'http://loinc.org', code: '4548-4' }, value: '6.1', unit: '%' },
    { ...base, kind: 'lab', what: { text: 'Urine colour' }, value: 'pale yellow' },
    { ...base, kind: 'vital', what: { text: 'Blood pressure', system: 'http://loinc.org', code: '85354-9' }, value: '128/82' },
    { ...base, kind: 'vital', what: { text: 'Body weight', system: 'http://loinc.org', code: '29463-7' }, value: '71.5', unit: 'kg' },
    { ...base, kind: 'procedure', what: { text: 'Spirometry', system: 'http://snomed.info/sct', code: '127783003' } },
    { ...base, kind: 'note', what: { text: 'Check-up with Dr Ng' }, note: 'Lungs clear. Review in 6 months — café.' },
    { ...base, kind: 'document', what: { text: 'Scanned lab report', system: 'http://loinc.org', code: '11502-2' }, attachment: { contentType: 'application/pdf', data: Buffer.from('%PDF-1.4 test').toString('base64'), title: 'report.pdf', size: 13 } },
  ];
}

describe('manual entry', () => {
  it('saves every kind as valid FHIR, on a new visit, entered by the account', async () => {
    const visit = await post('Encounter', buildEncounter(patient, '2024-03-05', 'Asthma review'));
    expect(visit.status, visit.text).toBe(201);
    const encounter = `Encounter/${visit.json.id}`;
    for (const form of formsFor(encounter)) {
      const resource = buildResource(form);
      const answer = await post(String(resource['resourceType']), resource);
      expect(answer.status, `${form.kind}: ${answer.text}`).toBe(201);
      // What comes back reads back as the same form (the edit page starts from it).
      expect(formOf(answer.json), form.kind).toMatchObject({ ...form, ...(form.kind === 'note' ? { note: form.note } : {}) });
      const provenance = await server.call('GET', `/api/people/${personId}/provenance/${answer.json.resourceType}/${answer.json.id}`, { cookie });
      expect(provenance.json.versions).toMatchObject([{ source: { kind: 'manual' }, origin: 'entered by owner' }]);
    }
    const found = await server.call('GET', fhir(`/Observation?encounter=${encounter}`), { cookie });
    expect(found.json.total ?? found.json.entry.length).toBe(4);
  });

  it('refuses forms that say nothing, and the server refuses invalid FHIR', async () => {
    expect(() => buildResource({ kind: 'condition', patient, what: { text: ' ' }, date: '' })).toThrow(EntryProblem);
    expect(() => buildResource({ kind: 'lab', patient, what: { text: 'x' }, date: '2024-01-01' })).toThrow(/value/);
    expect(() => buildResource({ kind: 'vital', patient, what: { text: 'BP', code: '85354-9', system: 'http://loinc.org' }, date: '2024-01-01', value: 'high' })).toThrow(/120\/80/);
    const bad = await post('Condition', { ...buildResource(formsFor('Encounter/x')[0]!), clinicalStatus: 'active' });
    expect(bad.status).toBe(400);
  });

  it('edits and deletes what was entered by hand, keeping the history', async () => {
    const created = await post('Condition', buildResource({ kind: 'condition', patient, what: { text: 'Hay fever' }, date: '2020-05-01' }));
    const id = created.json.id;
    const edited = buildResource({ ...formOf(created.json)!, status: 'resolved', endDate: '2021-09-01' });
    const put = await server.call('PUT', fhir(`/Condition/${id}`), { cookie, body: { ...edited, id }, headers: { 'if-match': 'W/"1"' } });
    expect(put.status, put.text).toBe(200);
    expect(put.json.abatementDateTime).toBe('2021-09-01');
    const removed = await server.call('DELETE', fhir(`/Condition/${id}`), { cookie });
    expect(removed.status).toBe(204);
    expect((await server.call('GET', fhir(`/Condition/${id}`), { cookie })).status).toBe(410);
    const provenance = await server.call('GET', `/api/people/${personId}/provenance/Condition/${id}`, { cookie });
    expect(provenance.json.versions.map((v: { versionId: string; deleted: boolean; origin: string }) => [v.versionId, v.deleted, v.origin])).toEqual([
      ['1', false, 'entered by owner'],
      ['2', false, 'entered by owner'],
      ['3', true, 'entered by owner'],
    ]);
  });

  it('refuses to edit or delete an imported record', async () => {
    let imported: any;
    for (const entry of (await server.call('GET', fhir('/Observation?_count=50'), { cookie })).json.entry) {
      const provenance = await server.call('GET', `/api/people/${personId}/provenance/Observation/${entry.resource.id}`, { cookie });
      if (provenance.json.versions[0].source.kind === 'file') imported = entry.resource;
    }
    expect(imported).toBeDefined();
    const put = await server.call('PUT', fhir(`/Observation/${imported.id}`), { cookie, body: { ...imported, note: [{ text: 'mine now' }] } });
    expect(put.status).toBe(409);
    expect(put.json.issue[0].diagnostics).toBe(READ_ONLY_MESSAGE);
    expect((await server.call('DELETE', fhir(`/Observation/${imported.id}`), { cookie })).status).toBe(409);
    expect((await server.call('GET', fhir(`/Observation/${imported.id}`), { cookie })).json.note).toEqual(imported.note);
  });
});

describe('GET /api/codes/:system', () => {
  const codes = (query: string, who: string | undefined = cookie) => server.call('GET', `/api/codes/${query}`, { cookie: who });

  it('needs a signed-in account', async () => {
    expect((await codes('loinc?q=glucose', '')).status).toBe(401);
  });

  it('finds by word prefixes, by code, by kind, best first', async () => {
    const ldl = await codes('loinc?q=chol%20ldl');
    expect(ldl.status).toBe(200);
    expect(ldl.json.system).toBe('http://loinc.org');
    expect(ldl.json.attribution).toMatch(/Regenstrief/);
    expect(ldl.json.codes.length).toBeGreaterThan(0);
    for (const entry of ldl.json.codes) expect(entry.display).toMatch(/LDL/);
    expect((await codes('loinc?q=4548-4')).json.codes[0]).toMatchObject({ code: '4548-4', unit: '%', kind: 'lab' });
    expect((await codes('snomed?q=asth')).json.codes[0]).toMatchObject({ code: '195967001', display: 'Asthma', system: 'http://snomed.info/sct' });
    expect((await codes('cvx?q=tdap')).json.codes[0].code).toBe('115');
    expect((await codes('rxnorm?q=metf')).json.codes[0]).toMatchObject({ code: '6809', display: 'metformin' });
    const vitals = await codes('loinc?kind=vital&limit=50');
    expect(vitals.json.codes.length).toBeGreaterThan(10);
    expect(vitals.json.codes.every((entry: { kind: string }) => entry.kind === 'vital')).toBe(true);
    expect((await codes('loinc?q=zzzz-nothing')).json.codes).toEqual([]);
    expect((await codes('snomed?q=a&limit=3')).json.codes).toHaveLength(3);
  });

  it('answers a clear error for an unknown subset or a bad query', async () => {
    const unknown = await codes('icd10?q=x');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toMatch(/loinc, snomed, rxnorm, cvx/);
    expect((await codes('loinc?limit=500')).status).toBe(400);
    expect((await codes('loinc?foo=1')).status).toBe(400);
  });
});

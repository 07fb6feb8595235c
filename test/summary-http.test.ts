import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsOf } from '../src/accounts/accounts-service.ts';
import { auditLog } from '../src/audit/index.ts';
import { IPS_SECTION_CODES } from '../src/export/ips.ts';
import { validateFhirResource } from '../src/fhir/validate.ts';
import { recordStore } from '../src/records/record-store.ts';
import { apiServer } from './helpers/api-client.ts';
import { demoPerson } from './helpers/fhir-server.ts';
import { pdfText } from './helpers/pdf-text.ts';

// The IPS document, the print view and the PDF over real HTTP, from a real encrypted vault.
let server: Awaited<ReturnType<typeof apiServer>>;
let personId: string;
let owner: string;
let allergyText: string;
let patientId: string;
const PASSWORD = 'correct horse battery';

async function login(username: string): Promise<string> {
  const answer = await server.call('POST', '/api/login', { body: { username, password: PASSWORD } });
  expect(answer.status).toBe(200);
  return answer.session!;
}

async function getBytes(path: string, cookie?: string) {
  const response = await fetch(`${server.base}${path}`, { headers: cookie ? { cookie: `__Host-hearth-session=${cookie}` } : {} });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

beforeAll(async () => {
  server = await apiServer({});
  personId = await demoPerson(server.instance, 2, 300);
  const accounts = accountsOf(server.instance.system);
  await accounts.createOwner('owner', PASSWORD);
  await accounts.addAccount('viewer', PASSWORD, [{ personId, role: 'viewer' }]);
  await accounts.addAccount('stranger', PASSWORD);
  owner = await login('owner');
  const vault = server.instance.people.openVault(personId);
  try {
    const allergy = vault.db.prepare("SELECT json FROM resources WHERE type = 'AllergyIntolerance'").pluck().get() as string;
    const code = JSON.parse(allergy).code;
    allergyText = code.text ?? code.coding[0].display;
    patientId = vault.db.prepare("SELECT id FROM resources WHERE type = 'Patient'").pluck().get() as string;
    expect(recordStore(vault.db).counts().length).toBeGreaterThan(5);
  } finally {
    vault.close();
  }
});
afterAll(async () => server.close());

function checkIps(bundle: any) {
  expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'document' });
  expect(bundle.identifier.value).toMatch(/^urn:uuid:/);
  expect(bundle.timestamp).toMatch(/Z$/);
  const [first, ...rest] = bundle.entry as { fullUrl: string; resource: any }[];
  const composition = first!.resource;
  expect(composition.resourceType).toBe('Composition');
  expect(composition.type.coding[0]).toMatchObject({ system: 'http://loinc.org', code: '60591-5' });
  const byUrl = new Map(bundle.entry.map((entry: any) => [entry.fullUrl, entry.resource]));
  const base = first!.fullUrl.replace(/\/Composition\/[^/]+$/, '');
  const resolve = (reference: string) => byUrl.get(`${base}/${reference}`) as any;
  expect(resolve(composition.subject.reference).resourceType).toBe('Patient');
  expect(resolve(composition.author[0].reference).resourceType).toBe('Device');
  const sections = new Map(composition.section.map((section: any) => [section.code.coding[0].code, section]));
  // Each section lists entries that are in the Bundle, or says why it is empty. This child's
  // conditions are all resolved: the (active) problem list is empty, with its reason.
  for (const [name, { code }] of Object.entries(IPS_SECTION_CODES)) {
    const section = sections.get(code) as any;
    expect(section, code).toBeDefined();
    expect(section.text.div).toMatch(/^<div xmlns="http:\/\/www.w3.org\/1999\/xhtml">/);
    if (name === 'problems') {
      expect(section.entry).toBeUndefined();
      expect(section.emptyReason.coding[0].code).toBe('unavailable');
      continue;
    }
    expect(section.entry?.length ?? 0, code).toBeGreaterThan(0);
    for (const entry of section.entry) expect(resolve(entry.reference), entry.reference).toBeDefined();
  }
  const medications = (sections.get('10160-0') as any).entry.map((entry: any) => resolve(entry.reference));
  expect(medications.map((m: any) => m.status)).toEqual(['active']);
  const allergies = (sections.get('48765-2') as any).entry.map((entry: any) => resolve(entry.reference).resourceType);
  expect(new Set(allergies)).toEqual(new Set(['AllergyIntolerance']));
  const results = (sections.get('30954-2') as any).entry.map((entry: any) => resolve(entry.reference));
  expect(results.every((r: any) => r.resourceType === 'Observation' && r.category.some((c: any) => c.coding.some((x: any) => x.code === 'laboratory')))).toBe(true);
  for (const entry of rest) expect(validateFhirResource(entry.resource).resourceType).toBe(entry.resource.resourceType);
  expect(validateFhirResource(composition).resourceType).toBe('Composition');
  validateFhirResource(bundle);
}

describe('International Patient Summary', () => {
  it('GET /api/people/:personId/ips answers a document Bundle with the six IPS sections', async () => {
    const answer = await server.call('GET', `/api/people/${personId}/ips`, { cookie: owner });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    checkIps(answer.json);
    expect(answer.json.entry[0].resource.section[0].text.div).toContain(allergyText.replace(/&/g, '&amp;'));
  });

  it('GET /fhir/:personId/Patient/:id/$summary answers the same kind of document; an unknown patient is a 404', async () => {
    const answer = await server.call('GET', `/fhir/${personId}/Patient/${patientId}/$summary`, { cookie: owner });
    expect(answer.status).toBe(200);
    checkIps(answer.json);
    expect(answer.json.entry[0].resource.subject.reference).toBe(`Patient/${patientId}`);
    const unknown = await server.call('GET', `/fhir/${personId}/Patient/nobody/$summary`, { cookie: owner });
    expect(unknown.status).toBe(404);
    expect(unknown.json.resourceType).toBe('OperationOutcome');
  });
});

describe('printable summary', () => {
  it('summary.html is plain HTML with the allergy, no script, and a same-origin stylesheet', async () => {
    const answer = await getBytes(`/api/people/${personId}/summary.html`, owner);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = answer.bytes.toString('utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/ on[a-z]+=/i);
    expect(html).toContain('<link rel="stylesheet" href="/api/summary.css">');
    expect(html).toContain(allergyText.replace(/&/g, '&amp;'));
    expect(html).toContain('<h2>Immunisations</h2>');
    const css = await getBytes('/api/summary.css', owner);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('summary.pdf is a PDF that shows the allergy', async () => {
    const answer = await getBytes(`/api/people/${personId}/summary.pdf`, owner);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/pdf');
    expect(answer.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(answer.bytes);
    expect(text).toContain('Allergies and intolerances');
    expect(text).toContain(allergyText);
  });
});

describe('access and audit', () => {
  it("lets a viewer read the summaries, refuses strangers and the signed-out, and records each in the person's trail", async () => {
    const viewer = await login('viewer');
    expect((await getBytes(`/api/people/${personId}/summary.pdf`, viewer)).status).toBe(200);
    const vault = server.instance.people.openVault(personId);
    try {
      expect(auditLog(vault.db).list({ limit: 10_000 }).at(-1)).toMatchObject({ action: 'read', outcome: 'success', what: { query: 'summary=pdf' } });
    } finally {
      vault.close();
    }
    const stranger = await login('stranger');
    for (const path of ['ips', 'summary.html', 'summary.pdf']) {
      const refused = await server.call('GET', `/api/people/${personId}/${path}`, { cookie: stranger });
      expect(refused.status, path).toBe(404);
      expect(refused.json.error).toEqual({ code: 'not-found', message: 'no such person' });
      expect((await server.call('GET', `/api/people/${personId}/${path}`)).status).toBe(401);
    }
    expect(auditLog(server.instance.system).list({ limit: 10_000 }).at(-1)).toMatchObject({ action: 'read', outcome: 'denied', personId });
  });
});

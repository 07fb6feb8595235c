import type { Bundle, Observation, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from './index.ts';

let provider: TestProvider;
let tokenA: string;
let patientA: string;
let patientB: string;

async function get(url: string, token?: string): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

function nextLink(bundle: Bundle): string | undefined {
  return bundle.link?.find((link) => link.relation === 'next')?.url;
}

async function allPages(url: string, token: string): Promise<string[]> {
  const ids: string[] = [];
  let next: string | undefined = url;
  while (next) {
    const { status, body } = await get(next, token);
    expect(status).toBe(200);
    for (const entry of (body as Bundle).entry ?? []) ids.push(`${entry.resource!.resourceType}/${entry.resource!.id}`);
    next = nextLink(body);
  }
  return ids;
}

beforeAll(async () => {
  provider = await startTestProvider({ patients: 2, resourcesPerPatient: 150, seed: 7 });
  patientA = provider.patients[0]!.id;
  patientB = provider.patients[1]!.id;
  tokenA = await provider.mintAccessToken(patientA);
});
afterAll(async () => {
  await provider?.close();
});

describe('test provider FHIR API', () => {
  it('lists its patients with their own server ids and every reference rewritten to them', async () => {
    expect(provider.patients.map((patient) => patient.id)).toEqual(['patient-1', 'patient-2']);
    expect(provider.patients[0]!.resourceCount).toBeGreaterThan(100);
    const { body } = await get(`${provider.fhirBaseUrl}/Observation?patient=${patientA}&_count=5`, tokenA);
    const observation = (body as Bundle<Observation>).entry![0]!.resource!;
    expect(observation.id).toMatch(/^observation-\d+$/);
    expect(observation.subject?.reference).toBe(`Patient/${patientA}`);
  });

  it('reads a resource of the token\'s patient and refuses another patient\'s (404)', async () => {
    const own = await get(`${provider.fhirBaseUrl}/Patient/${patientA}`, tokenA);
    expect(own.status).toBe(200);
    expect((own.body as Patient).id).toBe(patientA);
    const other = await get(`${provider.fhirBaseUrl}/Patient/${patientB}`, tokenA);
    expect(other.status).toBe(404);
    expect(other.body.resourceType).toBe('OperationOutcome');
  });

  it('refuses a search naming another patient (403) and never returns another patient\'s records', async () => {
    expect((await get(`${provider.fhirBaseUrl}/Observation?patient=${patientB}`, tokenA)).status).toBe(403);
    expect((await get(`${provider.fhirBaseUrl}/Observation?subject=Patient/${patientB}`, tokenA)).status).toBe(403);
    const unfiltered = await get(`${provider.fhirBaseUrl}/Observation?_count=500`, tokenA);
    const subjects = new Set((unfiltered.body as Bundle<Observation>).entry!.map((entry) => entry.resource!.subject?.reference));
    expect([...subjects]).toEqual([`Patient/${patientA}`]);
  });

  it('answers 401 with WWW-Authenticate without a valid bearer token', async () => {
    for (const token of [undefined, 'not-a-token']) {
      const { status, headers } = await get(`${provider.fhirBaseUrl}/Observation`, token);
      expect(status).toBe(401);
      expect(headers.get('www-authenticate')).toContain('invalid_token');
    }
  });

  it('answers 403 when the token lacks a scope for the type', async () => {
    const narrow = await provider.mintAccessToken(patientA, 'launch/patient patient/Condition.rs');
    expect((await get(`${provider.fhirBaseUrl}/Condition`, narrow)).status).toBe(200);
    expect((await get(`${provider.fhirBaseUrl}/Observation`, narrow)).status).toBe(403);
    const v1 = await provider.mintAccessToken(patientA, 'launch/patient patient/*.read');
    expect((await get(`${provider.fhirBaseUrl}/Observation?_count=1`, v1)).status).toBe(200);
  });

  it('pages with opaque cursors: every record once, totals agree', async () => {
    const first = await get(`${provider.fhirBaseUrl}/Observation?patient=${patientA}&_count=20`, tokenA);
    const total = (first.body as Bundle).total!;
    expect(total).toBeGreaterThan(40);
    expect(nextLink(first.body)).toMatch(/\/Observation\?_cursor=[\w-]+$/);
    const ids = await allPages(`${provider.fhirBaseUrl}/Observation?patient=${patientA}&_count=20`, tokenA);
    expect(ids.length).toBe(total);
    expect(new Set(ids).size).toBe(total);
  });

  it('refuses a next link followed with another patient\'s token', async () => {
    const first = await get(`${provider.fhirBaseUrl}/Observation?_count=10`, tokenA);
    const tokenB = await provider.mintAccessToken(patientB);
    expect((await get(nextLink(first.body)!, tokenB)).status).toBe(404);
  });

  it('supports _lastUpdated=gt for incremental syncs', async () => {
    const everything = await get(`${provider.fhirBaseUrl}/Condition?_lastUpdated=gt2000-01-01T00:00:00Z`, tokenA);
    expect(everything.body.total).toBeGreaterThan(0);
    const since = new Date().toISOString();
    const none = await get(`${provider.fhirBaseUrl}/Condition?_lastUpdated=gt${since}`, tokenA);
    expect(none.body.total).toBe(0);
    const condition = everything.body.entry[0].resource;
    await new Promise((resolve) => setTimeout(resolve, 5)); // lastUpdated has millisecond precision
    await provider.upsertResource(patientA, { ...condition, note: [{ text: 'updated' }] });
    const changed = await get(`${provider.fhirBaseUrl}/Condition?_lastUpdated=gt${since}`, tokenA);
    expect(changed.body.entry.map((entry: any) => entry.resource.id)).toEqual([condition.id]);
  });

  it('runs the same search by POST <Type>/_search with a form body, and refuses other writes', async () => {
    const post = await fetch(`${provider.fhirBaseUrl}/Observation/_search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ category: 'laboratory', _count: '7' }),
    });
    expect(post.status).toBe(200);
    const viaPost = (await post.json()) as Bundle;
    const viaGet = (await get(`${provider.fhirBaseUrl}/Observation?category=laboratory&_count=7`, tokenA)).body as Bundle;
    expect(viaPost.total).toBe(viaGet.total);
    expect(viaPost.entry!.map((entry) => entry.resource!.id)).toEqual(viaGet.entry!.map((entry) => entry.resource!.id));
    const write = await fetch(`${provider.fhirBaseUrl}/Observation`, { method: 'POST', headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/fhir+json' }, body: '{}' });
    expect(write.status).toBe(405);
  });

  it('searches Observation and DocumentReference by category', async () => {
    const labs = await get(`${provider.fhirBaseUrl}/Observation?category=laboratory&_count=500`, tokenA);
    expect(labs.body.total).toBeGreaterThan(0);
    for (const entry of labs.body.entry) {
      expect(entry.resource.category.flatMap((category: any) => category.coding.map((coding: any) => coding.code))).toContain('laboratory');
    }
    const all = await get(`${provider.fhirBaseUrl}/Observation?_count=1`, tokenA);
    expect(labs.body.total).toBeLessThan(all.body.total);
    const notes = await get(`${provider.fhirBaseUrl}/DocumentReference?category=clinical-note`, tokenA);
    expect(notes.status).toBe(200);
  });

  it('serves discovery and a CapabilityStatement without a token', async () => {
    const smart = await get(`${provider.fhirBaseUrl}/.well-known/smart-configuration`);
    expect(smart.status).toBe(200);
    expect(smart.body.issuer).toBe(provider.issuer);
    expect(smart.body.code_challenge_methods_supported).toEqual(['S256']);
    expect(smart.body.capabilities).toEqual(expect.arrayContaining([
      'launch-standalone', 'client-public', 'client-confidential-symmetric', 'client-confidential-asymmetric', 'permission-v2', 'permission-patient',
    ]));
    const metadata = await get(`${provider.fhirBaseUrl}/metadata`);
    expect(metadata.body.resourceType).toBe('CapabilityStatement');
  });

  it('logs method, path and status, never a token', async () => {
    provider.requestLog.length = 0;
    await get(`${provider.fhirBaseUrl}/Patient/${patientA}?access_token=${tokenA}`, tokenA);
    expect(provider.requestLog).toEqual([{ method: 'GET', url: `/fhir/r4/Patient/${patientA}?access_token=redacted`, status: 200 }]);
    expect(JSON.stringify(provider.requestLog)).not.toContain(tokenA);
  });
});

describe('compartment parameters', () => {
  it('patient= and subject= match the records that refer to the patient, nothing else in the store', async () => {
    // A record in A's store that refers to B: a plain search lists it, a compartment search must not.
    const stray = await provider.upsertResource(patientA, {
      resourceType: 'Observation', id: 'stray-b', status: 'final', code: { text: 'x' }, subject: { reference: `Patient/${patientB}` },
    });
    const all = await allPages(`${provider.fhirBaseUrl}/Observation?_count=50`, tokenA);
    const byPatient = await allPages(`${provider.fhirBaseUrl}/Observation?patient=${patientA}&_count=50`, tokenA);
    const bySubject = await allPages(`${provider.fhirBaseUrl}/Observation?subject=Patient/${patientA}&_count=50`, tokenA);
    expect(all).toContain(`Observation/${stray.id}`);
    expect(byPatient).toEqual(all.filter((id) => id !== `Observation/${stray.id}`));
    expect(bySubject).toEqual(byPatient);
    const encounters = await allPages(`${provider.fhirBaseUrl}/Encounter?patient=${patientA}`, tokenA);
    expect(encounters.length).toBeGreaterThan(0);
  });
});

import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultBehaviours } from './behaviours.ts';
import { startTestProvider, type TestProvider } from './index.ts';
import { entryResources, fhirGet, nextLink } from './test-http.ts';

/** Behaviours about how searches answer: paging styles, broken links, throttling, failures, delays. */

let provider: TestProvider;
let token: string;
let patient: string;
let base: string;

beforeAll(async () => {
  provider = await startTestProvider({ patients: 2, resourcesPerPatient: 120, seed: 3 });
  patient = provider.patients[0]!.id;
  token = await provider.mintAccessToken(patient);
  base = provider.fhirBaseUrl;
});
afterEach(() => {
  Object.assign(provider.behaviours, defaultBehaviours());
});
afterAll(async () => {
  await provider?.close();
});

async function walk(url: string, maxPages = 50): Promise<{ ids: string[]; urls: string[]; lastStatus: number }> {
  const ids: string[] = [];
  const urls: string[] = [];
  let next: string | undefined = url;
  let lastStatus = 200;
  while (next && urls.length < maxPages) {
    urls.push(next);
    const answer = await fhirGet(next, token);
    lastStatus = answer.status;
    if (answer.status !== 200) break;
    ids.push(...entryResources(answer.body).map((resource) => resource.id));
    next = nextLink(answer.body);
  }
  return { ids, urls, lastStatus };
}

describe('paging behaviours', () => {
  it("paging 'session' gives HAPI-style _getpages links at the base URL that walk every record once", async () => {
    provider.behaviours.paging = 'session';
    const first = await fhirGet(`${base}/Observation?_count=15`, token);
    const link = new URL(nextLink(first.body)!);
    expect(link.origin + link.pathname).toBe(base);
    expect(link.searchParams.get('_getpages')).toMatch(/^[0-9a-f]+$/);
    expect(link.searchParams.get('_getpagesoffset')).toBe('15');
    const { ids } = await walk(`${base}/Observation?_count=15`);
    expect(ids.length).toBe(first.body.total);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(['cursor', 'session'] as const)("brokenNextLink 'notFound' (%s): the second page's next link answers 404", async (paging) => {
    provider.behaviours.paging = paging;
    provider.behaviours.brokenNextLink = 'notFound';
    const { urls, lastStatus, ids } = await walk(`${base}/Observation?_count=10`);
    expect(urls.length).toBe(3);
    expect(lastStatus).toBe(404);
    expect(ids.length).toBe(20);
  });

  it("brokenNextLink 'loop': the second page links back to the first", async () => {
    provider.behaviours.brokenNextLink = 'loop';
    const firstUrl = `${base}/Observation?_count=10`;
    const { urls } = await walk(firstUrl, 5);
    expect(urls).toEqual([firstUrl, urls[1], firstUrl, urls[3], firstUrl]);
  });

  it('rateLimit answers 429 with Retry-After on every n-th request', async () => {
    provider.behaviours.rateLimit = { every: 3, retryAfterSeconds: 7 };
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await fhirGet(`${base}/Patient/${patient}`, token));
    const throttled = answers.filter((answer) => answer.status === 429);
    expect(throttled.length).toBe(2);
    expect(throttled.every((answer) => answer.headers.get('retry-after') === '7')).toBe(true);
    expect(answers.filter((answer) => answer.status === 200).length).toBe(4);
  });

  it('failType makes searches of that type answer 500 and leaves others alone', async () => {
    provider.behaviours.failType = 'Condition';
    expect((await fhirGet(`${base}/Condition`, token)).status).toBe(500);
    expect((await fhirGet(`${base}/Observation?_count=1`, token)).status).toBe(200);
  });

  it('requireCategory answers 400 to an Observation search without category', async () => {
    provider.behaviours.requireCategory = true;
    expect((await fhirGet(`${base}/Observation`, token)).status).toBe(400);
    expect((await fhirGet(`${base}/Observation?category=vital-signs`, token)).status).toBe(200);
    expect((await fhirGet(`${base}/Condition`, token)).status).toBe(200);
  });

  it("outcomeInSearch adds an OperationOutcome entry with search.mode 'outcome'", async () => {
    provider.behaviours.outcomeInSearch = true;
    const { body } = await fhirGet(`${base}/Observation?_count=5`, token);
    const outcomes = (body as Bundle).entry!.filter((entry) => entry.search?.mode === 'outcome');
    expect(outcomes.map((entry) => entry.resource?.resourceType)).toEqual(['OperationOutcome']);
    expect(entryResources(body).length).toBe(5);
  });

  it.each([
    ['cursor', 'Observation?_count=10'],
    ['session', 'Observation?_count=10'],
    ['cursor', '$everything?_count=40'],
  ] as const)('a search (%s, %s) pages through the records as they were at its first page', async (paging, query) => {
    provider.behaviours.paging = paging;
    const url = query.startsWith('$') ? `${base}/Patient/${patient}/${query}` : `${base}/${query}`;
    const first = await fhirGet(url, token);
    const firstIds = entryResources(first.body).map((resource) => resource.id);
    // A record added after the search started: without the snapshot a later page would show it
    // (and, for $everything, shift every later page's offset by one).
    const added = await provider.upsertResource(patient, {
      resourceType: 'Observation',
      id: `added-after-first-page-${paging}-${query.startsWith('$') ? 'everything' : 'type'}`,
      status: 'final',
      code: { text: 'added later' },
      subject: { reference: `Patient/${patient}` },
    });
    const rest = await walk(nextLink(first.body)!);
    const ids = [...firstIds, ...rest.ids];
    expect(ids.length).toBe(first.body.total);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(added.id);
    // A new search sees it.
    expect((await walk(url)).ids).toContain(added.id);
  });

  it('everything: Patient/$everything pages through the whole compartment and is declared', async () => {
    const { ids } = await walk(`${base}/Patient/${patient}/$everything?_count=40`);
    expect(ids.length).toBeGreaterThan(provider.patients[0]!.resourceCount); // plus shared Practitioners etc.
    expect(new Set(ids).size).toBe(ids.length);
    const metadata = await fhirGet(`${base}/metadata`);
    const patientResource = metadata.body.rest[0].resource.find((resource: any) => resource.type === 'Patient');
    expect(patientResource.operation.map((operation: any) => operation.name)).toEqual(['everything']);
  });

  it('everything false: not declared, and the operation answers 404', async () => {
    provider.behaviours.everything = false;
    expect((await fhirGet(`${base}/Patient/${patient}/$everything`, token)).status).toBe(404);
    const metadata = await fhirGet(`${base}/metadata`);
    const patientResource = metadata.body.rest[0].resource.find((resource: any) => resource.type === 'Patient');
    expect(patientResource.operation).toBeUndefined();
  });

  it('slowMs sends the headers and holds the body back', async () => {
    provider.behaviours.slowMs = 2_000;
    const controller = new AbortController();
    const response = await fetch(`${base}/Patient/${patient}`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    expect(response.status).toBe(200);
    setTimeout(() => controller.abort(), 100);
    await expect(response.text()).rejects.toThrow();
  });

  it('latencyMs delays every request, OAuth ones included', async () => {
    provider.behaviours.latencyMs = 2_000;
    for (const url of [`${base}/Patient/${patient}`, `${provider.issuer}/.well-known/openid-configuration`]) {
      await expect(fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(100) })).rejects.toThrow();
    }
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultBehaviours } from './behaviours.ts';
import { startTestProvider, type TestProvider } from './index.ts';
import { entryResources, fhirGet } from './test-http.ts';

/** Behaviours about what the records look like and where they live. */

let provider: TestProvider;
let tokenA: string;
let tokenB: string;
let patientA: string;
let base: string;

beforeAll(async () => {
  provider = await startTestProvider({ patients: 2, resourcesPerPatient: 200, seed: 11 });
  patientA = provider.patients[0]!.id;
  tokenA = await provider.mintAccessToken(patientA);
  tokenB = await provider.mintAccessToken(provider.patients[1]!.id);
  base = provider.fhirBaseUrl;
});
afterEach(() => {
  Object.assign(provider.behaviours, defaultBehaviours());
});
afterAll(async () => {
  await provider?.close();
});

describe('record behaviours', () => {
  it('enteredInError marks some Observations and the first Condition entered-in-error, only while on', async () => {
    const statuses = async () => {
      const observations = entryResources((await fhirGet(`${base}/Observation?_count=500`, tokenA)).body);
      const conditions = entryResources((await fhirGet(`${base}/Condition?_count=500`, tokenA)).body);
      return {
        observations: observations.filter((resource) => resource.status === 'entered-in-error').length,
        conditions: conditions.filter((resource) => resource.verificationStatus?.coding?.[0]?.code === 'entered-in-error').length,
        total: observations.length,
        conditionCount: conditions.length,
      };
    };
    const unmarked = await statuses();
    expect(unmarked).toMatchObject({ observations: 0, conditions: 0 });
    expect(unmarked.conditionCount).toBeGreaterThan(0);
    provider.behaviours.enteredInError = true;
    const marked = await statuses();
    expect(marked.observations).toBeGreaterThan(0);
    expect(marked.observations).toBeLessThan(marked.total);
    expect(marked.conditions).toBe(1);
  });

  it('binaryOnSecondHost points attachments at the second host, which serves them with the same token only', async () => {
    provider.behaviours.binaryOnSecondHost = true;
    const documents = entryResources((await fhirGet(`${base}/DocumentReference`, tokenA)).body);
    expect(documents.length).toBeGreaterThan(0);
    const url: string = documents[0].content[0].attachment.url;
    expect(url.startsWith(`${provider.secondHostBaseUrl}/Binary/`)).toBe(true);
    expect(documents[0].content[0].attachment.data).toBeUndefined();
    expect(provider.origins).toContain(new URL(url).origin);
    expect(new URL(url).origin).not.toBe(new URL(base).origin);

    const withToken = await fetch(url, { headers: { authorization: `Bearer ${tokenA}` } });
    expect(withToken.status).toBe(200);
    expect(withToken.headers.get('content-type')).toMatch(/^text\//);
    expect((await withToken.text()).length).toBeGreaterThan(0);
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${tokenB}` } })).status).toBe(404);
  });

  it("foreignReference makes a record reference another patient's Observation, which the token cannot read", async () => {
    const before = entryResources((await fhirGet(`${base}/Observation?_count=500`, tokenA)).body);
    expect(before.some((resource) => resource.derivedFrom)).toBe(false);
    provider.behaviours.foreignReference = true;
    const after = entryResources((await fhirGet(`${base}/Observation?_count=500`, tokenA)).body);
    const referencing = after.filter((resource) => resource.derivedFrom);
    expect(referencing.length).toBe(1);
    const foreign: string = referencing[0].derivedFrom[0].reference;
    expect(after.some((resource) => `Observation/${resource.id}` === foreign)).toBe(false);
    expect((await fhirGet(`${base}/${foreign}`, tokenA)).status).toBe(404);
    expect((await fhirGet(`${base}/${foreign}`, tokenB)).status).toBe(200);
  });

  it("patientIdDiffers: the alias reads the patient's record, whose own id differs, and searches by it", async () => {
    provider.behaviours.patientIdDiffers = true;
    const alias = `mrn-${patientA}`;
    const aliasToken = await provider.mintAccessToken(alias);
    const read = await fhirGet(`${base}/Patient/${alias}`, aliasToken);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(patientA);
    const search = await fhirGet(`${base}/Observation?patient=${alias}&_count=1`, aliasToken);
    expect(search.status).toBe(200);
    expect(search.body.total).toBeGreaterThan(0);
  });

  it("scopesVersion 'v1' makes discovery advertise only v1 scopes", async () => {
    const v2 = (await fhirGet(`${base}/.well-known/smart-configuration`)).body;
    expect(v2.scopes_supported).toContain('patient/*.rs');
    expect(v2.capabilities).toContain('permission-v2');
    provider.behaviours.scopesVersion = 'v1';
    const v1 = (await fhirGet(`${base}/.well-known/smart-configuration`)).body;
    expect(v1.scopes_supported).toContain('patient/*.read');
    expect(v1.scopes_supported).not.toContain('patient/*.rs');
    expect(v1.capabilities).toContain('permission-v1');
    expect(v1.capabilities).not.toContain('permission-v2');
  });
});

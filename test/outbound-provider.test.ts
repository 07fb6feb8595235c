import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HearthError } from '../src/errors/hearth-error.ts';
import { type OutboundClient, outboundClient } from '../src/outbound/outbound-client.ts';
import { type TestProvider, startTestProvider } from '../test-provider/index.ts';

// The guarded client against the test provider, set up as `npm run provider` and the sync tests are:
// the provider listens on 127.0.0.1 over http, reachable only because its origins are allowlisted.
let provider: TestProvider;
let client: OutboundClient;
beforeAll(async () => {
  provider = await startTestProvider({ patients: 1, resourcesPerPatient: 5 });
  client = outboundClient({ allowlist: provider.origins });
});
afterAll(async () => {
  await client.close();
  await provider.close();
});

describe('outbound client against the test provider', () => {
  it('reads SMART discovery and a patient with a bearer token', async () => {
    const discovery = await client.fetch(`${provider.fhirBaseUrl}/.well-known/smart-configuration`);
    expect(discovery.status).toBe(200);
    expect(await discovery.json()).toMatchObject({ token_endpoint: expect.any(String) });
    const patient = provider.patients[0]!;
    const token = await provider.mintAccessToken(patient.id);
    const response = await client.fetch(`${provider.fhirBaseUrl}/Patient/${patient.id}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ resourceType: 'Patient', id: patient.id });
  });

  it('refuses the provider once its origin is not allowlisted', async () => {
    const strict = outboundClient();
    const error = await strict.fetch(`${provider.fhirBaseUrl}/metadata`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HearthError);
    expect((error as HearthError).code).toBe('outbound_refused');
    await strict.close();
  });
});

import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../src/audit/index.ts';
import { buildServer } from '../src/http/server.ts';
import { followAuthorization, startTestProvider, type TestProvider } from '../test-provider/index.ts';
import { runCli } from './helpers/run-cli.ts';
import { tempInstance } from './helpers/temp-instance.ts';

// `hearth source sync <sourceId>` end to end: a connection made through the HTTP API against the
// test provider (real OAuth: oidc-provider, PKCE, the sealed tokens in system.db), then the real
// CLI in a child process syncs it through the guarded outbound client, with the provider's loopback
// origins on the owner's allowlist (HEARTH_OUTBOUND_ALLOWLIST, as a shell user would set it).
const OWNER = { username: 'olive', password: 'correct horse battery' };

let provider: TestProvider;
let instance: Awaited<ReturnType<typeof tempInstance>>;
let app: FastifyInstance;
let personId: string;
let sourceId: string;
let env: NodeJS.ProcessEnv;

const cli = (...args: string[]) => runCli([...args, '--data-dir', instance.paths.root], env);

/** The JSON of every current record of `type` in the person's vault. */
function vaultRecords(type: string): string[] {
  const vault = instance.people.openVault(personId);
  try {
    return (vault.db.prepare('SELECT json FROM resources WHERE type = ?').all(type) as { json: string }[]).map((row) => row.json);
  } finally {
    vault.close();
  }
}

beforeAll(async () => {
  provider = await startTestProvider({ patients: 1, resourcesPerPatient: 60, seed: 11 });
  instance = await tempInstance();
  env = { HEARTH_OUTBOUND_ALLOWLIST: provider.origins.join(',') };
  app = buildServer(instance, { logLevel: 'fatal', trustedProxies: [], publicUrl: 'http://127.0.0.1:7070', outboundAllowlist: provider.origins });
  await app.ready();
  const setup = await app.inject({ method: 'POST', url: '/api/setup', headers: { 'x-hearth-csrf': '1' }, payload: OWNER });
  const session = /__Host-hearth-session=([^;]+)/.exec(String(setup.headers['set-cookie']))![1]!;
  const call = async (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>, binder?: string) => {
    const response = await app.inject({
      method,
      url,
      headers: { 'x-hearth-csrf': '1', cookie: `__Host-hearth-session=${session}${binder ? `; __Host-hearth-oauth=${binder}` : ''}` },
      ...(payload ? { payload } : {}),
    });
    return { status: response.statusCode, json: response.body ? JSON.parse(response.body) : undefined, headers: response.headers };
  };
  personId = instance.people.add('Cliff').id;
  const app1 = await call('POST', '/api/provider-apps', { label: 'test provider', clientId: 'hearth-cli-e2e', clientType: 'public' });
  expect(app1.status, JSON.stringify(app1.json)).toBe(201);
  const started = await call('POST', `/api/people/${personId}/connections`, { fhirBaseUrl: provider.fhirBaseUrl, label: 'Test Clinic', registrationId: app1.json.registration.id });
  expect(started.status, JSON.stringify(started.json)).toBe(201);
  sourceId = started.json.sourceId;
  const binder = /__Host-hearth-oauth=([^;]+)/.exec(String(started.headers['set-cookie']))![1]!;
  await provider.registerClient({ client_id: 'hearth-cli-e2e', redirect_uris: [started.json.redirectUri], token_endpoint_auth_method: 'none' });
  const back = await followAuthorization(started.json.authorizeUrl, started.json.redirectUri);
  const done = await call('GET', `${back.pathname}${back.search}`, undefined, binder);
  expect(done.headers.location).toBe(`/people/${personId}/sources?connected=${sourceId}`);
  // The connection starts a first sync in the server; the shell's syncs come after it, with the server gone.
  let state: string | undefined;
  for (let tries = 0; tries < 300 && state !== 'succeeded' && state !== 'failed' && state !== 'partial'; tries++) {
    if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    state = (await call('GET', `/api/people/${personId}/sources/${sourceId}/sync`)).json.job?.state;
  }
  expect(state).toBe('succeeded');
  await app.close();
}, 60_000);
afterAll(async () => {
  await app?.close();
  await provider?.close();
  instance?.dispose();
});

describe('hearth source sync against the test provider', () => {
  it('syncs a change and a new record (exit 0), audited in the vault as the command line', async () => {
    const patientId = provider.patients[0]!.id;
    const token = await provider.mintAccessToken(patientId);
    const read = await fetch(`${provider.fhirBaseUrl}/Observation/observation-2`, { headers: { authorization: `Bearer ${token}` } });
    expect(read.status).toBe(200);
    await provider.upsertResource(patientId, { ...((await read.json()) as Resource), code: { text: 'Corrected in the shell test' } } as Resource);
    await provider.upsertResource(patientId, {
      resourceType: 'Observation', id: 'observation-cli-new', status: 'final', code: { text: 'Added for the shell test' },
      subject: { reference: `Patient/${patientId}` }, effectiveDateTime: '2026-11-21', valueQuantity: { value: 7, unit: '1', system: 'http://unitsofmeasure.org', code: '1' },
    } as Resource);
    const before = vaultRecords('Observation').length;

    const run = await cli('source', 'sync', sourceId, '--json');
    expect(run.code, run.stderr).toBe(0);
    const job = JSON.parse(run.stdout) as { state: string; trigger: string; results: Record<string, { new: number; updated: number; errors: unknown[] }> };
    expect(job.state).toBe('succeeded');
    expect(job.results.Observation!.new).toBe(1);
    expect(job.results.Observation!.updated).toBe(1);
    const observations = vaultRecords('Observation');
    expect(observations.length).toBe(before + 1);
    expect(observations.filter((json) => json.includes('Added for the shell test'))).toHaveLength(1);
    expect(observations.filter((json) => json.includes('Corrected in the shell test'))).toHaveLength(1);

    const vault = instance.people.openVault(personId);
    try {
      const syncs = auditLog(vault.db).list().filter((entry) => entry.action === 'sync');
      expect(syncs.at(-1)!.actor).toMatch(/^cli:/); // cli:<the shell user>
      expect(syncs.at(-1)!.outcome).toBe('success');
      expect(syncs.at(-1)!.what?.query).toContain(`source=${sourceId}`);
    } finally {
      vault.close();
    }
  });

  it('exits 1 when a type fails at the provider (a partial sync is not a success), naming the type', async () => {
    // Type searches, not $everything: failType makes that type's searches answer 500.
    provider.behaviours.everything = false;
    provider.behaviours.failType = 'Observation';
    try {
      // (The 500s are retried with backoff first: this run takes some seconds.)
      const json = await cli('source', 'sync', sourceId, '--json');
      expect(json.code, json.stderr).toBe(1);
      const job = JSON.parse(json.stdout) as { state: string; results: Record<string, { errors: unknown[] }> };
      expect(['partial', 'failed']).toContain(job.state);
      expect(job.results.Observation!.errors.length).toBeGreaterThan(0);
    } finally {
      provider.behaviours.everything = true;
      provider.behaviours.failType = null;
    }
    // The provider mended: the next run succeeds again.
    expect((await cli('source', 'sync', sourceId)).code).toBe(0);
  });
});

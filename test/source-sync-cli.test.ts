import type { Resource } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../src/audit/index.ts';
import { openSecret } from '../src/keys/sealed-secret.ts';
import { smartRepository } from '../src/smart/smart-repository.ts';
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
let call: (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>, binder?: string) => Promise<{ status: number; json: any; headers: Record<string, unknown> }>;

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
  call = async (method, url, payload, binder) => {
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
  // The server stays up, idle (no schedule runs without `hearth serve`), for a reconnect later.
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

  it('a kill -9 during a token refresh never replays the refresh token: the interrupted job is taken over, asks to reconnect, and a reconnect syncs again', { timeout: 120_000 }, async () => {
    const tokenRequests = () => provider.requestLog.filter((entry) => entry.method === 'POST' && entry.url.startsWith('/oauth/token')).length;
    const connection = () => instance.system.prepare('SELECT status, refresh_in_flight AS marker FROM provider_connections WHERE source_id = ?').get(sourceId) as { status: string; marker: number | null };
    // The access token has run out: the next sync starts with a refresh, which the provider answers slowly.
    instance.system.prepare('UPDATE provider_connections SET access_expires_at = 0 WHERE source_id = ?').run(sourceId);
    provider.behaviours.latencyMs = 5_000;
    const beforeKill = tokenRequests();
    let killed;
    try {
      killed = await runCli(['source', 'sync', sourceId, '--data-dir', instance.paths.root], env, { killWhen: () => connection().marker !== null });
    } finally {
      provider.behaviours.latencyMs = 0;
    }
    expect(killed.signal).toBe('SIGKILL');
    const killedJob = instance.system.prepare("SELECT id FROM sync_jobs WHERE source_id = ? AND state IN ('queued', 'running')").pluck().get(sourceId) as string | undefined;
    expect(killedJob).toBeDefined();
    // Let the provider finish the request the dead process sent (it may well rotate the token).
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const afterKill = tokenRequests();
    expect(afterKill - beforeKill).toBeLessThanOrEqual(1);

    // Two minutes on (a younger marker could be a live refresh in another process), the marker
    // means "crashed mid-refresh": the old refresh token may be spent, so it is not sent again.
    instance.system.prepare('UPDATE provider_connections SET refresh_in_flight = refresh_in_flight - 180000 WHERE source_id = ?').run(sourceId);
    const next = await cli('source', 'sync', sourceId, '--json');
    expect(next.code).toBe(1);
    // The next run takes the interrupted job over from its checkpoint, and ends it honestly.
    expect(JSON.parse(next.stdout)).toMatchObject({ id: killedJob, state: 'failed', error: 'reconnect_needed' });
    expect(tokenRequests()).toBe(afterKill); // no replay
    expect(connection()).toEqual({ status: 'reconnect_needed', marker: null });

    // Two clicks: reconnect (a fresh authorization); the sync it starts brings everything in.
    const started = await call('POST', `/api/sources/${sourceId}/reconnect`);
    expect(started.status, JSON.stringify(started.json)).toBe(200);
    const binder = /__Host-hearth-oauth=([^;]+)/.exec(String(started.headers['set-cookie']))![1]!;
    const back = await followAuthorization(started.json.authorizeUrl, started.json.redirectUri);
    expect((await call('GET', `${back.pathname}${back.search}`, undefined, binder)).headers.location).toBe(`/people/${personId}/sources?connected=${sourceId}`);
    let job: { id: string; state: string } | undefined;
    for (let tries = 0; tries < 300 && !['succeeded', 'failed', 'partial'].includes(job?.state ?? ''); tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      job = (await call('GET', `/api/people/${personId}/sources/${sourceId}/sync`)).json.job;
    }
    expect(job?.state).toBe('succeeded');
    expect(connection().status).toBe('connected');
    expect(vaultRecords('Observation').filter((json) => json.includes('Added for the shell test'))).toHaveLength(1);
  });

  it('hearth source delete ends the grant at the provider (RFC 7009) before deleting the records', async () => {
    const row = smartRepository(instance.system).connection(sourceId)!;
    const accessToken = openSecret(instance.providerSecretKey, row.sealedAccessToken!, `access-token:${sourceId}`).toString('utf8');
    const fhirStatus = async () => (await fetch(`${provider.fhirBaseUrl}/Patient/${provider.patients[0]!.id}`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
    expect(await fhirStatus()).toBe(200);
    const deleted = await cli('source', 'delete', sourceId, '--yes', '--json');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ sourceId, providerRevocation: 'revoked' });
    expect(await fhirStatus()).toBe(401);
    expect(vaultRecords('Observation')).toEqual([]);
  });
});

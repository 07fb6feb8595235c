import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { outboundClient, type OutboundClient } from '../src/outbound/outbound-client.ts';
import { recordStore } from '../src/records/record-store.ts';
import { runSync, type SyncRunOptions } from '../src/sync/sync-engine.ts';
import type { SyncSession } from '../src/sync/fhir-client.ts';
import { finalState } from '../src/sync/sync-results.ts';
import type { SyncResults } from '../src/sync/sync-types.ts';
import { defaultBehaviours } from '../test-provider/behaviours.ts';
import { startTestProvider, type TestProvider } from '../test-provider/index.ts';
import { tempVault } from './helpers/temp-vault.ts';

// The sync engine against the real test provider (oidc-provider tokens, FHIR over loopback), through
// the guarded outbound client with the provider's origins on the allowlist.
let provider: TestProvider;
let outbound: OutboundClient;
const vaults: ReturnType<typeof tempVault>[] = [];

beforeAll(async () => {
  provider = await startTestProvider({ patients: 3, resourcesPerPatient: 250, seed: 7 });
  outbound = outboundClient({ allowlist: provider.origins });
});
afterAll(async () => {
  await outbound.close();
  await provider.close();
});
afterEach(() => {
  Object.assign(provider.behaviours, defaultBehaviours());
  for (const vault of vaults.splice(0)) vault.dispose();
});

/** A session from a token minted by the provider (no OAuth dance: smart's part is tested there). */
function sessionFor(patientId: string): SyncSession & { refreshes: number } {
  let token: Promise<string> | undefined;
  const session = {
    sourceId: 'source-1',
    fhirBaseUrl: provider.fhirBaseUrl,
    patientId,
    grantedScopes: ['patient/*.rs'],
    refreshes: 0,
    accessToken: (checkpoint?: () => void) => {
      checkpoint?.();
      return (token ??= provider.mintAccessToken(patientId));
    },
    refreshAfterUnauthorized: async () => {
      session.refreshes++;
      token = provider.mintAccessToken(patientId);
      return token;
    },
  };
  return session;
}

async function sync(extra: Partial<SyncRunOptions> = {}, patientId = provider.patients[0]!.id) {
  const vault = extra.vault ?? tempVault();
  if (!extra.vault) vaults.push(vault as ReturnType<typeof tempVault>);
  const waits: number[] = [];
  const results: SyncResults = {};
  const result = await runSync({
    vault, sourceId: 'source-1', jobId: 'job-1', session: sessionFor(patientId), fetch: outbound.fetch,
    retry: { sleep: async (ms) => void waits.push(ms) }, pageSize: 50, checkpoint: null, results, since: null, saveProgress: () => {}, ...extra,
  });
  return { ...result, vault, waits, state: finalState(result.results) };
}

const received = (results: SyncResults) => Object.values(results).reduce((n, r) => n + r.new + r.updated + r.unchanged, 0);
const logSince = () => {
  const start = provider.requestLog.length;
  return () => provider.requestLog.slice(start);
};

describe('sync against the test provider', () => {
  it('$everything with cursor paging brings every record of the patient, and nothing of the other', async () => {
    const log = logSince();
    const result = await sync();
    expect(result.checkpoint.mode).toBe('everything');
    expect(result.state).toBe('succeeded');
    expect(log().filter((r) => r.url.includes('_cursor')).length).toBeGreaterThan(0);
    expect(received(result.results)).toBeGreaterThanOrEqual(provider.patients[0]!.resourceCount);
    expect(recordStore(result.vault.db).read('Patient', provider.patients[1]!.id)).toBeUndefined();
  });

  it('per-type searches with session paging when $everything is not declared', async () => {
    provider.behaviours.everything = false;
    provider.behaviours.paging = 'session';
    const log = logSince();
    const result = await sync();
    expect(result.checkpoint.mode).toBe('types');
    expect(result.state).toBe('succeeded');
    expect(log().some((r) => r.url.includes('_getpages='))).toBe(true);
    expect(log().some((r) => r.url.includes('$everything'))).toBe(false);
    expect(received(result.results)).toBeGreaterThanOrEqual(provider.patients[0]!.resourceCount);
  });

  it('a next link that loops or breaks stops that type with an error: the job is not succeeded', async () => {
    provider.behaviours.brokenNextLink = 'loop';
    const looped = await sync();
    expect(looped.state).toBe('partial');
    expect(JSON.stringify(looped.results)).toContain('paging_loop');
    provider.behaviours.brokenNextLink = 'notFound';
    const broken = await sync();
    expect(broken.state).toBe('partial');
    expect(JSON.stringify(broken.results)).toContain('http_404');
  });

  it('429 with Retry-After is waited out and retried', async () => {
    provider.behaviours.rateLimit = { every: 3, retryAfterSeconds: 2 };
    const result = await sync();
    expect(result.state).toBe('succeeded');
    expect(result.waits).toContain(2000);
  });

  it('a type that keeps answering 500 is retried, then failed: the job ends partial', async () => {
    provider.behaviours.everything = false;
    provider.behaviours.failType = 'Condition';
    const log = logSince();
    const result = await sync();
    expect(result.results.Condition?.errors).toEqual([{ code: 'http_500', status: 500, target: 'exception' }]);
    expect(log().filter((r) => r.url.startsWith('/fhir/r4/Condition?')).length).toBe(5);
    expect(result.state).toBe('partial');
  });

  it('OperationOutcome entries become warnings; a refused plain Observation search goes by category', async () => {
    provider.behaviours.everything = false;
    provider.behaviours.outcomeInSearch = true;
    provider.behaviours.requireCategory = true;
    const result = await sync();
    expect(JSON.stringify(result.results.Observation?.warnings)).toContain('search_needs_category');
    expect(JSON.stringify(result.results)).toContain('outcome:');
    expect(result.results.Observation?.new).toBeGreaterThan(0);
    expect(result.state).toBe('succeeded');
  });

  it('fetches Binary attachments on the second host; a reference into another patient is a warning, never fetched', async () => {
    // Type searches never return Binaries: the attachments come from the second host only.
    provider.behaviours.everything = false;
    provider.behaviours.binaryOnSecondHost = true;
    provider.behaviours.foreignReference = true;
    const log = logSince();
    const result = await sync({}, provider.patients[2]!.id);
    // Every document's attachment lives on the second host: each fetched once, each stored.
    const fetched = log().filter((r) => r.url.startsWith('/files/Binary/'));
    expect(fetched.length).toBeGreaterThan(1);
    expect(new Set(fetched.map((r) => r.url)).size).toBe(fetched.length);
    expect(result.results.Binary?.new).toBe(fetched.length);
    expect(JSON.stringify(result.results)).toContain('foreign_reference_not_fetched');
    for (const other of [provider.patients[0]!.id, provider.patients[1]!.id]) expect(log().some((r) => r.url.includes(other))).toBe(false);
    expect(result.state).toBe('succeeded');
  });

  it('a launch context id that differs from the Patient id: kept, warned, the records all held', async () => {
    provider.behaviours.patientIdDiffers = true;
    const patient = provider.patients[0]!;
    const result = await sync({}, `mrn-${patient.id}`);
    expect(result.results.Patient?.warnings).toContainEqual(expect.objectContaining({ code: 'patient_id_differs' }));
    expect(recordStore(result.vault.db).read('Patient', patient.id)).toBeDefined();
    expect(received(result.results)).toBeGreaterThanOrEqual(patient.resourceCount);
    expect(JSON.stringify(result.results)).not.toContain('foreign_patient');
  });

  it('an incremental sync sends _since / _lastUpdated and picks up a changed record', async () => {
    const patient = provider.patients[0]!;
    const first = await sync();
    // The engine takes its watermark minutes before it starts (clock skew); here, exactly now.
    const since = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5)); // lastUpdated has millisecond precision
    const changed = await provider.upsertResource(patient.id, { resourceType: 'Condition', id: 'incremental-1', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] }, code: { text: 'new' }, subject: { reference: `Patient/${patient.id}` } } as never);
    const log = logSince();
    const second = await sync({ vault: first.vault, since });
    expect(log().some((r) => r.url.includes('_since='))).toBe(true);
    expect(second.results.Condition?.new).toBe(1);
    expect(recordStore(first.vault.db).read('Condition', changed.id!)).toBeDefined();
    // Per-type searches filter by _lastUpdated (declared in the CapabilityStatement): only the change comes back.
    provider.behaviours.everything = false;
    const log2 = logSince();
    const third = await sync({ vault: first.vault, since });
    expect(log2().some((r) => r.url.includes('_lastUpdated=gt'))).toBe(true);
    expect(third.results.Condition).toMatchObject({ unchanged: 1, new: 0 });
    expect(received(third.results)).toBeLessThan(10);
  });
});

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessControl } from '../src/access/access.ts';
import { auditLog } from '../src/audit/index.ts';
import { canonicalHash } from '../src/export/canonical-hash.ts';
import { outboundClient } from '../src/outbound/outbound-client.ts';
import { HEARTH_NODE_FLAGS } from '../src/runtime-flags.ts';
import { sourcesRepository } from '../src/sources/sources-repository.ts';
import { syncRepository } from '../src/sync/sync-repository.ts';
import { syncJobs } from '../src/sync/sync-jobs.ts';
import { startTestProvider, type TestProvider } from '../test-provider/index.ts';
import { tempInstance } from './helpers/temp-instance.ts';

/**
 * kill -9 in the middle of a sync, then resume (as `hearth serve` does at start): nothing is lost,
 * the job ends 'succeeded', and the vault equals an uninterrupted sync's (canonical hash).
 */
let provider: TestProvider;
let instance: Awaited<ReturnType<typeof tempInstance>>;

beforeAll(async () => {
  // 20 ms per request and 3,000 records (6 pages of 500): time to kill the child between two pages.
  provider = await startTestProvider({ patients: 1, resourcesPerPatient: 3000, seed: 3, latencyMs: 20 });
  instance = await tempInstance();
});
afterAll(async () => {
  instance.dispose();
  await provider.close();
});

function sessionFor(token: string) {
  return {
    sourceId: 's', fhirBaseUrl: provider.fhirBaseUrl, patientId: provider.patients[0]!.id, grantedScopes: ['patient/*.rs'],
    accessToken: async (checkpoint?: () => void) => (checkpoint?.(), token),
    refreshAfterUnauthorized: async () => token,
  };
}

describe('a sync killed with SIGKILL', () => {
  it('resumes from its checkpoint to the same content as an uninterrupted sync', async () => {
    const token = await provider.mintAccessToken(provider.patients[0]!.id);
    const outbound = outboundClient({ allowlist: provider.origins });
    const sources = sourcesRepository(instance.system);
    const jobsOf = () => syncJobs({ instance, access: accessControl(instance.system), openSession: () => sessionFor(token), fetch: outbound.fetch });
    const cli = { actor: { kind: 'cli' as const }, auditActor: 'cli:test' };

    const clean = instance.people.add('Clean');
    const cleanSource = sources.findOrCreate(clean.id, 'provider', 'Clinic', provider.fhirBaseUrl);
    const uninterrupted = await jobsOf().run(cli, clean.id, cleanSource.id);
    expect(uninterrupted.state).toBe('succeeded');

    const crashed = instance.people.add('Crashed');
    const source = sources.findOrCreate(crashed.id, 'provider', 'Clinic', provider.fhirBaseUrl);
    const repository = syncRepository(instance.system);
    const child = spawn(process.execPath, [...HEARTH_NODE_FLAGS, join(import.meta.dirname, 'helpers', 'sync-child.ts')], {
      env: {
        PATH: process.env.PATH, SYNC_DATA_DIR: instance.paths.root, SYNC_ORIGINS: JSON.stringify(provider.origins), SYNC_SOURCE_ID: source.id,
        SYNC_FHIR_BASE: provider.fhirBaseUrl, SYNC_PATIENT_ID: provider.patients[0]!.id, SYNC_TOKEN: token, SYNC_PERSON_ID: crashed.id,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Killed once it has committed a few pages (read from this process: WAL lets it read meanwhile).
    const poll = setInterval(() => {
      const pages = repository.activeJob(source.id)?.checkpoint?.pages ?? 0;
      if (pages >= 2) child.kill('SIGKILL');
    }, 10);
    const signal = await exited;
    clearInterval(poll);
    expect(signal, stderr).toBe('SIGKILL');
    const left = repository.activeJob(source.id)!;
    expect(left.state).toBe('running');
    expect(left.checkpoint!.pages).toBeGreaterThanOrEqual(2);
    expect(left.checkpoint!.nextUrl).not.toBeNull(); // killed mid-walk, not after it

    // As at server start: the unfinished job goes on from its checkpoint.
    const jobs = jobsOf();
    const resumed = await Promise.all(jobs.resumeUnfinished());
    expect(resumed.map((job) => [job.id, job.state])).toEqual([[left.id, 'succeeded']]);
    const firstPageAgain = provider.requestLog.filter((r) => r.url.includes('$everything') && !r.url.includes('_cursor')).length;
    expect(firstPageAgain).toBe(2); // the clean run's and the child's: the resumed job did not start over

    const hashOf = (personId: string) => {
      const vault = instance.people.openVault(personId);
      try {
        return canonicalHash(vault.db);
      } finally {
        vault.close();
      }
    };
    const expected = hashOf(clean.id);
    expect(expected.count).toBeGreaterThanOrEqual(provider.patients[0]!.resourceCount);
    expect(hashOf(crashed.id)).toEqual(expected);
    const vault = instance.people.openVault(crashed.id);
    try {
      expect(auditLog(vault.db).list({ action: 'sync' }).map((entry) => entry.outcome)).toEqual(['success']);
    } finally {
      vault.close();
    }
    await outbound.close();
  }, 120_000);
});
